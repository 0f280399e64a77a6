import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { synthesizeCluster, defaultClusterSettings, type KubeObject } from '../../../server/src/core/cluster/synthesizeCluster';
import { generateRules } from '../../../server/src/core/kubeproxy/generateRules';
import { defaultProxierConfig } from '../../../server/src/core/kubeproxy/config';

function objects(yamlText: string): KubeObject[] {
  return parseAllDocuments(yamlText).map((d) => d.toJS() as KubeObject).filter((o) => o && o.kind);
}

const nginx = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx}
spec:
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: nginx
        ports: [{containerPort: 80, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  type: LoadBalancer
  selector: {app: nginx}
  ports: [{port: 80, targetPort: http}]
`;

const other = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: a, ports: [{containerPort: 9100}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {app: agent}
  ports: [{port: 9100, name: metrics}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  parallelism: 2
  template:
    metadata: {labels: {app: batch}}
    spec: {containers: [{name: b, image: b}]}
`;

test('nginx: three pods on three assumed nodes, ClusterIP, NodePort and LB IP allocated and labelled', () => {
  const c = synthesizeCluster(objects(nginx));
  assert.equal(c.nodes.length, 3);
  assert.ok(c.nodes.every((n) => n.assumed));
  assert.deepEqual(c.nodes.map((n) => n.podCIDR), ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
  assert.deepEqual(c.nodes.map((n) => n.internalIP), ['10.224.0.4', '10.224.0.5', '10.224.0.6']);
  const pods = c.pods.filter((p) => p.owner === 'Deployment/nginx');
  assert.equal(pods.length, 3);
  // Spread over the nodes, each IP inside its node's pod CIDR.
  assert.equal(new Set(pods.map((p) => p.nodeName)).size, 3);
  for (const p of pods) {
    const node = c.nodes.find((n) => n.name === p.nodeName)!;
    assert.ok(p.ip.startsWith(node.podCIDR.split('.').slice(0, 3).join('.') + '.'), `${p.ip} in ${node.podCIDR}`);
    assert.match(p.name, /^nginx-[a-z0-9]{10}-[a-z0-9]{5}$/);
  }
  const svc = c.services[0];
  assert.match(svc.spec.clusterIP, /^10\.0\.\d+\.\d+$/);
  assert.notEqual(svc.spec.clusterIP, '10.0.0.1');
  assert.ok(svc.spec.ports[0].nodePort >= 30000 && svc.spec.ports[0].nodePort <= 32767);
  assert.match(svc.status.loadBalancer.ingress[0].ip, /^198\.51\.100\.\d+$/);
  const slice = c.endpointSlices.find((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === 'nginx')!;
  assert.deepEqual((slice as any).ports, [{ name: '', port: 80, protocol: 'TCP' }]);
  assert.equal((slice as any).endpoints.length, 3);
  const whats = c.assumptions.filter((a) => a.owner === 'default/nginx').map((a) => a.what).sort();
  assert.deepEqual(whats, ['clusterIP', 'endpoints', 'loadBalancerIP', 'nodePort']);
  assert.ok(c.assumptions.every((a) => a.text.includes('assumed')));
});

test('synthesized values are deterministic and do not move when other objects come and go', () => {
  const alone = synthesizeCluster(objects(nginx));
  const again = synthesizeCluster(objects(nginx));
  assert.deepEqual(alone, again);
  const withOthers = synthesizeCluster(objects(other + '\n---\n' + nginx));
  const pick = (c: typeof alone) => ({
    svc: c.services.find((s) => s.metadata?.name === 'nginx'),
    pods: c.pods.filter((p) => p.owner === 'Deployment/nginx'),
  });
  assert.deepEqual(pick(withOthers), pick(alone));
});

test('DaemonSet runs one pod per node, Job parallelism is honoured, numeric targetPort defaults to port', () => {
  const c = synthesizeCluster(objects(other));
  const agents = c.pods.filter((p) => p.owner === 'DaemonSet/agent');
  assert.deepEqual(agents.map((p) => p.nodeName).sort(), c.nodes.map((n) => n.name).sort());
  assert.equal(c.pods.filter((p) => p.owner === 'Job/batch').length, 2);
  const slice = c.endpointSlices.find((s) => s.metadata?.namespace === 'kube-system')! as any;
  assert.deepEqual(slice.ports, [{ name: 'metrics', port: 9100, protocol: 'TCP' }]);
  assert.equal(slice.endpoints.length, 3);
});

test('real EndpointSlices, workspace Nodes, explicit ClusterIPs and pod IPs win over synthesis', () => {
  const c = synthesizeCluster(objects(`
apiVersion: v1
kind: Node
metadata: {name: n1}
spec: {podCIDR: 10.1.0.0/24}
status: {addresses: [{type: InternalIP, address: 192.168.5.10}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: w, image: w}]}
status: {podIP: 10.1.0.77}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: 10.0.5.5, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: manual}
spec: {ports: [{port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: manual-1, labels: {kubernetes.io/service-name: manual}}
addressType: IPv4
endpoints: [{addresses: [10.9.9.9]}]
ports: [{port: 80, name: ''}]
`));
  assert.deepEqual(c.nodes, [{ name: 'n1', internalIP: '192.168.5.10', podCIDR: '10.1.0.0/24', assumed: false }]);
  assert.equal(c.pods[0].ip, '10.1.0.77');
  assert.equal(c.pods[0].assumed, false);
  assert.equal(c.services.find((s) => s.metadata?.name === 'web')!.spec.clusterIP, '10.0.5.5');
  assert.equal(c.endpointSlices.filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === 'manual').length, 1);
  const webSlice = c.endpointSlices.find((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === 'web') as any;
  assert.deepEqual(webSlice.endpoints[0].addresses, ['10.1.0.77']);
  assert.equal(c.assumptions.some((a) => a.owner === 'default/web' && a.what === 'clusterIP'), false);
  assert.equal(defaultClusterSettings.nodeCount, 3);
});

test('ipFamilies: clusterIPs are filled the way the API server does, so kube-proxy writes rules; IPv6-only gets none and says so', () => {
  const c = synthesizeCluster(objects(nginx.replace('  type: LoadBalancer\n', '  type: LoadBalancer\n  ipFamilyPolicy: SingleStack\n  ipFamilies: [IPv4]\n') + `
---
apiVersion: v1
kind: Service
metadata: {name: six}
spec: {ipFamilies: [IPv6], selector: {app: nginx}, ports: [{port: 80}]}
`));
  const svc = c.services.find((s) => s.metadata?.name === 'nginx')!;
  assert.deepEqual(svc.spec.clusterIPs, [svc.spec.clusterIP]);
  const six = c.services.find((s) => s.metadata?.name === 'six')!;
  assert.equal(six.spec.clusterIP, undefined);
  assert.deepEqual(six.spec.clusterIPs, []);
  assert.ok(c.assumptions.some((a) => a.owner === 'default/six' && /IPv6 ClusterIP/.test(a.text)));
  const rules = generateRules({ services: c.services, endpointSlices: c.endpointSlices, config: { ...defaultProxierConfig(), nodeName: c.nodes[0].name } });
  assert.match(rules.restore, new RegExp(`-d ${svc.spec.clusterIP.replace(/\./g, '\\.')} --dport 80 -j KUBE-SVC-`));
});

test('a huge replica count is capped to what the pod CIDRs hold, and the cap is labelled', () => {
  const c = synthesizeCluster(objects(nginx.replace('replicas: 3', 'replicas: 1000000000')));
  const pods = c.pods.filter((p) => p.owner === 'Deployment/nginx');
  assert.equal(pods.length, 3 * 253);
  assert.equal(new Set(pods.map((p) => p.ip)).size, pods.length, 'every pod IP is distinct');
  assert.ok(c.assumptions.some((a) => a.what === 'replicas' && /asks for 1000000000 replicas; 759 pods/.test(a.text)));
});
