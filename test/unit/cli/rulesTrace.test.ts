// kpp rules and kpp trace, in-process with captured output, on the bundled examples and fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../server/src/cli/kpp';

const repo = join(__dirname, '..', '..', '..');

async function kpp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: repo });
  return { code, stdout, stderr };
}

test('kpp rules restore: the nginx Service chains, sorted like kube-proxy tests, assumptions on stderr', async () => {
  const r = await kpp('rules', 'examples/nginx');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\*filter\n/);
  assert.match(r.stdout, /-A KUBE-SVC-\w{16} -m comment --comment "default\/nginx:http -> [\d.]+:80" -m statistic --mode random --probability 0\.3333333333 -j KUBE-SEP-\w{16}\n/);
  assert.match(r.stdout, /--probability 0\.5000000000 /);
  assert.equal((r.stdout.match(/-j DNAT --to-destination/g) ?? []).length, 3);
  assert.match(r.stderr, /ClusterIP 10\.0\.\d+\.\d+ of Service default\/nginx \(assumed/);
  assert.doesNotMatch(r.stdout, /assumed/);
});

test('kpp rules save-legacy: kernel-rounded probabilities, built-in chains, /32 sources', async () => {
  const r = await kpp('rules', 'examples/nginx', '--format', 'save-legacy');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--probability 0\.33333333349 /);
  assert.match(r.stdout, /--probability 0\.50000000000 /);
  assert.match(r.stdout, /^:PREROUTING ACCEPT \[0:0\]$/m);
  assert.match(r.stdout, /^-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES$/m);
  assert.match(r.stdout, /-s 10\.244\.\d+\.\d+\/32 -m comment/);
});

test('kpp rules: usage errors exit 2', async () => {
  assert.equal((await kpp('rules', 'examples/nginx', '--format', 'xml')).code, 2);
  assert.equal((await kpp('rules', 'examples/nginx', '--node', 'nope')).code, 2);
  assert.equal((await kpp('rules', 'examples/does-not-exist')).code, 2);
});

test('kpp rules --config: a KubeProxyConfiguration changes the rules (masqueradeAll, detectLocal)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-rules-'));
  try {
    const cfg = join(dir, 'kube-proxy.yaml');
    writeFileSync(cfg, 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.99.0.0/16\niptables:\n  masqueradeAll: true\n');
    const r = await kpp('rules', 'examples/nginx', '--config', cfg);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cluster IP" -m tcp -p tcp -d [\d.]+ --dport 80 -j KUBE-MARK-MASQ/);
    assert.doesNotMatch(r.stdout, /! -s 10\.244\.0\.0\/16/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kpp trace --service: nginx from outside reaches three pods, a third each (json)', async () => {
  const r = await kpp('trace', 'examples/nginx', '--service', 'default/nginx', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.outcomes.length, 3);
  for (const o of j.outcomes) {
    assert.ok(Math.abs(o.probability - 1 / 3) < 1e-9);
    assert.equal(o.verdict, 'forwarded');
    assert.equal(o.masqueraded, true);
    assert.ok(o.hops.length > 3);
    assert.ok(o.hops.every((h: { line: number | null }) => h.line === null || h.line >= 1));
    assert.match(o.conntrack, /^tcp +6 /);
  }
});

test('kpp trace --service --etp Local: nodes without an nginx pod drop (exit 1), nodes with one keep the client address', async () => {
  const verdicts: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await kpp('trace', 'examples/nginx', '--service', 'default/nginx', '--etp', 'Local', '--nodes', '4', '--node', `aks-nodepool1-12345678-vmss00000${i}`, '--format', 'json');
    const j = JSON.parse(r.stdout);
    assert.equal(j.outcomes.length, 1);
    const o = j.outcomes[0];
    assert.equal(r.code, o.verdict === 'dropped' ? 1 : 0);
    if (o.verdict === 'forwarded') assert.equal(o.masqueraded, false);
    else assert.match(o.reason, /no local endpoints/);
    verdicts.push(o.verdict);
  }
  // 3 replicas on 4 nodes: one node has none.
  assert.equal(verdicts.filter((v) => v === 'dropped').length, 1, verdicts.join());
  assert.equal(verdicts.filter((v) => v === 'forwarded').length, 3, verdicts.join());
});

test('kpp trace --ingress: /hello-world-two ends at an aks-helloworld-two pod seen from the controller pod', async () => {
  const r = await kpp('trace', 'examples/ingress', '--ingress', 'ingress-nginx/hello-world-ingress', '--path', '/hello-world-two', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(j.outcomes.length >= 1);
  for (const o of j.outcomes) {
    assert.match(o.endpoint.pod, /^aks-helloworld-two-/);
    assert.match(o.packet.src, /^10\.244\./);
  }
  assert.equal(j.ingress.candidates.find((c: { winner: boolean }) => c.winner).backend, 'aks-helloworld-two:80');
});

test('kpp trace --dump: a packet through kube-proxy test rules, with 1-based lines', async () => {
  const dump = join(repo, '..', 'shared', 'kube-proxy', 'cases', 'TestTracePacket', 'tracer-input.restore');
  const r = await kpp('trace', '--dump', dump, '--src', '10.0.0.2', '--dst', '172.30.0.44', '--dport', '80', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.outcomes.map((o: { packet: { dst: string } }) => o.packet.dst).sort(), ['10.180.0.4', '10.180.0.5']);
  assert.ok(j.outcomes.every((o: { hops: { line: number }[] }) => o.hops.every((h) => h.line === null || h.line >= 1)));
  const bad = await kpp('trace', '--dump', dump, '--src', '10.0.0.2');
  assert.equal(bad.code, 2);
});
