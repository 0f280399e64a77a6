// The extension points other features plug into: CodeLens providers and diagnostics providers for
// open non-manifest documents. A failing provider loses only its own results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkspaceIndex } from '../../../server/src/core/workspace/workspaceIndex';
import { provideCodeLenses, type CodeLensProvider } from '../../../server/src/features/codeLens';
import { servicePodsLens } from '../../../server/src/features/servicePodsLens';
import { collectDocumentDiagnostics, type DocumentDiagnosticProvider } from '../../../server/src/features/documentDiagnostics';
import type { FeatureContext, OpenDocument } from '../../../server/src/features/featureContext';
import { createPositionMapper } from '../../../server/src/features/positions';

function context(files: Record<string, string>, open: OpenDocument[] = []): FeatureContext {
  const index = new WorkspaceIndex();
  for (const [uri, text] of Object.entries(files)) index.setFile(uri, text, 1);
  const texts = new Map([...Object.entries(files), ...open.map((d) => [d.uri, d.text] as const)]);
  return {
    snapshot: index.snapshot(),
    positions: (uri) => (texts.has(uri) ? createPositionMapper(texts.get(uri)!) : undefined),
    openDocument: (uri) => open.find((d) => d.uri === uri),
    openDocuments: () => open,
    displayPath: (uri) => uri.replace('mem:///', ''),
    docsHref: () => undefined,
  };
}

const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n';
const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  template:\n    metadata: {labels: {app: web}}\n';

test('CodeLens providers run in order; a throwing one is reported and skipped', () => {
  const ctx = context({ 'mem:///svc.yaml': SERVICE, 'mem:///deploy.yaml': DEPLOY });
  const errors: string[] = [];
  const boom: CodeLensProvider = { id: 'boom', provideCodeLenses: () => { throw new Error('boom'); } };
  const extra: CodeLensProvider = { id: 'extra', provideCodeLenses: () => [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 4 } }, command: { title: 'Trace packet path', command: 'x' } }] };
  const lenses = provideCodeLenses(ctx, { textDocument: { uri: 'mem:///svc.yaml' } }, [servicePodsLens, boom, extra], (id) => errors.push(id));
  assert.deepEqual(lenses.map((l) => l.command?.title), ['2 pods in 1 workload', 'Trace packet path']);
  assert.deepEqual(errors, ['boom']);
  // The pods lens sits on `kind: Service` and peeks the Deployment's pod labels.
  assert.deepEqual(lenses[0].range.start, { line: 1, character: 0 });
  assert.equal((lenses[0].command?.arguments?.[2] as { uri: string }[])[0].uri, 'mem:///deploy.yaml');
});

test('the pods lens says `no pods match`, unclickable, and skips selector-less Services', () => {
  const ctx = context({ 'mem:///svc.yaml': SERVICE + '---\napiVersion: v1\nkind: Service\nmetadata: {name: manual}\nspec: {ports: [{port: 80}]}\n' });
  const lenses = provideCodeLenses(ctx, { textDocument: { uri: 'mem:///svc.yaml' } }, [servicePodsLens], () => assert.fail());
  assert.deepEqual(lenses.map((l) => [l.command?.title, l.command?.command]), [['no pods match', '']]);
});

test('document diagnostics providers see only open documents of their languages', () => {
  const dump: OpenDocument = { uri: 'mem:///node.iptables', languageId: 'iptables', version: 3, text: '*nat\n-A BAD\n' };
  const listing: OpenDocument = { uri: 'mem:///node.conntrack', languageId: 'conntrack', version: 1, text: 'tcp 6 1 ESTABLISHED\n' };
  const ctx = context({}, [dump, listing]);
  const seen: string[] = [];
  const iptables: DocumentDiagnosticProvider = {
    id: 'iptables',
    languageIds: ['iptables'],
    provideDiagnostics: (c, doc) => {
      seen.push(doc.uri);
      const p = c.positions(doc.uri)!;
      return [{ range: p.toRange({ start: 5, end: 11 }), message: 'bad rule' }];
    },
  };
  const failing: DocumentDiagnosticProvider = { id: 'failing', languageIds: ['conntrack'], provideDiagnostics: () => { throw new Error('x'); } };
  const errors: string[] = [];
  const result = collectDocumentDiagnostics(ctx, [iptables, failing], (id) => errors.push(id));
  assert.deepEqual(seen, ['mem:///node.iptables']);
  assert.deepEqual([...result.keys()], ['mem:///node.iptables']);
  assert.deepEqual(result.get('mem:///node.iptables')?.[0].range, { start: { line: 1, character: 0 }, end: { line: 1, character: 6 } });
  assert.deepEqual(errors, ['failing']);
});
