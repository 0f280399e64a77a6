// The generated rules in the editor over real LSP: the Service hover (rules block, assumed values),
// the port CodeLenses, `kpp/generatedRules` (whole node, one Service, updates after an edit), the
// `kubePacketPath` settings, and malformed params. Workspace: a temp copy of examples/nginx.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeLens, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import { createTempWorkspace, delay, ensureServerBuilt, LspTestClient, positionOf, REPO_ROOT, type TempWorkspace } from './lspClient';
import { GeneratedRulesMethod, RulesChangedMethod, type GeneratedRulesResult, type ShowGeneratedRulesArgs } from '../../server/src/protocol';

let ws: TempWorkspace;
let client: LspTestClient;
let rulesChanged = 0;
const SERVICE = readFileSync(join(REPO_ROOT, 'examples', 'nginx', 'service.yaml'), 'utf8');
const DEPLOYMENT = readFileSync(join(REPO_ROOT, 'examples', 'nginx', 'deployment.yaml'), 'utf8');

before(async () => {
  ensureServerBuilt();
  ws = createTempWorkspace({});
  cpSync(join(REPO_ROOT, 'examples', 'nginx'), ws.dir, { recursive: true });
  client = await LspTestClient.start({ workspaceFolders: [ws.uri] });
  client.connection.onNotification(RulesChangedMethod, () => {
    rulesChanged++;
  });
  await client.waitForReady();
});

after(async () => {
  await client?.stop();
  ws?.dispose();
});

/** Polls (the test client re-checks its waiters only on its own notifications). */
async function waitForRulesChanged(after: number): Promise<void> {
  for (const deadline = Date.now() + 20000; rulesChanged <= after; await delay(20)) {
    if (Date.now() > deadline) throw new Error('timed out waiting for kpp/rulesChanged');
  }
}

async function hoverAt(needle: string, delta = 0, text = SERVICE, file = 'service.yaml'): Promise<string | undefined> {
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: ws.fileUri(file) }, position: positionOf(text, needle, delta) });
  return hover ? (hover.contents as MarkupContent).value : undefined;
}

function codeBlock(markdown: string): string {
  const m = /(`{3,})iptables\n([\s\S]*?)\n\1/.exec(markdown);
  assert.ok(m, `no iptables code block in:\n${markdown}`);
  return m[2];
}

test('hover on the nginx Service name: three KUBE-SEP chains, iptables-save probabilities, assumed values, selector kept', async () => {
  const value = await hoverAt('name: nginx', 6);
  assert.ok(value);
  const block = codeBlock(value);
  assert.equal((block.match(/^:KUBE-SEP-[A-Z2-7]{16} - \[0:0\]$/gm) ?? []).length, 3);
  assert.match(block, /--probability 0\.33333333349 /);
  assert.match(block, /--probability 0\.50000000000 /);
  assert.match(value, /assumed/);
  assert.match(value, /ClusterIP 10\\\.0\\\.\d+\\\.\d+ of Service default\/nginx \\\(assumed/);
  assert.match(value, /`KUBE-SVC-[A-Z2-7]{16}` → 3 endpoints/);
  // The selector hover is still there, above the rules.
  assert.match(value, /selects `app=nginx`/);
  assert.ok(value.indexOf('selects') < value.indexOf('kube-proxy rules'));
  // The block is the node's own iptables-save text: every line of it is a line of the whole node.
  const node = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { format: 'save-legacy' });
  const nodeLines = new Set(node.text.split('\n'));
  for (const line of block.split('\n')) assert.ok(nodeLines.has(line), `not a line of the node's save text: ${line}`);
});

test('hover on the kind line and on a port', async () => {
  const onKind = await hoverAt('kind: Service', 2);
  assert.ok(onKind);
  assert.match(codeBlock(onKind), /KUBE-SVC-/);
  const onPort = await hoverAt('port: 80', 2);
  assert.ok(onPort);
  assert.match(onPort, /Service `nginx` port `http`/);
  assert.match(codeBlock(onPort), /-A KUBE-SERVICES .*"default\/nginx:http cluster IP"/);
  // Not on other fields of the Service.
  assert.equal(await hoverAt('type: LoadBalancer', 2), undefined);
});

