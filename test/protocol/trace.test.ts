// Packet traces over real LSP: `kpp/traceTargets`, `kpp/tracePacket` on generated rules (hops point
// into the `kpp-rules:` node-restore document at the exact line), on a dump file, through an
// Ingress (the Trace packet path lens of a rule path), `kpp/scenarioOptions`, and malformed params.
// Workspace: temp copies of examples/nginx and examples/ingress.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeLens } from 'vscode-languageserver-protocol';
import { createTempWorkspace, ensureServerBuilt, LspTestClient, REPO_ROOT, type TempWorkspace } from './lspClient';
import {
  formatRulesUri,
  GeneratedRulesMethod,
  ScenarioOptionsMethod,
  TracePacketMethod,
  TraceTargetsMethod,
  type GeneratedRulesResult,
  type ScenarioOptionsResult,
  type TraceTargetItem,
} from '../../server/src/protocol';
import type { PathTrace, TraceScenario } from '../../server/src/core/trace/types';

let ws: TempWorkspace;
let client: LspTestClient;

before(async () => {
  ensureServerBuilt();
  ws = createTempWorkspace({});
  cpSync(join(REPO_ROOT, 'examples', 'nginx'), join(ws.dir, 'nginx'), { recursive: true });
  cpSync(join(REPO_ROOT, 'examples', 'ingress'), join(ws.dir, 'ingress'), { recursive: true });
  client = await LspTestClient.start({ workspaceFolders: [ws.uri] });
  await client.waitForReady();
});

after(async () => {
  await client?.stop();
  ws?.dispose();
});

async function targets(): Promise<readonly TraceTargetItem[]> {
  return client.request<readonly TraceTargetItem[]>(TraceTargetsMethod, {});
}

async function nginxScenario(): Promise<TraceScenario> {
  const t = (await targets()).find((x) => x.label === 'Service default/nginx');
  assert.ok(t, 'nginx is a trace target');
  return t.scenario;
}

test('kpp/traceTargets lists every Service and Ingress with its default scenario', async () => {
  const list = await targets();
  const labels = list.map((t) => t.label);
  for (const l of ['Service default/nginx', 'Ingress ingress-nginx/hello-world-ingress', 'Service ingress-nginx/aks-helloworld-two']) assert.ok(labels.includes(l), `${l} in ${labels.join(', ')}`);
  const nginx = list.find((t) => t.label === 'Service default/nginx')!;
  assert.equal(nginx.description, 'LoadBalancer');
  assert.equal(nginx.detail, 'nginx/service.yaml');
  assert.deepEqual(nginx.scenario.target, { kind: 'Service', namespace: 'default', name: 'nginx' });
  assert.equal(nginx.scenario.source, 'external');
  assert.equal(nginx.scenario.via, 'loadbalancer');
});

test('kpp/traceTargets at a cursor (the editor context menu): only the Service or Ingress there', async () => {
  const uri = ws.fileUri('ingress/aks-helloworld-two.yaml');
  const text = readFileSync(join(ws.dir, 'ingress', 'aks-helloworld-two.yaml'), 'utf8');
  const inService = text.indexOf('kind: Service') + 3;
  const here = await client.request<readonly TraceTargetItem[]>(TraceTargetsMethod, { uri, offset: inService });
  assert.deepEqual(here.map((t) => t.label), ['Service ingress-nginx/aks-helloworld-two']);
  const inDeployment = text.indexOf('kind: Deployment') + 3;
  assert.deepEqual(await client.request<readonly TraceTargetItem[]>(TraceTargetsMethod, { uri, offset: inDeployment }), []);
  assert.deepEqual(await client.request<readonly TraceTargetItem[]>(TraceTargetsMethod, { uri: 'file:///nowhere.yaml', offset: 0 }), []);
});

test('nginx from outside: three branches of 1/3, hops revealable in the node-restore document', async () => {
  const scenario = await nginxScenario();
  const trace = await client.request<PathTrace>(TracePacketMethod, scenario);
  assert.deepEqual(trace.errors, []);
  assert.equal(trace.branches.length, 3);
  for (const b of trace.branches) {
    assert.ok(Math.abs(b.probability - 1 / 3) < 1e-6, String(b.probability));
    assert.equal(b.verdict, 'forwarded');
    assert.match(b.endpoint?.pod ?? '', /^nginx-/);
  }
  assert.equal(new Set(trace.branches.map((b) => b.endpoint?.ip)).size, 3);
  assert.ok(trace.assumptions.some((a) => /assumed/.test(a)));
  // Every rule hop points into kpp-rules:/<node>/node-restore.iptables at the line of that rule.
  const uri = formatRulesUri(scenario.node, 'node-restore');
  const doc = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { node: scenario.node, format: 'node-restore' });
  let checked = 0;
  for (const step of trace.branches.flatMap((b) => b.steps)) {
    if (step.source?.uri !== uri) continue;
    const text = doc.text.slice(step.source.span.start, step.source.span.end);
    assert.ok(text.startsWith(`-A ${step.chain} `), `span text "${text}" is a rule of ${step.chain}`);
    if (step.rule) assert.ok(text.includes(step.rule.replace(/^-A \S+ /, '')) || step.rule.includes(text.replace(/^-A \S+ /, '')), `${text} vs ${step.rule}`);
    checked++;
  }
  assert.ok(checked >= 6, `rule hops checked: ${checked}`);
  // And manifest hops point at the Service in its file.
  assert.ok(trace.branches[0].steps.some((s) => s.source?.uri === ws.fileUri('nginx/service.yaml')));
});

