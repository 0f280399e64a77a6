import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkspaceIndex } from '../../../server/src/core/workspace/workspaceIndex';

const deployment = (name: string, ns: string, app: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 80}]}]}
`;
const service = (name: string, ns: string, app: string) => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${app}}
  ports: [{port: 80, targetPort: http}]
`;

test('parses once per (uri, version)', () => {
  const index = new WorkspaceIndex();
  index.setFile('a.yaml', service('a', 'x', 'a'), 1);
  index.setFile('a.yaml', service('a', 'x', 'a'), 1);
  assert.equal(index.stats.parses, 1);
  index.setFile('a.yaml', service('a', 'x', 'b'), 2);
  assert.equal(index.stats.parses, 2);
  const s = index.snapshot();
  assert.equal(index.snapshot(), s, 'no change: same snapshot');
  index.setFile('b.yaml', '', 1);
  assert.notEqual(index.snapshot(), s);
});

test('snapshots are immutable: an edit gives a new snapshot and leaves the old one alone', () => {
  const index = new WorkspaceIndex();
  index.setFile('svc.yaml', service('web', 'shop', 'web'), 1);
  const before = index.snapshot();
  assert.equal(before.diagnosticsFor('svc.yaml').length, 1);
  index.setFile('dep.yaml', deployment('web', 'shop', 'web'), 1);
  const after = index.snapshot();
  assert.equal(after.diagnosticsFor('svc.yaml').length, 0, 'fixing the workload in another file clears the Service diagnostic');
  assert.equal(before.diagnosticsFor('svc.yaml').length, 1);
  assert.equal(before.objects().length, 1);
  index.deleteFile('dep.yaml');
  assert.equal(index.snapshot().diagnosticsFor('svc.yaml').length, 1);
  assert.equal(after.objects().length, 2);
});

