// mapChains with the pre-1.6 unnamed-port hash, detectNode's sources in order, describeAddress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { endpointChainName, legacyServicePortName, servicePortChainNameVariants } from '../../../server/src/core/kubeproxy/chainNames';
import { generateRules } from '../../../server/src/core/kubeproxy/generateRules';
import { mapChains } from '../../../server/src/core/dump/mapChains';
import { detectNode, type DetectNodeInput } from '../../../server/src/core/dump/detectNode';
import { describeAddress } from '../../../server/src/core/dump/describeAddress';
import { synthesizeCluster } from '../../../server/src/core/cluster/synthesizeCluster';
import { buildNodeRules } from '../../../server/src/core/cluster/nodeRules';

const SERVICE = {
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns1', name: 'old' },
  spec: { clusterIP: '172.30.0.41', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'old' } },
};
const SLICE = {
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'ns1', name: 'old-1', labels: { 'kubernetes.io/service-name': 'old' } },
  addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }],
  endpoints: [{ addresses: ['10.180.0.7'], conditions: { ready: true }, nodeName: 'node-b' }],
};

test('mapChains: an old dump with the pre-1.6 unnamed-port hashes and no comments maps by legacy hash', () => {
  const gen = generateRules({
    services: [SERVICE], endpointSlices: [SLICE],
    config: { ...({} as any), nodeName: 'node-a', nodeIPs: ['192.168.0.2'], ipFamily: 'ipv4', localDetector: { mode: 'none' }, masqueradeBit: 14, masqueradeAll: false, localhostNodePorts: true, nodePortAddresses: [], nfacctCounters: { ct_state_invalid_dropped_pkts: false, localhost_nps_accepted_pkts: false }, conntrackTCPLiberal: false, hasRandomFully: false, largeClusterEndpointsThreshold: 1000, featureGates: { LoadBalancerIPMode: true, PreferSameTrafficDistribution: false } },
  });
  const [current, legacy] = servicePortChainNameVariants('KUBE-SVC-', 'ns1', 'old', '', 'TCP');
  assert.ok(legacy && legacy !== current);
  const sep = endpointChainName(legacyServicePortName('ns1', 'old', ''), 'TCP', '10.180.0.7:8080');
  const dump = `*nat\n:KUBE-SERVICES - [0:0]\n:${legacy} - [0:0]\n:${sep} - [0:0]\n-A KUBE-SERVICES -d 172.30.0.41/32 -p tcp -m tcp --dport 80 -j ${legacy}\n-A ${legacy} -j ${sep}\n-A ${sep} -p tcp -m tcp -j DNAT --to-destination 10.180.0.7:8080\nCOMMIT\n`;
  const map = mapChains(parseDump(dump), gen.servicePorts);
  assert.deepEqual(map.owners.map((o) => [o.chain, o.kind, o.via, o.svcPortName, o.endpoint ?? null]), [
    [legacy, 'svc', 'legacy-hash', 'ns1/old', null],
    [sep, 'sep', 'legacy-hash', 'ns1/old', '10.180.0.7:8080'],
  ]);
  // Without the workspace: nothing names them.
  assert.deepEqual(mapChains(parseDump(dump), []).owners.map((o) => o.via), ['none', 'none']);
});

function nodeInput(over: Partial<DetectNodeInput>): DetectNodeInput {
  return { text: '', ruleset: parseDump(over.text ?? '*nat\nCOMMIT\n'), nodes: [{ name: 'node-a', internalIP: '10.224.0.4' }, { name: 'node-b', internalIP: '10.224.0.5' }, { name: 'node-b2', internalIP: '10.224.0.6' }], ...over };
}

