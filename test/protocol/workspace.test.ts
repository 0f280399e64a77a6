// The workspace follows the editor: folders added and removed, files.exclude changed, an untitled
// buffer analysed with the rest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTempWorkspace, ensureServerBuilt, LspTestClient, type TempWorkspace } from './lspClient';
import { deploymentYaml, SERVICE_YAML } from './fixtures';

let services: TempWorkspace;
let apps: TempWorkspace;
let client: LspTestClient;
const selectorCode = 'service-selector-matches-no-pods';

before(async () => {
  ensureServerBuilt();
  services = createTempWorkspace({ 'service.yaml': SERVICE_YAML, 'old/service.yaml': SERVICE_YAML.replace('name: web', 'name: legacy') });
  apps = createTempWorkspace({ 'deploy.yaml': deploymentYaml('web') });
  client = await LspTestClient.start({ workspaceFolders: [services.uri], configuration: { 'files.exclude': {} } });
  await client.waitForReady();
});

after(async () => {
  await client?.stop();
  services?.dispose();
  apps?.dispose();
});

const hasSelectorError = (d: readonly { code?: unknown }[]): boolean => d.some((x) => x.code === selectorCode);

test('adding the folder with the Deployment clears the Service error; removing it brings it back', async () => {
  await client.waitForDiagnostics(services.fileUri('service.yaml'), hasSelectorError);
  await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: apps.uri, name: 'apps' }], removed: [] } });
  await client.waitForDiagnostics(services.fileUri('service.yaml'), (d) => !hasSelectorError(d));
  await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [{ uri: apps.uri, name: 'apps' }] } });
  await client.waitForDiagnostics(services.fileUri('service.yaml'), hasSelectorError);
});

test('changing files.exclude re-reads the workspace', async () => {
  await client.waitForDiagnostics(services.fileUri('old/service.yaml'), hasSelectorError);
  await client.setConfiguration('files.exclude', { '**/old': true });
  await client.waitForDiagnostics(services.fileUri('old/service.yaml'), (d) => d.length === 0);
  assert.ok(hasSelectorError(client.diagnostics.get(services.fileUri('service.yaml')) ?? []));
});

test('an untitled buffer takes part in the analysis', async () => {
  await client.open('untitled:Untitled-1', deploymentYaml('web'), 'yaml');
  await client.waitForDiagnostics(services.fileUri('service.yaml'), (d) => !hasSelectorError(d));
  await client.close('untitled:Untitled-1');
  await client.waitForDiagnostics(services.fileUri('service.yaml'), hasSelectorError);
});

test('a file URI percent-encoded the VS Code way (a%2Bb%40c.yaml) still gets hovers and diagnostics', async () => {
  const text = SERVICE_YAML.replace('name: web', 'name: plus');
  const nodeUri = services.write('a+b@c.yaml', text);
  const vscodeUri = nodeUri.replace('a+b@c.yaml', 'a%2Bb%40c.yaml');
  await client.open(vscodeUri, text);
  // Published under one spelling (Node's); a client parses either to the same file.
  await client.waitForDiagnostics(nodeUri, hasSelectorError);
  const symbols = await client.request<{ name: string }[]>('textDocument/documentSymbol', { textDocument: { uri: vscodeUri } });
  assert.deepEqual(symbols.map((s) => s.name), ['Service plus']);
  await client.close(vscodeUri);
});
