// dist/server.js is also the `kpp-language-server` bin: it runs through its shebang, answers
// initialize with its capabilities, and explains itself when started without a transport.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createTempWorkspace, ensureServerBuilt, LspTestClient, SERVER_BUNDLE, type TempWorkspace } from './lspClient';
import { SERVICE_YAML } from './fixtures';

let ws: TempWorkspace;

before(() => {
  ensureServerBuilt();
  ws = createTempWorkspace({ 'service.yaml': SERVICE_YAML });
});

after(() => ws?.dispose());

test('the bundle runs as an executable and announces its capabilities', async () => {
  const client = await LspTestClient.start({ workspaceFolders: [ws.uri], command: [SERVER_BUNDLE] });
  try {
    const caps = client.initializeResult?.capabilities;
    assert.equal(client.initializeResult?.serverInfo?.name, 'kpp-language-server');
    assert.ok(caps?.hoverProvider && caps.definitionProvider && caps.referencesProvider && caps.documentSymbolProvider);
    assert.deepEqual(caps?.codeLensProvider, { resolveProvider: false });
    assert.deepEqual(caps?.codeActionProvider, { codeActionKinds: ['quickfix'] });
    const status = await client.waitForReady();
    assert.equal(status.files, 1);
  } finally {
    await client.stop();
  }
  assert.equal(client.isRunning, false);
});

test('without --stdio/--node-ipc/--socket/--pipe it prints usage and exits 2', () => {
  const r = spawnSync(process.execPath, [SERVER_BUNDLE], { encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: kpp-language-server --stdio/);
});