test('the Ingress rule path lens traces to an aks-helloworld-two endpoint', async () => {
  const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: ws.fileUri('ingress/hello-world-ingress.yaml') } });
  const trace = lenses.filter((l) => l.command?.command === 'kubePacketPath.tracePacketPath');
  assert.equal(trace.length, 3, 'one per rule path');
  const scenarios = trace.map((l) => l.command!.arguments![0] as TraceScenario);
  assert.deepEqual(scenarios.map((s) => s.path), ['/hello-world-one', '/hello-world-two', '/']);
  const result = await client.request<PathTrace>(TracePacketMethod, scenarios[1]);
  assert.deepEqual(result.errors, []);
  assert.ok(result.branches.length > 0);
  assert.ok(result.branches.some((b) => /^aks-helloworld-two-/.test(b.endpoint?.pod ?? '')), JSON.stringify(result.branches.map((b) => b.endpoint)));
  assert.ok(result.branches.every((b) => !/^aks-helloworld-one-/.test(b.endpoint?.pod ?? '')));
  assert.equal(result.ingress?.candidates.find((c) => c.winner)?.backend.startsWith('aks-helloworld-two'), true);
});

test('a trace on a dump file reads the file and points hops into it', async () => {
  const scenario = await nginxScenario();
  const save = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { node: scenario.node, format: 'save-legacy' });
  const dumpUri = ws.write('dumps/node0.txt', save.text);
  const trace = await client.request<PathTrace>(TracePacketMethod, { ...scenario, rules: { dumpUri } });
  assert.deepEqual(trace.errors, []);
  assert.equal(trace.branches.length, 3);
  const hops = trace.branches.flatMap((b) => b.steps).filter((s) => s.source?.uri === dumpUri);
  assert.ok(hops.length >= 6);
  for (const h of hops) assert.match(save.text.slice(h.source!.span.start, h.source!.span.end), new RegExp(`^-A ${h.chain} `));
  // A dump that cannot be read is an error, not a crash.
  const missing = await client.request<PathTrace>(TracePacketMethod, { ...scenario, rules: { dumpUri: ws.fileUri('dumps/none.txt') } });
  assert.equal(missing.branches.length, 0);
  assert.match(missing.errors.join(), /Cannot read the dump/);
});

test('what-if externalTrafficPolicy Local: traced on its own rules, no hop points into the (unchanged) document', async () => {
  const scenario = await nginxScenario();
  const trace = await client.request<PathTrace>(TracePacketMethod, { ...scenario, externalTrafficPolicy: 'Local' });
  assert.deepEqual(trace.errors, []);
  assert.ok(trace.branches.length >= 1);
  assert.ok(trace.assumptions.some((a) => /what-if/.test(a)));
  assert.ok(trace.branches.flatMap((b) => b.steps).every((s) => !s.source?.uri.startsWith('kpp-rules:')));
  assert.ok(trace.branches.flatMap((b) => b.steps).some((s) => /KUBE-SVL-/.test(s.title + (s.rule ?? ''))), 'the Local policy sends the packet through KUBE-SVL');
});

test('kpp/scenarioOptions: nodes, ports, hosts', async () => {
  const options = await client.request<ScenarioOptionsResult>(ScenarioOptionsMethod, await nginxScenario());
  assert.equal(options.nodes.length, 3);
  assert.deepEqual(options.ports, ['http']);
  assert.deepEqual(options.hosts, []);
  const bad = await client.request<ScenarioOptionsResult>(ScenarioOptionsMethod, 'nonsense');
  assert.deepEqual(bad.ports, []);
  assert.equal(bad.nodes.length, 3);
});

test('malformed kpp/tracePacket params give an empty trace with an error, and the server keeps running', async () => {
  for (const params of [null, 7, 'x', {}, { target: 5 }, { target: { kind: 'Pod', name: 'x' } }]) {
    const trace = await client.request<PathTrace>(TracePacketMethod, params);
    assert.equal(trace.branches.length, 0);
    assert.match(trace.errors.join(), /names no Service or Ingress/);
  }
  const unknown = await client.request<PathTrace>(TracePacketMethod, { target: { kind: 'Service', namespace: 'default', name: 'nope' } });
  assert.equal(unknown.branches.length, 0);
  assert.match(unknown.errors.join(), /No Service default\/nope/);
  // Partial params are completed from the default scenario.
  const partial = await client.request<PathTrace>(TracePacketMethod, { target: { kind: 'Service', name: 'nginx' }, via: 'warp', source: 42 });
  assert.equal(partial.branches.length, 3);
  assert.equal(partial.scenario.via, 'loadbalancer');
  assert.ok(client.isRunning);
});
