/**
 * Values made up for the manifests carry "(assumed)" wherever a dump feature shows them
 * (describeAddress, which the dump hover uses), and the dump's own KUBE-SERVICES / KUBE-NODEPORTS
 * rules give the Service port's real addresses (findServiceFrontends), with and without comments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNodeRules } from '../../../server/src/core/cluster/nodeRules';
import { synthesizeCluster, type KubeObject } from '../../../server/src/core/cluster/synthesizeCluster';
import { describeAddress } from '../../../server/src/core/dump/describeAddress';
import { findServiceFrontends } from '../../../server/src/core/dump/serviceFrontends';
import { mapChains } from '../../../server/src/core/dump/mapChains';
import { parseDump } from '../../../server/src/core/iptables/parseDump';

const DEPLOYMENT: KubeObject = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'default', name: 'web' },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] } } },
};

function web(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec } };
}

function texts(objects: KubeObject[], value: (sp: ReturnType<typeof buildNodeRules>['generated']['servicePorts'][number]) => string): string[] {
  const cluster = synthesizeCluster(objects);
  const sps = buildNodeRules(cluster).generated.servicePorts;
  return describeAddress(value(sps[0]), cluster, sps).filter((m) => m.kind === 'service').map((m) => `${m.assumed ? 'assumed' : 'real'}: ${m.text}`);
}

test('describeAddress labels an assumed ClusterIP, NodePort and load-balancer IP', () => {
  const assumed = texts([web({}), DEPLOYMENT], (sp) => sp.clusterIP);
  assert.equal(assumed.length, 1);
  assert.match(assumed[0], /^assumed: the ClusterIP \(assumed\) of Service default\/web:http \(TCP port 80, NodePort \d+ \(assumed\)\)$/);
  const lb = texts([web({}), DEPLOYMENT], (sp) => sp.loadBalancerIPs[0]);
  assert.match(lb[0], /^assumed: the load-balancer IP \(assumed\) of Service default\/web:http/);
});

test('describeAddress does not label values the manifests give', () => {
  const real = texts([
    web({ clusterIP: '10.0.0.50', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] }),
    DEPLOYMENT,
  ], (sp) => sp.clusterIP);
  assert.deepEqual(real.filter((t) => t.includes('ClusterIP')), ['real: the ClusterIP of Service default/web:http (TCP port 80, NodePort 30080)']);
});

test('findServiceFrontends: the dump\'s own cluster IP, load-balancer IP and NodePort, with or without comments', () => {
  const cluster = synthesizeCluster([web({}), DEPLOYMENT]);
  const rules = buildNodeRules(cluster);
  const sp = rules.generated.servicePorts[0];
  const real = rules.nodeRestore.split(sp.clusterIP).join('10.0.5.5').split(sp.loadBalancerIPs[0]).join('20.62.1.2').split(`--dport ${sp.nodePort}`).join('--dport 31000');
  const stripped = real.replace(/ -m comment --comment (?:"[^"]*"|\S+)/g, '');
  assert.notEqual(stripped, real);
  for (const [text, lbKind] of [[real, 'loadBalancerIP'], [stripped, 'externalOrLoadBalancerIP']]) {
    const expected = [['clusterIP', '10.0.5.5', '80', 'tcp'], [lbKind, '20.62.1.2', '80', 'tcp'], ['nodePort', null, '31000', 'tcp']];
    const ruleset = parseDump(text);
    const got = findServiceFrontends(ruleset, mapChains(ruleset, rules.generated.servicePorts), sp.svcPortName);
    assert.deepEqual(got.map((f) => [f.kind, f.address ?? null, f.port ?? null, f.protocol ?? null]), expected);
  }
  const ruleset = parseDump(real);
  assert.deepEqual(findServiceFrontends(ruleset, mapChains(ruleset, rules.generated.servicePorts), 'other/svc:http'), []);
});
