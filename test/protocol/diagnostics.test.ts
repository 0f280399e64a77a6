// Diagnostics across files over real LSP: the Service's error lives in service.yaml but is caused by
// deploy.yaml; fixing the Deployment (unsaved, in the editor) clears it; so does a fix on disk.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FileChangeType } from 'vscode-languageserver-protocol';
import { existsSync, readFileSync } from 'node:fs';
import { RULES } from '../../server/src/core/diagnostics/rules';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTempWorkspace, ensureServerBuilt, LspTestClient, REPO_ROOT, type TempWorkspace } from './lspClient';
import { deploymentYaml, SERVICE_YAML } from './fixtures';

let ws: TempWorkspace;
let client: LspTestClient;

before(async () => {
  ensureServerBuilt();
  ws = createTempWorkspace({
    'svc/service.yaml': SERVICE_YAML,
    'apps/deploy.yaml': deploymentYaml('wbe'),
    'node_modules/dep/service.yaml': SERVICE_YAML.replace('name: web', 'name: in-node-modules'),
    'skipped/service.yaml': SERVICE_YAML.replace('name: web', 'name: excluded'),
  });
  client = await LspTestClient.start({ workspaceFolders: [ws.uri], configuration: { 'files.exclude': { '**/skipped': true } } });
  await client.waitForReady();
});

after(async () => {
  await client?.stop();
  ws?.dispose();
});

const selectorCode = 'service-selector-matches-no-pods';

test('a Service whose selector matches no pods gets a diagnostic pointing at the Deployment in another file', async () => {
  const serviceUri = ws.fileUri('svc/service.yaml');
  const diags = await client.waitForDiagnostics(serviceUri, (d) => d.some((x) => x.code === selectorCode));
  const d = diags.find((x) => x.code === selectorCode)!;
  assert.equal(d.source, 'kube-packet-path');
  assert.match(String(d.message), /web/);
  // The rule's documentation: docs/diagnostics.md next to the bundle, at the rule's anchor.
  assert.equal(d.codeDescription?.href, `${pathToFileURL(join(REPO_ROOT, 'docs', 'diagnostics.md')).href}#${selectorCode}`);
  assert.ok(d.relatedInformation?.some((r) => r.location.uri === ws.fileUri('apps/deploy.yaml')), JSON.stringify(d.relatedInformation));
  // The range is inside the selector (line 5 `  selector:` or line 6 `    app: web`).
  assert.ok(d.range.start.line >= 5 && d.range.start.line <= 6, JSON.stringify(d.range));
});

test('the linked rule documentation exists and has an anchor for every rule', { todo: existsSync(join(REPO_ROOT, 'docs', 'diagnostics.md')) ? false : 'docs/diagnostics.md is not in the repository yet' }, () => {
  const docs = readFileSync(join(REPO_ROOT, 'docs', 'diagnostics.md'), 'utf8');
  const anchors = new Set([...docs.matchAll(/^#+\s+`?([a-z0-9-]+)`?\s*$/gm)].map((m) => m[1]));
  for (const rule of RULES) assert.ok(anchors.has(rule.code), `no heading for ${rule.code}`);
});

test('node_modules and files.exclude are not read', async () => {
  await client.waitForReady();
  assert.equal(client.diagnostics.has(ws.fileUri('node_modules/dep/service.yaml')), false);
  assert.equal(client.diagnostics.has(ws.fileUri('skipped/service.yaml')), false);
  assert.ok(client.configurationRequests.length > 0, 'files.exclude was asked with workspace/configuration');
});

test('the server registers a watcher for manifest files (clients that do not watch themselves)', () => {
  const watcher = client.registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles');
  assert.deepEqual(watcher?.registerOptions, { watchers: [{ globPattern: '**/*.{yaml,yml,json}' }] });
});

test('a quick fix offers the closest workload label value', async () => {
  const serviceUri = ws.fileUri('svc/service.yaml');
  const diags = await client.waitForDiagnostics(serviceUri, (d) => d.some((x) => x.code === selectorCode));
  const d = diags.find((x) => x.code === selectorCode)!;
  const actions = await client.request<{ title: string; kind: string; edit: { changes: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', {
    textDocument: { uri: serviceUri },
    range: d.range,
    context: { diagnostics: [d] },
  });
  const fix = actions.find((a) => Object.values(a.edit.changes).flat().some((e) => e.newText.includes('wbe')));
  assert.ok(fix, JSON.stringify(actions));
  assert.equal(fix.kind, 'quickfix');
});

test('fixing the Deployment in the editor clears the Service diagnostic in the other file', async () => {
  const serviceUri = ws.fileUri('svc/service.yaml');
  const deployUri = ws.fileUri('apps/deploy.yaml');
  await client.open(deployUri, deploymentYaml('wbe'));
  await client.change(deployUri, deploymentYaml('web'));
  await client.waitForDiagnostics(serviceUri, (d) => !d.some((x) => x.code === selectorCode));
  // Closing without saving falls back to the (still broken) file on disk.
  await client.close(deployUri);
  await client.waitForDiagnostics(serviceUri, (d) => d.some((x) => x.code === selectorCode));
});

test('a fix saved on disk and reported by the file watcher clears it too', async () => {
  const serviceUri = ws.fileUri('svc/service.yaml');
  const deployUri = ws.write('apps/deploy.yaml', deploymentYaml('web'));
  await client.fileChanged(deployUri, FileChangeType.Changed);
  await client.waitForDiagnostics(serviceUri, (d) => !d.some((x) => x.code === selectorCode));
  // Deleting the Deployment brings the error back.
  ws.dispose();
  await client.fileChanged(deployUri, FileChangeType.Deleted);
  await client.waitForDiagnostics(serviceUri, (d) => d.some((x) => x.code === selectorCode));
});
