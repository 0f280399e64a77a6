-- Drives Neovim's built-in LSP client (plain vim.lsp, no plugins) against the bundled
-- kpp-language-server: opens a manifest of a workspace, waits for diagnostics, asks for a hover,
-- a definition and the outline, and writes them to a JSON file. Run headless:
--   KPP_SERVER=dist/server.js KPP_ROOT=/ws KPP_FILE=/ws/service.yaml KPP_OUT=/tmp/out.json \
--   KPP_HOVER_LINE=6 KPP_HOVER_CHARACTER=5 nvim --headless -u NONE -i NONE -n -c 'luafile test/neovim/driver.lua'
local env = vim.env
local result = { diagnostics = {}, hover = vim.NIL, definition = vim.NIL, symbols = vim.NIL, errors = {} }

local function finish()
  local f = assert(io.open(env.KPP_OUT, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end

local ok, err = pcall(function()
  local client_id = vim.lsp.start_client({
    name = 'kpp',
    cmd = { env.KPP_NODE or 'node', env.KPP_SERVER, '--stdio' },
    root_dir = env.KPP_ROOT,
    workspace_folders = { { uri = vim.uri_from_fname(env.KPP_ROOT), name = 'workspace' } },
    on_error = function(code, e)
      table.insert(result.errors, 'rpc error ' .. tostring(code) .. ': ' .. vim.inspect(e))
    end,
  })
  assert(client_id, 'vim.lsp.start_client failed')

  vim.cmd('edit ' .. vim.fn.fnameescape(env.KPP_FILE))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'yaml'
  assert(vim.lsp.buf_attach_client(bufnr, client_id), 'buf_attach_client failed')

  local got = vim.wait(tonumber(env.KPP_TIMEOUT_MS or '15000'), function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 50)
  if not got then table.insert(result.errors, 'no diagnostics published') end
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = (d.user_data or {}).lsp or {}
    table.insert(result.diagnostics, {
      line = d.lnum, character = d.col, severity = d.severity, source = d.source,
      code = d.code or lsp.code, message = d.message,
    })
  end

  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = tonumber(env.KPP_HOVER_LINE), character = tonumber(env.KPP_HOVER_CHARACTER) },
  }
  -- The same position answers hover and definition; the outline is for the whole buffer.
  local requests = {
    { key = 'hover', method = 'textDocument/hover', params = params },
    { key = 'definition', method = 'textDocument/definition', params = params },
    { key = 'symbols', method = 'textDocument/documentSymbol', params = { textDocument = params.textDocument } },
  }
  for _, r in ipairs(requests) do
    local responses = vim.lsp.buf_request_sync(bufnr, r.method, r.params, 10000)
    for _, response in pairs(responses or {}) do
      if response.err then table.insert(result.errors, r.key .. ' error: ' .. vim.inspect(response.err)) end
      if response.result then result[r.key] = response.result end
    end
  end
  vim.lsp.stop_client(client_id)
end)
if not ok then table.insert(result.errors, tostring(err)) end
finish()
