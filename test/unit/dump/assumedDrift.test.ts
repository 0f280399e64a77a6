/**
 * Drift on a workspace whose values are partly synthesized (no EndpointSlice, no nodePort, no
 * clusterIP, no status.loadBalancer): a real node's dump has other pod IPs, another NodePort,
 * ClusterIP and load-balancer IP, and none of that is drift; what the manifests do say (how many
 * endpoints, their target port, that the Service has a NodePort, an explicit nodePort, the
 * addresses of a real EndpointSlice) is still compared exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDump, type DumpWorkspace } from '../../../server/src/core/dump/analyzeDump';
import { indexAssumptions } from '../../../server/src/core/dump/assumedValues';
import { buildNodeRules } from '../../../server/src/core/cluster/nodeRules';
import { synthesizeCluster, type KubeObject } from '../../../server/src/core/cluster/synthesizeCluster';

const NODE = 'aks-nodepool1-12345678-vmss000001';

function service(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'nginx' },
    spec: { type: 'LoadBalancer', selector: { app: 'nginx' }, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }], ...spec },
  };
}

const DEPLOYMENT: KubeObject = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'default', name: 'nginx' },
  spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] } } },
};

const SLICE: KubeObject = {
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: 'nginx-abcde', labels: { 'kubernetes.io/service-name': 'nginx' } },
  addressType: 'IPv4', ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  endpoints: [
    { addresses: ['10.244.0.10'], conditions: { ready: true }, nodeName: 'aks-nodepool1-12345678-vmss000000' },
    { addresses: ['10.244.1.11'], conditions: { ready: true }, nodeName: NODE },
  ],
};

interface Case {
  readonly objects: readonly KubeObject[];
  /** Turns the rules generated for the node into the "real" node's dump. */
  readonly edit: (dump: string) => string;
  /** Drift codes expected (information notes the manifests agree with left out). */
  readonly codes: readonly string[];
  readonly message?: RegExp;
  /** Leave the assumptions out (the old behaviour). */
  readonly withoutAssumptions?: boolean;
}

function drift(c: Case): { codes: string[]; messages: string[] } {
  const cluster = synthesizeCluster(c.objects);
  const workspace: DumpWorkspace = {
    nodes: cluster.nodes.map((n) => ({ name: n.name, internalIP: n.internalIP })),
    nodeRules: (name, family) => buildNodeRules(cluster, { ...(name !== undefined ? { nodeName: name } : {}), family }),
    ...(c.withoutAssumptions ? {} : { assumptions: cluster.assumptions }),
  };
  const generated = buildNodeRules(cluster, { nodeName: NODE }).nodeRestore;
  const dump = c.edit(generated);
  assert.notEqual(dump, generated, 'the edit changes the dump');
  const analysis = analyzeDump(dump, workspace, { nodeSetting: NODE });
  assert.equal(analysis.node.name, NODE);
  const findings = analysis.drift.filter((f) => f.severity !== 'information');
  return { codes: findings.map((f) => f.code), messages: findings.map((f) => f.message) };
}

function check(name: string, c: Case): void {
  test(name, () => {
    const { codes, messages } = drift(c);
    assert.deepEqual([...new Set(codes)].sort(), [...c.codes].sort(), messages.join('\n'));
    if (c.message) assert.ok(messages.some((m) => c.message!.test(m)), `${c.message} in:\n${messages.join('\n')}`);
  });
}

/** A real node's addresses: its pods in 10.245/16, another ClusterIP, NodePort and load-balancer IP. */
function realNode(dump: string): string {
  const clusterIP = /^-A KUBE-SERVICES .*"default\/nginx:http cluster IP".* -d (10\.0\.\d+\.\d+)/m.exec(dump)?.[1];
  const lbIP = /^-A KUBE-SERVICES .*"default\/nginx:http loadbalancer IP".* -d (198\.51\.100\.\d+)/m.exec(dump)?.[1];
  const nodePort = /^-A KUBE-NODEPORTS .*default\/nginx:http.* --dport (\d+)/m.exec(dump)?.[1];
  assert.ok(clusterIP && lbIP && nodePort, 'the generated dump has the nginx frontends');
  return dump
    .replace(/10\.244\./g, '10.245.')
    .split(clusterIP).join('10.0.5.5')
    .split(lbIP).join('20.62.1.2')
    .split(`--dport ${nodePort}`).join('--dport 31000');
}

