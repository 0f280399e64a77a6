import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { synthesizeCluster, type KubeObject } from '../../../server/src/core/cluster/synthesizeCluster';
import { buildTrace, defaultScenario } from '../../../server/src/core/trace/buildTrace';

const root = join(__dirname, '../../../examples');
function load(...dirs: string[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const d of dirs) for (const f of readdirSync(join(root, d)).filter((x) => x.endsWith('.yaml'))) {
    out.push(...parseAllDocuments(readFileSync(join(root, d, f), 'utf8')).map((x) => x.toJS() as KubeObject).filter((o) => o && o.kind));
  }
  return out;
}

const objects = load('nginx', 'ingress');
const cluster = synthesizeCluster(objects);
const env = { cluster };

test('nginx LoadBalancer from outside: three endpoints, a third each, masqueraded, with the conntrack entry', () => {
  const scenario = defaultScenario(cluster, objects, 'Service', 'default', 'nginx');
  assert.equal(scenario.via, 'loadbalancer');
  assert.equal(scenario.source, 'external');
  const t = buildTrace(env, objects, scenario);
  assert.deepEqual(t.errors, []);
  assert.equal(t.branches.length, 3);
  const pods = cluster.pods.filter((p) => p.owner === 'Deployment/nginx');
  assert.deepEqual(t.branches.map((b) => b.endpoint?.ip).sort(), pods.map((p) => p.ip).sort());
  const lb = (cluster.services.find((s) => s.metadata?.name === 'nginx') as any).status.loadBalancer.ingress[0].ip;
  const node = cluster.nodes.find((n) => n.name === scenario.node)!;
  for (const b of t.branches) {
    assert.ok(Math.abs(b.probability - 1 / 3) < 1e-9, String(b.probability));
    assert.equal(b.verdict, 'forwarded');
    assert.equal(b.masqueraded, true);
    const kinds = b.steps.map((s) => s.kind);
    for (const k of ['client', 'loadbalancer', 'node', 'mark-masq', 'dnat', 'routing', 'masquerade', 'pod']) assert.ok(kinds.includes(k as never), `${k} in ${kinds.join(',')}`);
    assert.ok(kinds.indexOf('dnat') < kinds.indexOf('masquerade'));
    const dnat = b.steps.find((s) => s.kind === 'dnat')!;
    assert.deepEqual(dnat.rewrites, ['dst']);
    const masq = b.steps.find((s) => s.kind === 'masquerade')!;
    assert.equal(masq.packet.src, node.internalIP);
    assert.ok(masq.rewrites.includes('src'));
    assert.match(b.conntrack!, new RegExp(`^tcp +6 \\d+ ESTABLISHED src=203\\.0\\.113\\.10 dst=${lb.replace(/\./g, '\\.')} sport=51234 dport=80 src=${b.endpoint!.ip.replace(/\./g, '\\.')} dst=${node.internalIP.replace(/\./g, '\\.')} sport=80 dport=51234 \\[ASSURED\\]`));
    assert.equal(b.reply.at(-1)!.packet.src, lb);
    assert.ok(b.rulesEvaluated > 5);
  }
  assert.ok(t.assumptions.some((a) => a.includes('LoadBalancer IP') && a.includes('assumed')));
});

test('nginx with externalTrafficPolicy Local (what-if): a node without a local pod drops, a node with one delivers without masquerade', () => {
  const base = defaultScenario(cluster, objects, 'Service', 'default', 'nginx');
  // Move one nginx pod's node out of the picture: find a node that runs no nginx pod, if any; else compare two nodes.
  const nginxNodes = new Set(cluster.pods.filter((p) => p.owner === 'Deployment/nginx').map((p) => p.nodeName));
  const withPod = [...nginxNodes][0];
  const local = buildTrace(env, objects, { ...base, externalTrafficPolicy: 'Local', node: withPod });
  assert.equal(local.branches.length, 1);
  assert.equal(local.branches[0].verdict, 'forwarded');
  assert.equal(local.branches[0].masqueraded, false);
  assert.equal(local.branches[0].endpoint!.node, withPod);
  assert.ok(local.assumptions.some((a) => a.includes('what-if')));
  // A cluster with one more node than pods has a node without nginx.
  const bigger = synthesizeCluster(objects, { ...cluster.settings, nodeCount: 4 });
  const empty = bigger.nodes.find((n) => !bigger.pods.some((p) => p.owner === 'Deployment/nginx' && p.nodeName === n.name))!;
  const drop = buildTrace({ cluster: bigger }, objects, { ...base, externalTrafficPolicy: 'Local', node: empty.name });
  assert.equal(drop.branches.length, 1);
  assert.equal(drop.branches[0].verdict, 'dropped');
  assert.match(drop.branches[0].reason!, /no local endpoints/);
});

test('Ingress to /hello-world-two ends at an aks-helloworld-two pod with the controller pod IP as source', () => {
  const scenario = { ...defaultScenario(cluster, objects, 'Ingress', 'ingress-nginx', 'hello-world-ingress'), path: '/hello-world-two' };
  const t = buildTrace(env, objects, scenario);
  assert.deepEqual(t.errors, []);
  assert.ok(t.branches.length >= 1);
  const controllerIPs = new Set(cluster.pods.filter((p) => p.owner === 'Deployment/ingress-nginx-controller').map((p) => p.ip));
  const two = new Set(cluster.pods.filter((p) => p.owner === 'Deployment/aks-helloworld-two').map((p) => p.ip));
  for (const b of t.branches) {
    assert.equal(b.verdict, 'forwarded');
    assert.ok(two.has(b.endpoint!.ip), `${b.endpoint!.ip} is an aks-helloworld-two pod`);
    const last = b.steps.at(-1)!;
    assert.equal(last.kind, 'pod');
    assert.ok(controllerIPs.has(last.packet.src), `source ${last.packet.src} is a controller pod`);
    assert.ok(b.steps.some((s) => s.kind === 'ingress-rule'));
  }
  assert.equal(t.ingress!.candidates.find((c) => c.winner)!.backend, 'aks-helloworld-two:80');
  assert.ok(Math.abs(t.branches.reduce((a, b) => a + b.probability, 0) - 1) < 1e-9);
});

