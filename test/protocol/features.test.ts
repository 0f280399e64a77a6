// Hover, CodeLens, definition, references and the outline over real LSP, on a temp workspace with
// a Service, the Deployment it selects and an Ingress in three files.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CodeLens, DocumentSymbol, Hover, Location, MarkupContent } from 'vscode-languageserver-protocol';
import { createTempWorkspace, ensureServerBuilt, LspTestClient, positionOf, type TempWorkspace } from './lspClient';
import { deploymentYaml, INGRESS_YAML, SERVICE_YAML } from './fixtures';

let ws: TempWorkspace;
let client: LspTestClient;
const DEPLOY_YAML = deploymentYaml('web', 3);

before(async () => {
  ensureServerBuilt();
  ws = createTempWorkspace({ 'service.yaml': SERVICE_YAML, 'apps/deploy.yaml': DEPLOY_YAML, 'ingress.yaml': INGRESS_YAML });
  client = await LspTestClient.start({ workspaceFolders: [ws.uri] });
  await client.waitForReady();
});

after(async () => {
  await client?.stop();
  ws?.dispose();
});

/** The Service pod-count lenses (other providers add per-port and trace lenses to the same file). */
function podLenses(lenses: readonly CodeLens[]): CodeLens[] {
  return lenses.filter((l) => /^(\d+\+? pods? in \d+ workloads?|no pods match)$/.test(l.command?.title ?? ''));
}

function rangeText(text: string, loc: Location): string {
  const lines = text.split('\n');
  const { start, end } = loc.range;
  if (start.line === end.line) return lines[start.line].slice(start.character, end.character);
  return [lines[start.line].slice(start.character), ...lines.slice(start.line + 1, end.line), lines[end.line].slice(0, end.character)].join('\n');
}

test('hover on a Service selector lists the matching workloads with replicas and file', async () => {
  const hover = await client.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: ws.fileUri('service.yaml') },
    position: positionOf(SERVICE_YAML, 'app: web', 1),
  });
  assert.ok(hover);
  const value = (hover.contents as MarkupContent).value;
  assert.match(value, /3 pods in 1 workload/);
  assert.match(value, /Deployment `web` — 3 replicas — `apps\/deploy\.yaml`/);
  // The hovered label is highlighted: `app: web` on line 6.
  assert.deepEqual(hover.range, { start: { line: 6, character: 4 }, end: { line: 6, character: 12 } });
});

test('hover on pod template labels names the Services selecting them', async () => {
  const hover = await client.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: ws.fileUri('apps/deploy.yaml') },
    position: positionOfAfter(DEPLOY_YAML, 'labels:', 'app: web'),
  });
  assert.ok(hover);
  assert.match((hover.contents as MarkupContent).value, /Selected by 1 Service:\n\n- Service `web` — `service\.yaml`/);
});

test('hover away from any selector answers null', async () => {
  const hover = await client.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: ws.fileUri('service.yaml') },
    position: positionOf(SERVICE_YAML, 'apiVersion'),
  });
  assert.equal(hover, null);
});

test('CodeLens on the Service counts pods and workloads and peeks them', async () => {
  const lenses = podLenses(await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: ws.fileUri('service.yaml') } }));
  assert.equal(lenses.length, 1);
  assert.equal(lenses[0].command?.title, '3 pods in 1 workload');
  assert.equal(lenses[0].command?.command, 'kubePacketPath.showReferences');
  assert.equal(lenses[0].range.start.line, 1); // on `kind: Service`
  const locations = lenses[0].command?.arguments?.[2] as Location[];
  assert.deepEqual(locations.map((l) => l.uri), [ws.fileUri('apps/deploy.yaml')]);
});

test('scaling the Deployment in its own file refreshes the Service CodeLens in another', async () => {
  const deployUri = ws.fileUri('apps/deploy.yaml');
  const before = client.codeLensRefreshes;
  await client.open(deployUri, DEPLOY_YAML);
  await client.change(deployUri, DEPLOY_YAML.replace('replicas: 3', 'replicas: 5'));
  await client.waitFor('a CodeLens refresh', () => client.codeLensRefreshes > before);
  const lenses = podLenses(await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: ws.fileUri('service.yaml') } }));
  assert.equal(lenses[0].command?.title, '5 pods in 1 workload');
  await client.close(deployUri);
  await client.waitFor('the lens back at 3 pods', () => client.codeLensRefreshes > before + 1);
});