test('lookups by kind, namespace and name; pod templates and what a Service selects', () => {
  const index = new WorkspaceIndex();
  index.setFile('all.yaml', [
    deployment('web', 'shop', 'web', 3),
    service('web', 'shop', 'web'),
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n',
    'apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\n',
    'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}\n',
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n',
    'apiVersion: v1\nkind: Endpoints\nmetadata: {name: e, namespace: shop}\n',
    'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-x, namespace: shop, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints: []\n',
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\nspec: {podSelector: {}}\n',
    'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ing, namespace: shop}\nspec: {defaultBackend: {service: {name: web, port: {number: 80}}}}\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n',
  ].join('---\n'), 1);
  const s = index.snapshot();
  const svc = s.find('Service', 'shop', 'web');
  assert.ok(svc);
  assert.equal(s.find('Service', 'default', 'web'), undefined);
  assert.equal(s.find('Node', undefined, 'node-1')?.namespace, undefined);
  assert.deepEqual(s.services('shop').map((o) => o.name), ['web']);
  assert.deepEqual(s.services('other'), []);
  assert.deepEqual([s.endpoints().length, s.endpointSlices().length, s.ingresses().length, s.ingressClasses().length, s.networkPolicies().length, s.namespaces().length, s.nodes().length, s.kubeProxyConfigurations().length], [1, 1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(s.endpointSlicesForService(svc).map((o) => o.name), ['web-x']);
  assert.deepEqual(s.namespaceNames(), ['default', 'shop']);
  const templates = s.podTemplatesForService(svc);
  assert.deepEqual(templates.map((t) => [t.kind, t.name, t.replicas, t.labelsPath.join('.')]), [['Deployment', 'web', 3, 'spec.template.metadata.labels']]);
  assert.deepEqual(templates[0].ports.map((p) => [p.name, p.containerPort, p.protocol]), [['http', 80, 'TCP']]);
});

test('pod templates: every workload kind, CronJob job templates, and custom kinds with spec.template.metadata.labels', () => {
  const index = new WorkspaceIndex();
  const tmpl = (app: string) => `{metadata: {labels: {app: ${app}}}, spec: {containers: [{name: c, image: x}]}}`;
  index.setFile('k.yaml', [
    `apiVersion: v1\nkind: Pod\nmetadata: {name: pod, labels: {app: pod}}\nspec: {containers: [{name: c, image: x}]}\n`,
    ...['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'].map((k) => `apiVersion: apps/v1\nkind: ${k}\nmetadata: {name: ${k.toLowerCase()}}\nspec: {template: ${tmpl(k.toLowerCase())}}\n`),
    `apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec: {replicas: 5, template: ${tmpl('rc')}}\n`,
    `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cron}\nspec: {schedule: x, jobTemplate: {spec: {template: ${tmpl('cron')}}}}\n`,
    `apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: rollout}\nspec: {replicas: 4, template: ${tmpl('rollout')}}\n`,
    `apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata: {name: dc}\nspec: {template: ${tmpl('dc')}}\n`,
    // Not workloads: a kind whose template has no labels, and a PodTemplate.
    `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: widget}\nspec: {template: {spec: {}}}\n`,
    `apiVersion: v1\nkind: PodTemplate\nmetadata: {name: pt}\ntemplate: ${tmpl('pt')}\n`,
  ].join('---\n'), 1);
  const got = index.snapshot().podTemplates().map((t) => `${t.kind}:${t.labels.app}:${t.replicas ?? '-'}`);
  assert.deepEqual(got, [
    'Pod:pod:1', 'Deployment:deployment:1', 'ReplicaSet:replicaset:1', 'StatefulSet:statefulset:1', 'DaemonSet:daemonset:-',
    'Job:job:-', 'ReplicationController:rc:5', 'CronJob:cron:-', 'Rollout:rollout:4', 'DeploymentConfig:dc:1',
  ]);
});

test('an edit re-analyses only the namespaces it touches', () => {
  const index = new WorkspaceIndex();
  index.setFile('a/dep.yaml', deployment('a', 'team-a', 'a'), 1);
  index.setFile('a/svc.yaml', service('a', 'team-a', 'a'), 1);
  index.setFile('b/dep.yaml', deployment('b', 'team-b', 'b'), 1);
  index.setFile('b/svc.yaml', service('b', 'team-b', 'typo'), 1);
  index.setFile('c/svc.yaml', service('c', 'team-c', 'c'), 1);
  assert.equal(index.snapshot().diagnostics().length, 2);
  assert.equal(index.stats.namespaceAnalyses, 3);

  // Same text again, new version: reparsed, but no namespace changed.
  index.setFile('a/svc.yaml', service('a', 'team-a', 'a'), 2);
  assert.equal(index.snapshot().diagnostics().length, 2);
  assert.equal(index.stats.namespaceAnalyses, 3);

  // Fixing team-b re-runs team-b only.
  index.setFile('b/svc.yaml', service('b', 'team-b', 'b'), 2);
  const diagnostics = index.snapshot().diagnostics();
  assert.equal(index.stats.namespaceAnalyses, 4);
  assert.deepEqual(diagnostics.map((d) => d.uri), ['c/svc.yaml']);

  // Moving text around inside one file shifts its spans: that namespace is re-analysed and spans follow.
  index.setFile('c/svc.yaml', '# moved down\n' + service('c', 'team-c', 'c'), 2);
  const moved = index.snapshot().diagnostics();
  assert.equal(index.stats.namespaceAnalyses, 5);
  assert.equal(moved[0].span.start, diagnostics[0].span.start + '# moved down\n'.length);

  // Deleting a file re-runs its namespace only.
  index.deleteFile('a/dep.yaml');
  assert.equal(index.snapshot().diagnostics().length, 2);
  assert.equal(index.stats.namespaceAnalyses, 6);
});

test('cluster-wide parts still see every namespace when one is served from the cache', () => {
  const index = new WorkspaceIndex();
  index.setFile('svc.yaml', service('db', 'apps', 'db'), 1);
  index.setFile('dep.yaml', deployment('db', 'data', 'other'), 1);
  assert.doesNotMatch(index.snapshot().diagnostics()[0].message, /namespace "data" has them/);
  index.setFile('dep.yaml', deployment('db', 'data', 'db'), 2);
  const d = index.snapshot().diagnostics();
  assert.equal(d.length, 1);
  assert.match(d[0].message, /Deployment "db" in namespace "data" has them/);
});