test('CodeLens per port: the KUBE-SVC chain and its endpoint count, opening the rules at that chain; and Trace packet path', async () => {
  const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: ws.fileUri('service.yaml') } });
  const rules = lenses.filter((l) => l.command?.command === 'kubePacketPath.showGeneratedRules');
  assert.equal(rules.length, 1);
  assert.match(rules[0].command!.title, /^KUBE-SVC-[A-Z2-7]{16} · 3 endpoints$/);
  const args = rules[0].command!.arguments![0] as ShowGeneratedRulesArgs;
  assert.equal(args.service, 'default/nginx');
  assert.equal(args.chain, rules[0].command!.title.split(' ')[0]);
  assert.equal(args.format, 'save-legacy');
  // The lens sits on the port item (`- name: http`).
  assert.equal(rules[0].range.start.line, positionOf(SERVICE, '- name: http').line);
  const trace = lenses.filter((l) => l.command?.command === 'kubePacketPath.tracePacketPath');
  assert.equal(trace.length, 1);
  assert.equal(trace[0].command!.title, 'Trace packet path');
  assert.deepEqual((trace[0].command!.arguments![0] as { target: unknown }).target, { kind: 'Service', namespace: 'default', name: 'nginx', port: 'http' });
});

test('kpp/generatedRules: the whole node, one Service, each format', async () => {
  const whole = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, {});
  assert.equal(whole.format, 'save-legacy');
  assert.deepEqual(whole.errors, []);
  assert.equal(whole.nodes.length, 3);
  assert.equal(whole.node, whole.nodes[0]);
  assert.match(whole.text, /^\*filter$/m);
  assert.match(whole.text, /^:PREROUTING ACCEPT \[0:0\]$/m, 'the whole node, built-in chains included');
  assert.match(whole.text, /^-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES$/m);
  const restore = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { format: 'restore', node: whole.nodes[1] });
  assert.equal(restore.node, whole.nodes[1]);
  assert.doesNotMatch(restore.text, /^:PREROUTING/m);
  assert.match(restore.text, /--probability 0\.3333333333 /, 'restore form: kube-proxy\'s own probability text');
  const one = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { service: 'default/nginx', format: 'save-nft' });
  assert.deepEqual(one.errors, []);
  assert.equal((one.text.match(/^:KUBE-SEP-/gm) ?? []).length, 3);
  assert.doesNotMatch(one.text, /kubernetes service portals/);
  const missing = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { service: 'default/nope' });
  assert.equal(missing.text, '');
  assert.match(missing.errors.join(), /no rules for Service default\/nope/);
  const badNode = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { node: 'nope' });
  assert.equal(badNode.node, whole.nodes[0]);
  assert.match(badNode.errors.join(), /No node "nope"/);
});

test('malformed params get a safe answer and the server keeps running', async () => {
  for (const params of [null, 42, 'x', [], { format: 'bogus', node: 7, service: { a: 1 } }]) {
    const r = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, params);
    assert.equal(typeof r.text, 'string');
    assert.equal(r.format, 'save-legacy');
  }
  assert.ok(client.isRunning);
});

test('editing replicas to 2 changes the rules (2 endpoints) and notifies kpp/rulesChanged', async () => {
  const before = rulesChanged;
  const uri = ws.fileUri('deployment.yaml');
  await client.open(uri, DEPLOYMENT);
  await client.change(uri, DEPLOYMENT.replace('replicas: 3', 'replicas: 2'));
  await waitForRulesChanged(before);
  const one = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { service: 'default/nginx' });
  assert.equal((one.text.match(/^:KUBE-SEP-/gm) ?? []).length, 2);
  assert.match(one.text, /--probability 0\.50000000000 /);
  assert.doesNotMatch(one.text, /0\.33333333349/);
  const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: ws.fileUri('service.yaml') } });
  assert.ok(lenses.some((l) => /^KUBE-SVC-[A-Z2-7]{16} · 2 endpoints$/.test(l.command?.title ?? '')));
  const mid = rulesChanged;
  await client.change(uri, DEPLOYMENT.replace('replicas: 3', 'replicas: 0'));
  await waitForRulesChanged(mid);
  const none = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: ws.fileUri('service.yaml') } });
  assert.ok(none.some((l) => l.command?.title === 'no endpoints: REJECT'), JSON.stringify(none.map((l) => l.command?.title)));
  await client.change(uri, DEPLOYMENT);
  await client.close(uri);
});

