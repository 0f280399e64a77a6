// Bad input never takes the server down: malformed YAML, binary junk, requests on unknown files and
// positions past the end all get answers, and a valid request still answers afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CodeLens, DocumentSymbol, Hover, Location, MarkupContent } from 'vscode-languageserver-protocol';
import { createTempWorkspace, ensureServerBuilt, LspTestClient, positionOf, type TempWorkspace } from './lspClient';
import { deploymentYaml, SERVICE_YAML } from './fixtures';

let ws: TempWorkspace;
let client: LspTestClient;

const MALFORMED = `apiVersion: v1
kind: Service
metadata:
  name: broken
  labels: {app: [unclosed
spec:
\tselector:
  - : :
"unterminated
`;

before(async () => {
  ensureServerBuilt();
  ws = createTempWorkspace({ 'service.yaml': SERVICE_YAML, 'deploy.yaml': deploymentYaml('web'), 'bad.yaml': MALFORMED, 'junk.json': '{"kind": "Service", "apiVersion": ' });
  client = await LspTestClient.start({ workspaceFolders: [ws.uri] });
  await client.waitForReady();
});

after(async () => {
  await client?.stop();
  ws?.dispose();
});

test('malformed YAML on disk is reported as syntax errors, not a crash', async () => {
  const diags = await client.waitForDiagnostics(ws.fileUri('bad.yaml'), (d) => d.length > 0);
  assert.ok(diags.every((d) => d.source === 'kube-packet-path'));
  assert.ok(diags.some((d) => d.code === 'yaml-syntax'), JSON.stringify(diags));
  assert.ok(client.isRunning);
});

test('garbage typed into an open document, and requests anywhere in it, never crash the server', async () => {
  const uri = ws.fileUri('bad.yaml');
  await client.open(uri, MALFORMED);
  const junk = ['', '\u0000\u0001\u0002', ': : : [', '---\n---\n- a\n- [b', '{"a": ', 'kind: Service\napiVersion: v1\nmetadata: 3\nspec: [1, 2]\n', 'kind: List\napiVersion: v1\nitems: [null, 3, {kind: Pod}]\n'];
  for (const text of junk) {
    await client.change(uri, text);
    for (const position of [{ line: 0, character: 0 }, { line: 2, character: 5 }, { line: 999, character: 999 }]) {
      await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position });
      await client.request<Location[]>('textDocument/definition', { textDocument: { uri }, position });
      await client.request<Location[]>('textDocument/references', { textDocument: { uri }, position, context: { includeDeclaration: true } });
    }
    await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    await client.request('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } }, context: { diagnostics: [] } });
  }
  assert.ok(client.isRunning, client.stderr.join(''));
  // runSafe keeps the server up, but a caught exception is still a bug: none may have happened.
  assert.deepEqual(client.logMessages.filter((m) => m.type === 1), []);
});

test('requests on files the server does not know answer empty results', async () => {
  const uri = ws.fileUri('does-not-exist.yaml');
  assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }), null);
  assert.deepEqual(await client.request('textDocument/definition', { textDocument: { uri }, position: { line: 0, character: 0 } }), []);
  assert.deepEqual(await client.request('textDocument/documentSymbol', { textDocument: { uri } }), []);
  assert.deepEqual(await client.request('textDocument/codeLens', { textDocument: { uri } }), []);
});

test('after all that, a valid request still answers', async () => {
  const hover = await client.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: ws.fileUri('service.yaml') },
    position: positionOf(SERVICE_YAML, 'app: web', 1),
  });
  assert.ok(hover);
  assert.match((hover.contents as MarkupContent).value, /3 pods in 1 workload/);
  assert.ok(client.isRunning);
});

test('positions count UTF-16 code units (non-ASCII and astral characters before the caret)', async () => {
  const text = `# 日本語 🚀🚀 comment\napiVersion: v1\nkind: Service\nmetadata:\n  name: "ünïcødé-🚀"\nspec:\n  selector: {app: web, emoji: "🚀"}\n`;
  const uri = ws.write('unicode.yaml', text);
  await client.open(uri, text);
  // `app` sits after `  selector: {` on line 6; the line itself has an astral character later on.
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 6, character: 15 } });
  assert.match((hover?.contents as MarkupContent | undefined)?.value ?? '', /Service `ünïcødé-🚀`\*\* selects `app=web, emoji=🚀`/);
  const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
  // The name's range covers exactly `"ünïcødé-🚀"` (quotes included): 10 + 2 UTF-16 units.
  assert.deepEqual(symbols[0].selectionRange, { start: { line: 4, character: 8 }, end: { line: 4, character: 8 + 12 } });
  await client.close(uri);
});
