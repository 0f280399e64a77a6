import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../../server/src/core/manifests/parseManifests';
import { entrySpan, fieldSpan, valueAt } from '../../../server/src/core/manifests/fieldSpan';
import type { FieldPath } from '../../../server/src/core/manifests/types';
import { extractSpans } from './markers';

/** `marked` wraps the expected key span and value span of `path` in the first object with ⟦ ⟧. */
function checkField(marked: string, path: FieldPath, objectIndex = 0): void {
  const { text, spans } = extractSpans(marked);
  const file = parseManifests('test.yaml', text);
  assert.deepEqual(file.errors, []);
  const got = fieldSpan(file.objects[objectIndex], path);
  assert.ok(got, `no field at ${path.join('.')}`);
  const want = spans.length === 2 ? { key: spans[0], value: spans[1] } : { value: spans[0] };
  assert.deepEqual(got, want, `key ${JSON.stringify(got.key && text.slice(got.key.start, got.key.end))} value ${JSON.stringify(text.slice(got.value.start, got.value.end))}`);
}

test('field spans: key and value of a selector label', () => {
  checkField('apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector:\n    ⟦app⟧: ⟦web⟧\n', ['spec', 'selector', 'app']);
});

test('field spans: quoted values include their quotes', () => {
  checkField('apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {⟦tier⟧: ⟦"frontend"⟧}\n', ['spec', 'selector', 'tier']);
});

test('field spans: sequence items and nested fields', () => {
  checkField('apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n    - name: a\n      port: 80\n    - ⟦name: b\n      port: 81⟧\n', ['spec', 'ports', 1]);
  checkField('apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n    - name: a\n      ⟦targetPort⟧: ⟦http⟧ # comment\n', ['spec', 'ports', 0, 'targetPort']);
});

test('field spans: block collections end at their last character, not at the next line', () => {
  checkField('apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ⟦selector⟧:\n    ⟦app: web\n    tier: x⟧\n\n  ports: []\n', ['spec', 'selector']);
});

test('field spans: a key with no value has an empty value span right after the key', () => {
  checkField('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  ⟦labels⟧:⟦⟧\n', ['metadata', 'labels']);
});

test('field spans in JSON', () => {
  checkField('{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"selector": {⟦"app"⟧: ⟦"web"⟧}}}', ['spec', 'selector', 'app']);
});