test('settings: format, node and cluster CIDRs from workspace/configuration', async () => {
  const before = rulesChanged;
  const whole = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, {});
  await client.setConfiguration('kubePacketPath', { rules: { format: 'save-nft', node: whole.nodes[2] }, cluster: { serviceCIDR: '172.16.0.0/16', nodeCount: 2 } });
  await waitForRulesChanged(before);
  const now = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, {});
  assert.equal(now.format, 'save-nft');
  // nodeCount 2: the third node no longer exists, so the configured node falls back to the first.
  assert.equal(now.nodes.length, 2);
  assert.match(now.errors.join(), /No node/);
  const value = await hoverAt('name: nginx', 6);
  assert.ok(value);
  assert.match(value, /iptables-save \(nft\)/);
  assert.match(codeBlock(value), /-d 172\.16\.\d+\.\d+\/32 /);
  // Bad values fall back to the defaults.
  await client.setConfiguration('kubePacketPath', { rules: { format: 'html' }, cluster: { serviceCIDR: 'not a cidr', nodeCount: -1 } });
  await waitForRulesChanged(before + 1);
  const reset = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, {});
  assert.equal(reset.format, 'save-legacy');
  assert.equal(reset.nodes.length, 3);
  assert.match(reset.text, /-d 10\.0\.\d+\.\d+\/32 /);
});

test('settings: kubePacketPath.kubeProxy switches change the generated rules like the kpp rules flags', async () => {
  const before = rulesChanged;
  const plain = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { format: 'restore' });
  assert.match(plain.text, /-m nfacct --nfacct-name/);
  assert.match(plain.text, /--random-fully/);
  await client.setConfiguration('kubePacketPath', { kubeProxy: { nfacctCounters: false, randomFully: false, conntrackTcpBeLiberal: true } });
  await waitForRulesChanged(before);
  const changed = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { format: 'restore' });
  assert.doesNotMatch(changed.text, /nfacct/);
  assert.doesNotMatch(changed.text, /--random-fully/);
  assert.doesNotMatch(changed.text, /--ctstate INVALID/);
  await client.setConfiguration('kubePacketPath', {});
  await waitForRulesChanged(before + 1);
  const back = await client.request<GeneratedRulesResult>(GeneratedRulesMethod, { format: 'restore' });
  assert.equal(back.text, plain.text);
});

test('manifest text cannot break out of the hover: names are escaped, the fence outgrows backtick runs', async () => {
  const hostile = `apiVersion: v1
kind: Service
metadata:
  name: "evil\`\`[link](http://x)\`\`"
spec:
  selector:
    app: nginx
  ports:
    - name: "p\`\`\`\`\`q"
      port: 81
      targetPort: http
`;
  const uri = 'untitled:Hostile-1';
  await client.open(uri, hostile, 'yaml');
  try {
    const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(hostile, 'kind: Service', 2) });
    assert.ok(hover);
    const value = (hover.contents as MarkupContent).value;
    const m = /^(`{3,})iptables$/m.exec(value);
    assert.ok(m, value);
    // The fence is longer than the longest backtick run inside the block, and the block is closed by it.
    const fence = m[1];
    const body = value.slice(m.index + m[0].length);
    const close = body.indexOf(`\n${fence}`);
    assert.ok(close > 0, 'the block is closed');
    for (const run of body.slice(0, close).match(/`+/g) ?? []) assert.ok(run.length < fence.length, `run of ${run.length} inside a fence of ${fence.length}`);
    assert.ok(fence.length > 5);
    // Outside the block, the name (with a run of exactly two backticks) stays inside one code span:
    // its fence is a single backtick, which a run of two cannot close.
    const outside = value.slice(0, m.index);
    assert.ok(outside.includes('Service ` evil``[link](http://x)`` `'), outside);
  } finally {
    await client.close(uri);
  }
});
