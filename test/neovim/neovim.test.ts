// Neovim's built-in LSP client (another real editor) gets the server's diagnostics and hover.
// Needs Debian's `neovim` (scripts/install-system-deps.sh installs it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTempWorkspace, ensureServerBuilt, positionOf, REPO_ROOT, SERVER_BUNDLE, type TempWorkspace } from '../protocol/lspClient';
import { deploymentYaml, SERVICE_YAML } from '../protocol/fixtures';

interface NeovimResult {
  diagnostics: { line: number; character: number; severity: number; source: string; code: string; message: string }[];
  hover: { contents: { kind: string; value: string } } | null;
  definition: { uri: string; range: { start: { line: number } } }[] | null;
  symbols: { name: string }[] | null;
  errors: string[];
}

/** Two Services in one file: `web` selects nothing (its Deployment has a typo), `api` selects 3 pods. */
const SERVICES_YAML = `${SERVICE_YAML}---\n${SERVICE_YAML.replace('name: web', 'name: api').replace('app: web', 'app: api')}`;

let ws: TempWorkspace;
let outDir: string;

before(() => {
  ensureServerBuilt();
  ws = createTempWorkspace({ 'services.yaml': SERVICES_YAML, 'apps/web.yaml': deploymentYaml('wbe', 2), 'apps/api.yaml': deploymentYaml('api', 3).replace('name: web\n', 'name: api\n') });
  outDir = mkdtempSync(join(tmpdir(), 'kpp-nvim-'));
});

after(() => {
  ws?.dispose();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

function runNeovim(file: string, hoverAt: { line: number; character: number }): NeovimResult {
  const out = join(outDir, 'result.json');
  const r = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(REPO_ROOT, 'test', 'neovim', 'driver.lua')}`], {
    env: {
      ...process.env,
      KPP_NODE: process.execPath,
      KPP_SERVER: SERVER_BUNDLE,
      KPP_ROOT: ws.dir,
      KPP_FILE: file,
      KPP_OUT: out,
      KPP_HOVER_LINE: String(hoverAt.line),
      KPP_HOVER_CHARACTER: String(hoverAt.character),
    },
    timeout: 60000,
    encoding: 'utf8',
  });
  assert.equal(r.error, undefined, `nvim did not run: ${r.error}`);
  return JSON.parse(readFileSync(out, 'utf8')) as NeovimResult;
}

test('Neovim shows the cross-file selector diagnostic, the selector hover, its definition and the outline', () => {
  const result = runNeovim(join(ws.dir, 'services.yaml'), positionOf(SERVICES_YAML, 'app: api', 1));
  assert.deepEqual(result.errors, []);
  const d = result.diagnostics.find((x) => x.code === 'service-selector-matches-no-pods');
  assert.ok(d, JSON.stringify(result.diagnostics));
  assert.equal(d.source, 'kube-packet-path');
  assert.ok(d.line >= 5 && d.line <= 6, JSON.stringify(d));
  assert.match(d.message, /"web"/);
  // Only the broken Service is flagged.
  assert.equal(result.diagnostics.filter((x) => x.code === 'service-selector-matches-no-pods').length, 1);
  assert.ok(result.hover, 'no hover');
  assert.match(result.hover.contents.value, /Service `api`.*3 pods in 1 workload/);
  assert.match(result.hover.contents.value, /Deployment `api` — 3 replicas — `apps\/api\.yaml`/);
  // Go to definition from the selector label lands on the Deployment's pod template label.
  assert.deepEqual(result.definition?.map((l) => [l.uri, l.range.start.line]), [[ws.fileUri('apps/api.yaml'), 12]]);
  assert.deepEqual(result.symbols?.map((s) => s.name), ['Service web', 'Service api']);
});