test('detectNode: comment, file name (longest node name), own address, setting, first node', () => {
  const check = (over: Partial<DetectNodeInput>, name: string | undefined, via: string): void => {
    const got = detectNode(nodeInput(over));
    assert.deepEqual([got.name, got.via], [name, via], got.reason);
  };
  check({ text: '# node: node-b\n*nat\nCOMMIT\n' }, 'node-b', 'comment');
  check({ text: '# node: unknown\n*nat\nCOMMIT\n', fileName: 'file:///tmp/iptables-save-node-b2.txt' }, 'node-b2', 'file-name');
  check({ fileName: '/x/iptables-save-node-b.2026-01-01' }, 'node-b', 'file-name');
  check({ text: '*nat\n:KUBE-NODEPORTS - [0:0]\n-A KUBE-NODEPORTS -d 10.224.0.6/32 -p tcp -m tcp --dport 30001 -j ACCEPT\nCOMMIT\n' }, 'node-b2', 'addresses');
  check({ setting: 'node-b' }, 'node-b', 'setting');
  check({ setting: 'nope' }, 'node-a', 'first-node');
  check({ nodes: [] }, undefined, 'none');
});

test('describeAddress: pods, Services, nodes and CIDRs of the workspace', () => {
  const cluster = synthesizeCluster([
    { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' }, spec: { type: 'LoadBalancer', clusterIP: '10.0.0.50', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'default', name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] } } } },
  ] as any);
  const sps = buildNodeRules(cluster).generated.servicePorts;
  const pod = cluster.pods[0];
  assert.ok(pod);
  const texts = (v: string): string[] => describeAddress(v, cluster, sps).map((m) => `${m.kind}: ${m.text}`);
  assert.deepEqual(texts(`${pod.ip}:8080`).slice(0, 1), [`pod: pod default/${pod.name} of Deployment/web on node ${pod.nodeName} (assumed address), port 8080`]);
  assert.ok(texts('10.0.0.50/32').some((t) => t.startsWith('service: the ClusterIP of Service default/web:http')), texts('10.0.0.50/32').join('\n'));
  assert.ok(texts(cluster.nodes[0].internalIP).some((t) => t.startsWith(`node: the InternalIP of node ${cluster.nodes[0].name}`)));
  assert.deepEqual(texts('10.244.0.0/16'), ['cidr: exactly the cluster pod CIDR (10.244.0.0/16)', `cidr: a range that contains node ${cluster.nodes[0].name}'s pod CIDR (${cluster.nodes[0].podCIDR})`, ...cluster.nodes.slice(1).map((n) => `cidr: a range that contains node ${n.name}'s pod CIDR (${n.podCIDR})`)]);
  assert.deepEqual(texts('8.8.8.8'), []);
  assert.deepEqual(texts('not-an-address'), []);
});

test('detectNode: the local endpoints in KUBE-SVL chains name the node', () => {
  const config = { nodeName: 'node-b', nodeIPs: ['192.168.0.3'], ipFamily: 'ipv4', localDetector: { mode: 'none' }, masqueradeBit: 14, masqueradeAll: false, localhostNodePorts: true, nodePortAddresses: [], nfacctCounters: { ct_state_invalid_dropped_pkts: false, localhost_nps_accepted_pkts: false }, conntrackTCPLiberal: false, hasRandomFully: false, largeClusterEndpointsThreshold: 1000, featureGates: { LoadBalancerIPMode: true, PreferSameTrafficDistribution: false } } as const;
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name: 'web' }, spec: { type: 'NodePort', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.9', ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }] } };
  const slice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'ns', name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.1.0.5'], conditions: { ready: true }, nodeName: 'node-a' },
      { addresses: ['10.1.1.5'], conditions: { ready: true }, nodeName: 'node-b' },
    ],
  };
  const onB = generateRules({ services: [service], endpointSlices: [slice], config: config as any });
  assert.match(onB.restore, /-A KUBE-SVL-/);
  const ruleset = parseDump(onB.restore);
  const map = mapChains(ruleset, onB.servicePorts);
  const got = detectNode({ text: onB.restore, ruleset, nodes: [{ name: 'node-a', internalIP: '192.168.0.2' }, { name: 'node-b', internalIP: '192.168.0.3' }], servicePorts: onB.servicePorts, map });
  assert.deepEqual([got.name, got.via], ['node-b', 'addresses']);
});