const dropOneEndpoint = (dump: string): string => {
  const line = dump.split('\n').find((l) => /^-A KUBE-SVC-\w+ .*"default\/nginx:http -> [\d.]+:80"/.test(l));
  assert.ok(line, 'an nginx endpoint rule');
  return dump.replace(line + '\n', '');
};

const stripComments = (dump: string): string => dump.replace(/ -m comment --comment (?:"[^"]*"|\S+)/g, '');

check('assumed pod IPs, ClusterIP, NodePort and LB IP differ on the real node: no drift', {
  objects: [service(), DEPLOYMENT], edit: realNode, codes: [],
});
check('the same without rule comments (large-cluster dump): no drift', {
  objects: [service(), DEPLOYMENT], edit: (d) => stripComments(realNode(d)), codes: [],
});
check('without the assumptions the same dump drifts (what the fix is about)', {
  objects: [service(), DEPLOYMENT], edit: realNode, codes: ['drift-endpoints-differ', 'drift-node-port', 'drift-service-address'], withoutAssumptions: true,
});
check('an explicit clusterIP that differs on the node: drift-service-address', {
  objects: [service({ clusterIP: '10.0.7.7' }), DEPLOYMENT],
  edit: realNode, // the node has 10.0.5.5
  codes: ['drift-service-address'], message: /KUBE-SERVICES on the node leads 10\.0\.5\.5:80 to it, the manifests give 10\.0\.7\.7:80 \(cluster IP\)/,
});
check('an explicit status.loadBalancer IP that differs on the node: drift-service-address', {
  objects: [{ ...service(), status: { loadBalancer: { ingress: [{ ip: '20.1.1.1' }] } } }, DEPLOYMENT],
  edit: (d) => realNode(d.split('20.1.1.1').join('198.51.100.210')), // the node has 20.62.1.2
  codes: ['drift-service-address'], message: /leads 20\.62\.1\.2:80 to it, the manifests give 20\.1\.1\.1:80 \(external and load-balancer IPs\)/,
});
check('assumed endpoints, one fewer on the node: a count mismatch, addresses not compared', {
  objects: [service(), DEPLOYMENT], edit: (d) => dropOneEndpoint(realNode(d)), codes: ['drift-endpoints-differ'],
  message: /the node has 2 endpoints, the manifests give 3 \(the pods its selector matches\)\. The addresses were not compared: .*assumed/,
});
check('assumed endpoints on another port than the targetPort: drift', {
  objects: [service(), DEPLOYMENT], edit: (d) => realNode(d).replace(/(--to-destination 10\.245\.[\d.]+):80/g, '$1:8080'),
  codes: ['drift-endpoints-differ'], message: /the node sends to port 8080, the manifests' targetPort gives 80/,
});
check('an explicit nodePort that differs on the node: drift-node-port', {
  objects: [service({ ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP', nodePort: 30080 }] }), DEPLOYMENT],
  edit: realNode, // the node has 31000
  codes: ['drift-node-port'], message: /leads port\(s\) 31000 to it, the manifests give 30080/,
});
check('an assumed NodePort the node does not have at all: drift-node-port (a NodePort is the manifests\' word)', {
  objects: [service(), DEPLOYMENT],
  edit: (d) => realNode(d).split('\n').filter((l) => !l.startsWith('-A KUBE-NODEPORTS ')).join('\n'),
  codes: ['drift-node-port'], message: /leads no port to it, but its type gives it a NodePort .*\(assumed\) was not compared/,
});
check('a real EndpointSlice is compared address by address', {
  objects: [service(), DEPLOYMENT, SLICE], edit: realNode, codes: ['drift-endpoints-differ'],
  message: /missing on the node: 10\.244\.0\.10:80, 10\.244\.1\.11:80; not in the manifests: 10\.245\.0\.10:80, 10\.245\.1\.11:80/,
});
check('a real EndpointSlice that the node agrees with: no drift even with other ClusterIP/NodePort/LB IP', {
  objects: [service(), DEPLOYMENT, SLICE],
  edit: (d) => realNode(d).replace(/10\.245\./g, '10.244.'), codes: [],
});

test('indexAssumptions: which values of a Service port are assumed', () => {
  const cluster = synthesizeCluster([service({ clusterIP: '10.0.9.9', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] }), DEPLOYMENT]);
  const sp = buildNodeRules(cluster).generated.servicePorts.find((s) => s.svcPortName === 'default/nginx:http')!;
  const a = indexAssumptions(cluster.assumptions)(sp);
  assert.deepEqual({ ...a, loadBalancerIPs: [...a.loadBalancerIPs] }, { clusterIP: false, nodePort: false, healthCheckNodePort: false, loadBalancerIPs: sp.loadBalancerIPs, endpoints: true });
  const b = indexAssumptions(synthesizeCluster([service(), DEPLOYMENT, SLICE]).assumptions)(buildNodeRules(synthesizeCluster([service(), DEPLOYMENT, SLICE])).generated.servicePorts[0]);
  assert.deepEqual([b.clusterIP, b.nodePort, b.endpoints, b.loadBalancerIPs.size], [true, true, false, 1]);
  assert.equal(indexAssumptions(undefined)(sp).endpoints, false);
});

test('externalTrafficPolicy: Local with the pods assumed on another node than on the real one: no drift-traffic-policy', () => {
  const objects = [service({ externalTrafficPolicy: 'Local' }), { ...DEPLOYMENT, spec: { ...DEPLOYMENT.spec, replicas: 1 } }];
  const cluster = synthesizeCluster(objects);
  const podNode = cluster.pods.find((p) => p.owner === 'Deployment/nginx')!.nodeName;
  const otherNode = cluster.nodes.find((n) => n.name !== podNode)!.name;
  // The node is given (as kpp explain --node does): the workspace offers only that one.
  const workspaceOn = (node: string): DumpWorkspace => ({
    nodes: cluster.nodes.filter((n) => n.name === node).map((n) => ({ name: n.name, internalIP: n.internalIP })),
    nodeRules: (_name, family) => buildNodeRules(cluster, { nodeName: node, family }),
    assumptions: cluster.assumptions,
  });
  // Both ways round: the real pod runs on the node the manifests' pod was not assumed on, and back.
  for (const [dumpNode, compareNode] of [[podNode, otherNode], [otherNode, podNode]]) {
    const workspace = workspaceOn(compareNode);
    const dump = buildNodeRules(cluster, { nodeName: dumpNode }).nodeRestore;
    const got = analyzeDump(dump, workspace, { nodeSetting: compareNode }).drift.filter((f) => f.severity !== 'information');
    assert.deepEqual(got.map((f) => f.message), [], `dump of ${dumpNode} read as ${compareNode}`);
    // Without the assumptions it is reported: the test can fail.
    const old = analyzeDump(dump, { ...workspace, assumptions: [] }, { nodeSetting: compareNode }).drift.filter((f) => f.code === 'drift-traffic-policy');
    assert.equal(old.length, 1, `dump of ${dumpNode} read as ${compareNode}`);
  }
  // A real policy change is still drift: the dump of a Cluster-policy Service read as Local.
  const cl = synthesizeCluster([service(), DEPLOYMENT]);
  const clusterDump = buildNodeRules(cl, { nodeName: podNode }).nodeRestore;
  const got = analyzeDump(clusterDump, workspaceOn(podNode), { nodeSetting: podNode }).drift.map((f) => f.code);
  assert.ok(got.includes('drift-traffic-policy'), got.join(', '));
});

test('detecting the node: assumed node addresses and pod placement cast no vote; a real EndpointSlice\'s nodeName does', () => {
  const OTHER = 'aks-nodepool1-12345678-vmss000000';
  const read = (objects: KubeObject[]): string | undefined => {
    const cluster = synthesizeCluster(objects);
    const workspace: DumpWorkspace = {
      nodes: cluster.nodes.map((n) => ({ name: n.name, internalIP: n.internalIP })),
      nodeRules: (name, family) => buildNodeRules(cluster, { ...(name !== undefined ? { nodeName: name } : {}), family }),
      assumptions: cluster.assumptions,
    };
    // The Local policy puts the node's own endpoints in a KUBE-SVL chain.
    const dump = buildNodeRules(cluster, { nodeName: NODE }).nodeRestore;
    assert.match(dump, /-A KUBE-SVL-/);
    const node = analyzeDump(dump, workspace, { nodeSetting: OTHER }).node;
    return `${node.name} ${node.via}`;
  };
  const local = service({ externalTrafficPolicy: 'Local' });
  assert.equal(read([local, DEPLOYMENT]), `${OTHER} setting`);
  assert.equal(read([local, DEPLOYMENT, SLICE]), `${NODE} addresses`);
});
