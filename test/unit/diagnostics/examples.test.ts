// The bundled examples/: the good workspaces report nothing, and each examples/broken/<code>.yaml
// reports its diagnostic and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { indexOf, loadFixture } from './harness';
import { DOCS_BASE, RULES } from '../../../server/src/core/diagnostics/rules';
import { readFileSync } from 'node:fs';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');
const files = new Map([...loadFixture(EXAMPLES)].filter(([uri]) => /\.(ya?ml|json)$/.test(uri)));
const diagnostics = indexOf(files).snapshot().diagnostics();

test('nginx/ and ingress/ are clean', () => {
  const good = diagnostics.filter((d) => !d.uri.startsWith('broken/'));
  assert.deepEqual(good.map((d) => `${d.uri} ${d.code} ${d.message}`), []);
  assert.ok([...files.keys()].filter((u) => u.startsWith('nginx/') || u.startsWith('ingress/')).length >= 6);
});

test('the good examples hold the objects of the AKS walk-through', () => {
  const snapshot = indexOf(files).snapshot();
  const nginx = snapshot.find('Deployment', 'default', 'nginx');
  assert.ok(nginx);
  assert.equal(snapshot.podTemplateOf(nginx)?.replicas, 3);
  const lb = snapshot.find('Service', 'default', 'nginx');
  assert.equal((lb?.value.spec as { type?: string }).type, 'LoadBalancer');
  assert.deepEqual(snapshot.podTemplatesForService(lb!).map((t) => t.name), ['nginx']);
  for (const name of ['aks-helloworld-one', 'aks-helloworld-two', 'ingress-nginx-controller']) {
    const svc = snapshot.find('Service', 'ingress-nginx', name);
    assert.ok(svc, name);
    assert.equal(snapshot.podTemplatesForService(svc).length, 1, name);
  }
  assert.equal(snapshot.find('IngressClass', undefined, 'nginx')?.value.spec && (snapshot.find('IngressClass', undefined, 'nginx')?.value.spec as { controller: string }).controller, 'k8s.io/ingress-nginx');
  assert.ok(snapshot.find('Ingress', 'ingress-nginx', 'hello-world-ingress'));
});

for (const rule of RULES) {
  test(`examples/broken/${rule.code}.yaml shows ${rule.code} and nothing else`, () => {
    const uri = `broken/${rule.code}.yaml`;
    assert.ok(files.has(uri), `missing ${uri}`);
    const here = diagnostics.filter((d) => d.uri === uri);
    assert.ok(here.length > 0, `no ${rule.code} in ${uri}`);
    assert.deepEqual([...new Set(here.map((d) => d.code))], [rule.code]);
  });
}

test('every file in broken/ is about one catalog rule', () => {
  const codes = new Set(RULES.map((r) => r.code));
  for (const uri of files.keys()) if (uri.startsWith('broken/')) assert.ok(codes.has(uri.slice('broken/'.length).replace(/\.ya?ml$/, '')), uri);
});

test('every catalog rule is documented under its own heading in the docs its anchor points to', () => {
  const readme = readFileSync(join(__dirname, '..', '..', '..', DOCS_BASE), 'utf8');
  for (const rule of RULES) {
    assert.equal(rule.docs, `${DOCS_BASE}#${rule.code}`);
    assert.match(readme, new RegExp(`^## ${rule.code}\\n\\nDefault severity: ${rule.defaultSeverity}[ .]`, 'm'), rule.code);
  }
});