test('multi-document files: every object with its span, kind, name and namespace', () => {
  const { text, spans } = extractSpans([
    '# leading comment',
    '⟦apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: a⟧',
    '---',
    '# an empty document',
    '---',
    '⟦apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: b, namespace: shop}⟧',
    '...',
    '---',
    '⟦apiVersion: v1',
    'kind: Namespace',
    'metadata: {name: shop}⟧',
    '---',
    '⟦{"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx", "namespace": "ignored"}}⟧',
    '---',
    'just: data',
    '',
  ].join('\n'));
  const file = parseManifests('m.yaml', text);
  assert.deepEqual(file.errors, []);
  assert.equal(file.note, undefined);
  assert.deepEqual(file.objects.map((o) => [o.index, o.kind, o.name, o.namespace, o.apiVersion]), [
    [0, 'Service', 'a', 'default', 'v1'],
    [1, 'Deployment', 'b', 'shop', 'apps/v1'],
    [2, 'Namespace', 'shop', undefined, 'v1'],
    [3, 'IngressClass', 'nginx', undefined, 'networking.k8s.io/v1'],
  ]);
  assert.deepEqual(file.objects.map((o) => o.span), spans);
  assert.equal(file.objects[1].source, text.slice(spans[1].start, spans[1].end));
  assert.deepEqual(file.objects[1].value, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b', namespace: 'shop' } });
});

test('kind: List items become objects with their own spans', () => {
  const { text, spans } = extractSpans('apiVersion: v1\nkind: List\nitems:\n  - ⟦apiVersion: v1\n    kind: Service\n    metadata: {name: s}⟧\n  - ⟦{apiVersion: v1, kind: Node, metadata: {name: n1}}⟧\n  - not-an-object\n');
  const file = parseManifests('l.yaml', text);
  assert.deepEqual(file.objects.map((o) => `${o.kind}/${o.name}/${o.namespace}`), ['Service/s/default', 'Node/n1/undefined']);
  assert.deepEqual(file.objects.map((o) => o.span), spans);
  assert.deepEqual(entrySpan(file.objects[0], ['metadata', 'name']), { start: text.indexOf('name: s'), end: text.indexOf('name: s') + 'name: s'.length });
});

test('YAML syntax errors are reported once each, at their position', () => {
  const { text, spans } = extractSpans('apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - name: a\n      port: 80\n⟦ ⟧    targetPort: 8080\n');
  const file = parseManifests('e.yaml', text);
  assert.equal(file.errors.length, 1, JSON.stringify(file.errors));
  assert.deepEqual(file.errors[0].span, spans[0]);
  assert.match(file.errors[0].message, /Sequence item|indent/i);
  // The parser recovers the object; it is flagged so that only the syntax error is reported on it.
  assert.equal(file.objects.length, 1);
  assert.equal(file.objects[0].inBrokenDocument, true);
});

test('an error in one document leaves the others intact', () => {
  const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: ConfigMap\ndata: {a: "open\n';
  const file = parseManifests('e.yaml', text);
  assert.equal(file.errors.length, 1);
  assert.deepEqual(file.objects.map((o) => [o.name, o.inBrokenDocument]), [['ok', false], ['', true]]);
});

test('Helm templates are skipped with one note at the first action', () => {
  const { text, spans } = extractSpans('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ⟦{{ .Release.Name }}⟧\n  labels:\n    {{- include "x" . | nindent 4 }}\n  bad: [\n');
  const file = parseManifests('t.yaml', text);
  assert.deepEqual(file.objects, []);
  assert.deepEqual(file.errors, []);
  assert.equal(file.note?.reason, 'helm-template');
  assert.deepEqual(file.note?.span, spans[0]);
});

test('YAML that is not Kubernetes gets one note and no errors; JSON that is not Kubernetes gets nothing', () => {
  const ci = parseManifests('ci.yml', 'name: ci\non: [push]\njobs:\n  a: {runs-on: x}\n---\nmore: docs\n---\neven: more\n');
  assert.deepEqual([ci.objects.length, ci.errors.length, ci.note?.reason], [0, 0, 'not-kubernetes']);
  const tsconfig = parseManifests('tsconfig.json', '{\n  // comment\n  "compilerOptions": {"strict": true,},\n}\n');
  assert.deepEqual([tsconfig.objects.length, tsconfig.errors.length, tsconfig.note], [0, 0, undefined]);
  const broken = parseManifests('notes.yaml', 'a: [\n');
  assert.deepEqual([broken.errors.length, broken.note?.reason], [0, 'not-kubernetes']);
  assert.deepEqual(parseManifests('empty.yaml', '# nothing\n'), { uri: 'empty.yaml', text: '# nothing\n', objects: [], errors: [] });
});

test('a file that looks like Kubernetes but is broken reports its syntax errors', () => {
  const file = parseManifests('k.yaml', 'apiVersion: v1\nkind: [Service\n');
  assert.ok(file.errors.length >= 1);
  assert.equal(file.note, undefined);
});

test('anchors, aliases and merge keys resolve into the value', () => {
  const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels: &l {app: web}\nspec:\n  selector:\n    <<: *l\n    tier: x\n';
  const file = parseManifests('a.yaml', text);
  assert.deepEqual(valueAt(file.objects[0].value, ['spec', 'selector']), { app: 'web', tier: 'x' });
  const app = fieldSpan(file.objects[0], ['spec', 'selector', 'app']);
  assert.equal(text.slice(app!.value.start, app!.value.end), 'web');
});

test('__proto__ keys are plain data', () => {
  const file = parseManifests('p.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {__proto__: x, app: y}\n');
  const labels = valueAt(file.objects[0].value, ['metadata', 'labels']) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  assert.deepEqual(Object.keys(labels), ['__proto__', 'app']);
});

test('never throws: every prefix of a manifest, and some hostile inputs', () => {
  const text = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: "web"\n  namespace: shop\nspec:\n  selector: {app: web}\n  ports:\n    - {name: http, port: 80, targetPort: http}\n---\napiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Pod, metadata: {name: p}}]\n';
  for (let i = 0; i <= text.length; i++) {
    const file = parseManifests('prefix.yaml', text.slice(0, i));
    for (const o of file.objects) assert.ok(o.span.start >= 0 && o.span.end <= i);
  }
  const bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\napiVersion: v1\nkind: ConfigMap\n';
  for (const t of ['\u0000\u0001', '{{', '}}: {', ': : :', '- - -\n  - ]', '"\\', '!!binary 123', 'a: !custom x\nkind: X\napiVersion: v1', bomb]) {
    assert.doesNotThrow(() => parseManifests('h.yaml', t));
  }
});

test('duplicate keys are syntax errors at the repeated key (kubectl rejects them)', () => {
  const { text, spans } = extractSpans('apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  labels: {x: y}\n  ⟦labels⟧: {z: w}\n');
  const file = parseManifests('d.yaml', text);
  assert.deepEqual(file.errors.map((e) => [e.span, e.message]), [[spans[0], 'duplicate key "labels": a key may appear only once in a mapping (kubectl rejects the file)']]);
  assert.equal(file.objects[0].inBrokenDocument, true);
});

test('template text inside quoted or block strings of a valid manifest is not Helm: the file is analysed', () => {
  const text = [
    'apiVersion: monitoring.coreos.com/v1',
    'kind: PrometheusRule',
    'metadata: {name: alerts, namespace: monitoring}',
    'spec:',
    '  groups:',
    '    - name: node',
    '      rules:',
    '        - alert: InstanceDown',
    '          annotations:',
    '            summary: "Instance {{ $labels.instance }} down"',
    '            description: |',
    '              {{ $labels.instance }} of job {{ $labels.job }} has been down.',
    '',
  ].join('\n');
  const file = parseManifests('rules.yaml', text);
  assert.equal(file.note, undefined);
  assert.deepEqual(file.objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`), ['PrometheusRule/monitoring/alerts']);
  // The same action as a plain value is template syntax.
  const helm = parseManifests('t.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n  annotations: {a: "{{ ok }}"}\n');
  assert.equal(helm.note?.reason, 'helm-template');
  assert.equal(helm.text.slice(helm.note.span.start, helm.note.span.end), '{{ .Release.Name }}');
});
