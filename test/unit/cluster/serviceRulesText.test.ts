import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { buildNodeRules } from '../../../server/src/core/cluster/nodeRules';
import { defaultClusterSettings, synthesizeCluster, type KubeObject } from '../../../server/src/core/cluster/synthesizeCluster';
import { findServicePorts, formatNodeRules, formatServicePortLines, selectServicePortLines, type RulesFormat } from '../../../server/src/core/cluster/serviceRulesText';
import { listServicePortRules } from '../../../server/src/core/kubeproxy/serviceRules';

function objects(yamlText: string): KubeObject[] {
  return parseAllDocuments(yamlText).map((d) => d.toJS() as KubeObject).filter((o) => o && o.kind);
}

// nginx (3 replicas, LoadBalancer), a Service whose name extends it (`nginx-admin`, same selector,
// unnamed port), and `lonely` whose selector matches nothing (REJECT rules).
const WORKSPACE = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx}
spec:
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec: {containers: [{name: nginx, image: nginx, ports: [{containerPort: 80, name: http}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  type: LoadBalancer
  selector: {app: nginx}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: nginx-admin}
spec:
  type: NodePort
  selector: {app: nginx}
  ports: [{port: 8080, targetPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: lonely}
spec:
  type: LoadBalancer
  selector: {app: nobody}
  ports: [{name: web, port: 80}]
`;

const rules = buildNodeRules(synthesizeCluster(objects(WORKSPACE), defaultClusterSettings));
const FORMATS: readonly RulesFormat[] = ['restore', 'save-legacy', 'save-nft', 'node-restore'];

function check(name: string, format: RulesFormat, expected: { rules: number; declarations: number; mustHave: RegExp[]; mustNotHave: RegExp[] }): void {
  const ports = findServicePorts(rules, 'default', name);
  assert.ok(ports.length > 0, `no generated port for ${name}`);
  const text = formatNodeRules(rules, format);
  assert.deepEqual(text.errors, []);
  const selection = selectServicePortLines(text.text, ports);
  assert.deepEqual(selection.errors, [], `${name} ${format}`);
  assert.equal(selection.lines.filter((l) => l.kind === 'rule').length, expected.rules, `${name} ${format} rule count`);
  assert.equal(selection.lines.filter((l) => l.kind === 'declaration').length, expected.declarations, `${name} ${format} declarations`);
  // Every picked line is a line of the node's text, unchanged.
  const all = text.text.split('\n');
  for (const l of selection.lines) assert.equal(all[l.line], l.text);
  const fragment = formatServicePortLines(selection);
  for (const re of expected.mustHave) assert.match(fragment, re, `${name} ${format}`);
  for (const re of expected.mustNotHave) assert.doesNotMatch(fragment, re, `${name} ${format}`);
}

test('each format: the nginx port gets exactly its own rules (as many as the generator wrote)', () => {
  const [port] = findServicePorts(rules, 'default', 'nginx', 'http');
  const ruleCount = listServicePortRules(rules.generated, port).length;
  const chains = port.chainLines.length;
  assert.equal(chains, 3 + 2, 'SVC, EXT and three SEP chains');
  for (const format of FORMATS) {
    check('nginx', format, {
      rules: ruleCount,
      declarations: chains,
      mustHave: [/^:KUBE-SEP-[A-Z2-7]{16} - \[0:0\]$/m, /^-A KUBE-SERVICES .*"default\/nginx:http cluster IP"/m],
      mustNotHave: [/nginx-admin/, /lonely/],
    });
  }
});

test('save-legacy prints the probabilities as the kernel keeps them', () => {
  const selection = selectServicePortLines(formatNodeRules(rules, 'save-legacy').text, findServicePorts(rules, 'default', 'nginx'));
  const text = formatServicePortLines(selection);
  assert.equal((text.match(/^:KUBE-SEP-/gm) ?? []).length, 3);
  assert.match(text, /--probability 0\.33333333349 /);
  assert.match(text, /--probability 0\.50000000000 /);
  assert.match(text, /^\*nat\n/);
  assert.match(text, /COMMIT\n$/);
});

test('a name that extends another one is not confused with it (unnamed port)', () => {
  const [port] = findServicePorts(rules, 'default', 'nginx-admin');
  for (const format of FORMATS) {
    check('nginx-admin', format, { rules: listServicePortRules(rules.generated, port).length, declarations: port.chainLines.length, mustHave: [/default\/nginx-admin/], mustNotHave: [/"default\/nginx:http/] });
  }
});

test('a port with no endpoints: its REJECT rules in the shared filter chains', () => {
  const [port] = findServicePorts(rules, 'default', 'lonely', 'web');
  assert.equal(port.hasEndpoints, false);
  for (const format of FORMATS) {
    check('lonely', format, { rules: listServicePortRules(rules.generated, port).length, declarations: port.chainLines.length, mustHave: [/^\*filter$/m, /has no endpoints.*-j REJECT/], mustNotHave: [/KUBE-SEP-/] });
  }
});

test('a shared rule missing from the text is reported, not hidden', () => {
  const ports = findServicePorts(rules, 'default', 'nginx');
  const text = formatNodeRules(rules, 'save-legacy').text.split('\n').filter((l) => !/^-A KUBE-SERVICES .*default\/nginx:http cluster IP/.test(l)).join('\n');
  const selection = selectServicePortLines(text, ports);
  assert.equal(selection.errors.length, 1);
  assert.match(selection.errors[0], /KUBE-SERVICES: 1 rule found for default\/nginx:http, 2 expected/);
});

test('garbage text gives no lines and never throws', () => {
  const ports = findServicePorts(rules, 'default', 'nginx');
  const selection = selectServicePortLines('-A\n:\n*\n-A KUBE-SERVICES -j\n', ports);
  assert.equal(selection.lines.length, 0);
  assert.equal(formatServicePortLines(selection), '');
});

test('formatNodeRules is cached per NodeRules and format', () => {
  assert.equal(formatNodeRules(rules, 'save-nft'), formatNodeRules(rules, 'save-nft'));
  assert.equal(formatNodeRules(rules, 'node-restore').text, rules.nodeRestore);
});