test('errors are reported, not thrown', () => {
  const t = buildTrace(env, objects, { ...defaultScenario(cluster, objects, 'Service', 'default', 'nginx'), target: { kind: 'Service', namespace: 'default', name: 'nope' } });
  assert.equal(t.branches.length, 0);
  assert.match(t.errors[0], /No Service default\/nope/);
  const c = buildTrace(env, objects, { ...defaultScenario(cluster, objects, 'Service', 'ingress-nginx', 'aks-helloworld-one'), via: 'loadbalancer' });
  assert.match(c.errors[0], /no LoadBalancer IP/);
});

test('a named source pod is the one traced: an nginx pod calling its own Service hairpins and is masqueraded on the branch back to itself', () => {
  const pod = cluster.pods.find((p) => p.owner === 'Deployment/nginx')!;
  const base = defaultScenario(cluster, objects, 'Service', 'default', 'nginx');
  const t = buildTrace(env, objects, { ...base, source: 'pod-same-node', via: 'clusterip', sourceAddress: pod.ip });
  assert.deepEqual(t.errors, []);
  assert.equal(t.branches.length, 3);
  for (const b of t.branches) {
    assert.equal(b.steps[0].packet.src, pod.ip, 'the trace starts at the named pod');
    assert.equal(b.steps[0].title, `pod default/${pod.name} on ${pod.nodeName}`);
  }
  const self = t.branches.find((b) => b.endpoint!.ip === pod.ip)!;
  assert.equal(self.masqueraded, true, 'hairpin: the SEP rule marks traffic from the endpoint itself');
  for (const b of t.branches.filter((x) => x !== self)) assert.equal(b.masqueraded, false);
  // An address that is no pod of the workspace is used as given, and said to be outside the manifests.
  const other = buildTrace(env, objects, { ...base, source: 'pod-same-node', via: 'clusterip', sourceAddress: '10.244.0.99' });
  assert.equal(other.branches[0].steps[0].packet.src, '10.244.0.99');
  assert.ok(other.assumptions.some((a) => a.includes('10.244.0.99') && a.includes('not in the manifests')));
});

test('service-upstream: the controller pod connects to the ClusterIP and kube-proxy on its node picks the backend', () => {
  const changed = objects.map((o) => (o.kind === 'Ingress' && o.metadata?.name === 'hello-world-ingress'
    ? { ...o, metadata: { ...o.metadata, annotations: { ...(o.metadata?.annotations ?? {}), 'nginx.ingress.kubernetes.io/service-upstream': 'true' } } }
    : o));
  const c = synthesizeCluster(changed);
  const scenario = { ...defaultScenario(c, changed, 'Ingress', 'ingress-nginx', 'hello-world-ingress'), path: '/hello-world-two' };
  const t = buildTrace({ cluster: c }, changed, scenario);
  assert.deepEqual(t.errors, []);
  assert.equal(t.ingress!.serviceUpstream, true);
  const controllerIPs = new Set(c.pods.filter((p) => p.owner === 'Deployment/ingress-nginx-controller').map((p) => p.ip));
  const two = c.pods.filter((p) => p.owner === 'Deployment/aks-helloworld-two');
  assert.deepEqual(t.branches.map((b) => b.endpoint!.ip).sort(), two.map((p) => p.ip).sort());
  for (const b of t.branches) {
    const upstream = b.steps.find((s) => s.kind === 'upstream')!;
    assert.ok(controllerIPs.has(upstream.packet.src), 'the ClusterIP connection starts at the controller pod');
    assert.equal(upstream.packet.dst, (c.services.find((s) => s.metadata?.name === 'aks-helloworld-two') as any).spec.clusterIP);
    assert.ok(b.steps.some((s) => s.kind === 'dnat' && s.packet.dst === b.endpoint!.ip), 'kube-proxy DNATs to the backend pod');
    const lines = b.conntrack!.split('\n');
    assert.equal(lines.length, 2, 'client→controller and controller→backend entries');
    assert.match(lines[0], /src=203\.0\.113\.10 /);
    assert.ok(controllerIPs.has(/src=([\d.]+)/.exec(lines[1])![1]));
  }
  assert.ok(Math.abs(t.branches.reduce((a, b) => a + b.probability, 0) - 1) < 1e-9);
});

test('a destination known from a node (a dump rule) wins over the manifests\' assumed address', () => {
  const base = defaultScenario(cluster, objects, 'Service', 'default', 'nginx');
  const t = buildTrace(env, objects, { ...base, destination: { address: '198.51.100.77', port: 8080 } });
  assert.deepEqual(t.errors, []);
  assert.equal(t.branches[0].steps[0].packet.dst, '198.51.100.77');
  assert.equal(t.branches[0].steps[0].packet.dport, 8080);
  // The generated rules know nothing of that address: nothing DNATs it.
  assert.ok(t.branches.every((b) => !b.steps.some((s) => s.kind === 'dnat')));
});