test('definition: selector label → the pod template label; Ingress backend → Service; backend port → Service port', async () => {
  const fromSelector = await client.request<Location[]>('textDocument/definition', {
    textDocument: { uri: ws.fileUri('service.yaml') },
    position: positionOf(SERVICE_YAML, 'app: web', 6),
  });
  assert.equal(fromSelector.length, 1);
  assert.equal(fromSelector[0].uri, ws.fileUri('apps/deploy.yaml'));
  assert.equal(fromSelector[0].range.start.line, positionOfAfter(DEPLOY_YAML, 'labels:', 'app: web').line);
  assert.equal(rangeText(DEPLOY_YAML, fromSelector[0]), 'app: web');

  const fromBackend = await client.request<Location[]>('textDocument/definition', {
    textDocument: { uri: ws.fileUri('ingress.yaml') },
    position: positionOf(INGRESS_YAML, 'name: web', 7),
  });
  assert.equal(fromBackend.length, 1);
  assert.equal(fromBackend[0].uri, ws.fileUri('service.yaml'));
  assert.equal(rangeText(SERVICE_YAML, fromBackend[0]), 'web');
  assert.equal(fromBackend[0].range.start.line, 3);

  const fromPort = await client.request<Location[]>('textDocument/definition', {
    textDocument: { uri: ws.fileUri('ingress.yaml') },
    position: positionOf(INGRESS_YAML, 'name: http', 7),
  });
  assert.equal(fromPort.length, 1);
  assert.match(rangeText(SERVICE_YAML, fromPort[0]), /^name: http\n\s+port: 80\n\s+targetPort: http$/);
});

test('references: pod labels → Service selectors; Service name → Ingress backends', async () => {
  const fromLabels = await client.request<Location[]>('textDocument/references', {
    textDocument: { uri: ws.fileUri('apps/deploy.yaml') },
    position: positionOfAfter(DEPLOY_YAML, 'labels:', 'app: web'),
    context: { includeDeclaration: false },
  });
  assert.deepEqual(fromLabels.map((l) => [l.uri, rangeText(SERVICE_YAML, l)]), [[ws.fileUri('service.yaml'), 'app: web']]);

  const fromName = await client.request<Location[]>('textDocument/references', {
    textDocument: { uri: ws.fileUri('service.yaml') },
    position: positionOf(SERVICE_YAML, 'name: web', 7),
    context: { includeDeclaration: true },
  });
  assert.deepEqual(fromName.map((l) => l.uri).sort(), [ws.fileUri('ingress.yaml'), ws.fileUri('service.yaml')].sort());
});

test('documentSymbol outlines each object with its notable fields', async () => {
  const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: ws.fileUri('apps/deploy.yaml') } });
  assert.equal(symbols.length, 1);
  assert.equal(symbols[0].name, 'Deployment web');
  assert.equal(symbols[0].detail, 'namespace default');
  assert.deepEqual(symbols[0].children?.map((c) => [c.name, c.detail ?? '']), [
    ['replicas', '3'],
    ['selector', 'app=web'],
    ['pod labels', 'app=web'],
    ['container web', 'http:8080'],
  ]);
});

function positionOfAfter(text: string, anchor: string, needle: string): { line: number; character: number } {
  const from = text.indexOf(anchor);
  const at = text.indexOf(needle, from);
  assert.ok(from >= 0 && at >= 0);
  const before = text.slice(0, at);
  return { line: before.split('\n').length - 1, character: at - (before.lastIndexOf('\n') + 1) };
}

test('hover on one label of a Service that selects nothing shows that label on every pod template', async () => {
  const text = SERVICE_YAML.replace('name: web', 'name: typo').replace('app: web', 'app: wbe');
  const uri = ws.write('typo.yaml', text);
  await client.open(uri, text);
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'app: wbe', 1) });
  const value = (hover?.contents as MarkupContent | undefined)?.value ?? '';
  assert.match(value, /no pods match/);
  assert.match(value, /`app` on the pod templates of namespace `default`:\n\n- Deployment `web`: `app=web`$/);
  await client.close(uri);
});

test('workspace symbols find objects by kind and name, with their namespace', async () => {
  const symbols = await client.request<{ name: string; containerName?: string; location: Location }[]>('workspace/symbol', { query: 'depweb' });
  assert.deepEqual(symbols.map((s) => [s.name, s.containerName, s.location.uri]), [['Deployment web', 'default', ws.fileUri('apps/deploy.yaml')]]);
  const all = await client.request<{ name: string }[]>('workspace/symbol', { query: 'web' });
  assert.deepEqual(all.map((s) => s.name).sort(), ['Deployment web', 'Service web']);
});
