// An iptables-save dump and a conntrack listing open in the editor, over real LSP: outline,
// definition from `-j KUBE-SVC-…` to its declaration, references, a document link to the Service
// YAML, hover on --probability, diagnostics with drift (related to the manifest and the selector
// diagnostic), conntrack hover with the Service and the capacity arithmetic, and the lenses.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeLens, Diagnostic, DocumentLink, DocumentSymbol, Hover, Location, MarkupContent } from 'vscode-languageserver-protocol';
import { createTempWorkspace, ensureServerBuilt, LspTestClient, positionAt, positionOf, REPO_ROOT, type TempWorkspace } from './lspClient';

const NODE = 'aks-nodepool1-12345678-vmss000001';
let ws: TempWorkspace;
let client: LspTestClient;
let dump: string;
let dumpUri: string;
let svcChain: string;
let missingEndpoint: string;
/** The node's own rules, before the drift edit. */
let fullDump: string;

function rules(dir: string): string {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'rules', dir, '--format', 'save-legacy', '--node', NODE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

before(async () => {
  ensureServerBuilt();
  ws = createTempWorkspace({
    'service.yaml': readFileSync(join(REPO_ROOT, 'examples/nginx/service.yaml'), 'utf8'),
    'deployment.yaml': readFileSync(join(REPO_ROOT, 'examples/nginx/deployment.yaml'), 'utf8'),
    'broken.yaml': readFileSync(join(REPO_ROOT, 'examples/broken/service-selector-matches-no-pods.yaml'), 'utf8'),
  });
  const full = rules(ws.dir);
  fullDump = full;
  // Drift: the node lost one of nginx's endpoints (the last, unconditional rule of its SVC chain).
  const last = full.split('\n').find((l) => /^-A KUBE-SVC-\w+ .*"default\/nginx:http -> [\d.]+:80" -j KUBE-SEP-/.test(l))!;
  assert.ok(last);
  missingEndpoint = /-> ([\d.]+:80)/.exec(last)![1];
  dump = full.replace(last + '\n', '');
  svcChain = /KUBE-SVC-\w{16}/.exec(last)![0];
  client = await LspTestClient.start({ workspaceFolders: [ws.uri], configuration: { kubePacketPath: { conntrack: { max: 262144 } } } });
  await client.waitForReady();
  dumpUri = ws.write(`iptables-save-${NODE}.txt`, dump);
  await client.open(dumpUri, dump, 'iptables');
});

after(async () => {
  await client?.stop();
  ws?.dispose();
});

test('outline: tables, chains with rule counts and their Service', async () => {
  const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: dumpUri } });
  assert.deepEqual(symbols.map((s) => s.name).filter((n) => n !== 'mangle'), ['filter', 'nat']);
  const svc = symbols[1].children!.find((c) => c.name === svcChain);
  assert.ok(svc);
  assert.match(svc.detail ?? '', /^3 rules · default\/nginx:http$/);
});

test('definition from -j KUBE-SVC-… to its declaration; references list every jump', async () => {
  const jump = dump.indexOf(`-j ${svcChain}`) + 3;
  const defs = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: dumpUri }, position: positionAt(dump, jump + 2) });
  const decl = positionOf(dump, `:${svcChain} `, 1);
  assert.deepEqual(defs.map((d) => d.range.start), [decl]);
  const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: dumpUri }, position: decl, context: { includeDeclaration: false } });
  const expected = dump.split('\n').filter((l) => l.endsWith(`-j ${svcChain}`)).length;
  assert.ok(expected >= 2);
  assert.equal(refs.length, expected);
});

test('document links from per-Service chains to the Service YAML', async () => {
  const links = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri: dumpUri } });
  const decl = positionOf(dump, `:${svcChain} `, 1);
  const link = links.find((l) => l.range.start.line === decl.line && l.range.start.character === decl.character);
  assert.ok(link, JSON.stringify(links.slice(0, 3)));
  assert.ok(link.target!.startsWith(ws.fileUri('service.yaml') + '#L'), link.target);
  assert.match(link.tooltip ?? '', /default\/nginx:http/);
  assert.ok(links.some((l) => /endpoint chain for endpoint 10\.244/.test(l.tooltip ?? '')));
});

test('hover on --probability: the share of the Service traffic', async () => {
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: dumpUri }, position: positionOf(dump, '--probability 0.33333333349', 3) });
  assert.ok(hover);
  const value = (hover.contents as MarkupContent).value;
  assert.match(value, /100% of the packets entering `KUBE-SVC-\w+` reach this rule; it takes 33\.3% of those/);
  assert.match(value, /Endpoint `10\.244\.\d+\.\d+:80` gets 33\.3% of the traffic of `default\/nginx:http`/);
});

test('hover on a chain declaration and on KUBE-MARK-MASQ', async () => {
  const chain = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: dumpUri }, position: positionOf(dump, `:${svcChain} `, 2) });
  assert.match((chain!.contents as MarkupContent).value, /Service port `default\/nginx:http`[\s\S]*3 rules[\s\S]*Jumped to from `KUBE-EXT-\w+`, `KUBE-SERVICES`/);
  const masq = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: dumpUri }, position: positionOf(dump, '-j KUBE-MARK-MASQ', 5) });
  assert.ok(masq);
  assert.match((masq.contents as MarkupContent).value, /KUBE-MARK-MASQ/);
});

test('diagnostics: drift against the node, linked to the Service; the REJECT linked to the selector diagnostic', async () => {
  const diags: Diagnostic[] = await client.waitForDiagnostics(dumpUri, (d) => d.some((x) => x.code === 'drift-endpoints-differ'));
  const drift = diags.find((d) => d.code === 'drift-endpoints-differ')!;
  assert.equal(drift.source, 'kube-packet-path');
  // examples/nginx has no EndpointSlice: the pod IPs are assumed, so only the count is compared.
  assert.match(String(drift.message), /the node has 2 endpoints, the manifests give 3 .*addresses were not compared/);
  assert.ok(!String(drift.message).includes(missingEndpoint), String(drift.message));
  // Every dump diagnostic links to its section of docs/diagnostics.md.
  for (const d of diags) assert.ok(d.codeDescription?.href.endsWith(`/docs/diagnostics.md#${String(d.code)}`), JSON.stringify(d));
  assert.ok(drift.relatedInformation?.some((r) => r.location.uri === ws.fileUri('service.yaml')));
  const reject = diags.find((d) => d.code === 'drift-no-endpoints');
  assert.ok(reject, JSON.stringify(diags.map((d) => d.code)));
  assert.ok(reject.relatedInformation?.some((r) => r.location.uri === ws.fileUri('broken.yaml') && /selector/.test(r.message)), JSON.stringify(reject.relatedInformation));
});

test('Trace from here lenses on the KUBE-SERVICES rules, with the dump as the rules', async () => {
  const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: dumpUri } });
  const trace = lenses.filter((l) => l.command?.title.startsWith('Trace from here'));
  assert.ok(trace.length >= 2, JSON.stringify(lenses.map((l) => l.command?.title)));
  const scenario = trace[0].command!.arguments![0];
  assert.deepEqual(scenario.rules, { dumpUri });
  assert.equal(scenario.node, NODE);
  assert.deepEqual(scenario.target, { kind: 'Service', namespace: 'default', name: 'nginx', port: 'http' });
});

test('conntrack: hover decodes the entry to the Service; capacity uses kubePacketPath.conntrack.max; lens per Service', async () => {
  const ip = /-d ([\d.]+)\/32 -p tcp -m comment --comment "default\/nginx:http cluster IP"/.exec(dump)![1];
  const text = [
    `tcp      6 117 TIME_WAIT src=10.244.0.9 dst=${ip} sport=40000 dport=80 src=10.244.2.92 dst=10.244.0.9 sport=80 dport=40000 [ASSURED] mark=0 use=1`,
    `tcp      6 86399 ESTABLISHED src=10.224.0.4 dst=${ip} sport=40001 dport=80 src=10.244.1.159 dst=10.224.0.5 sport=80 dport=40001 [ASSURED] mark=0 use=1`,
    'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.',
    'this line is not an entry',
    '',
  ].join('\n');
  const uri = ws.write('node.conntrack', text);
  await client.open(uri, text, 'conntrack');
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 30 } });
  assert.ok(hover);
  const value = (hover.contents as MarkupContent).value;
  assert.ok(value.includes(`- client: \`10.244.0.9:40000\``), value);
  // The ClusterIP is not in the manifests: the match is on an assumed address, and says so.
  assert.ok(value.includes(`- asked for: \`${ip}:80\` — Service \`default/nginx:http (assumed ClusterIP)\``), value);
  assert.ok(value.includes('- answered by: `10.244.2.92:80`'), value);
  assert.match(value, /DNAT: yes; SNAT\/masquerade: no/);
  assert.match(value, /262,144 entries \/ 120 s ≈ 2,184 new connections per second/);
  const second = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 30 } });
  assert.match((second!.contents as MarkupContent).value, /SNAT\/masquerade: yes/);
  const diags = await client.waitForDiagnostics(uri, (d) => d.length > 0);
  assert.deepEqual(diags.map((d) => [d.code, d.range.start.line]), [['parse-error', 3]]);
  const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
  assert.deepEqual(lenses.map((l) => l.command?.title), ['Service default/nginx:http (assumed ClusterIP): 2 entries, 2 DNAT, 1 SNAT → 10.244.1.159:80 ×1, 10.244.2.92:80 ×1']);
});

test('the Trace from here scenario traces on the dump: only the endpoints left on the node are reached', async () => {
  const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: dumpUri } });
  const lens = lenses.find((l) => l.command?.title.startsWith('Trace from here') && / via 10\.0\./.test(l.command.title));
  assert.ok(lens, JSON.stringify(lenses.map((l) => l.command?.title)));
  const trace = await client.request<{ branches: { endpoint?: { ip: string; port: number } }[] }>('kpp/tracePacket', lens.command!.arguments![0]);
  const all = trace.branches.map((b) => (b.endpoint ? `${b.endpoint.ip}:${b.endpoint.port}` : 'none')).sort();
  const reached = all.filter((e) => e.startsWith('10.244.'));
  assert.equal(reached.length, 2, all.join(', '));
  assert.ok(!reached.includes(missingEndpoint), reached.join(', '));
  // The chain lost its last, unconditional rule: a third of the connections fall through un-DNATed.
  assert.equal(all.length, 3, all.join(', '));
  assert.equal(trace.branches[0] && (lens.command!.arguments![0] as { source: string }).source, 'pod-same-node');
});

test('hover on an address names the pod; checkDump problems show on a broken dump', async () => {
  const to = /--to-destination (10\.244\.\d+\.\d+:80)/.exec(dump)!;
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: dumpUri }, position: positionAt(dump, to.index + 20) });
  assert.ok(hover);
  assert.match((hover.contents as MarkupContent).value, /pod default\/nginx\\?-\S+ of Deployment\/nginx on node aks/);
  const broken = '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j KUBE-MISSING\n-A KUBE-SERVICES -j ACCEPT\n-A KUBE-SERVICES -d 10.0.0.1/32 -j DROP\nCOMMIT\n';
  const uri = ws.write('broken.iptables', broken);
  await client.open(uri, broken, 'iptables');
  const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'undeclared-chain'));
  assert.ok(diags.some((d) => d.code === 'unreachable-rule' && d.range.start.line === 4), JSON.stringify(diags));
  for (const d of diags) assert.ok(d.codeDescription?.href.endsWith(`#${String(d.code)}`), JSON.stringify(d));
});

test('a real node\'s dump (other pod IPs, ClusterIP, NodePort): no drift on assumed values; hovers show the dump\'s own addresses and label the manifests\' assumed ones', async () => {
  const clusterIP = /^-A KUBE-SERVICES -d ([\d.]+)\/32 .*"default\/nginx:http cluster IP"/m.exec(fullDump)![1];
  const nodePort = /^-A KUBE-NODEPORTS .*"default\/nginx:http".* --dport (\d+)/m.exec(fullDump)![1];
  const real = fullDump.replace(/10\.244\./g, '10.245.').split(`${clusterIP}/32`).join('10.0.5.5/32').split(`--dport ${nodePort} `).join('--dport 31000 ');
  const uri = ws.write(`iptables-save-${NODE}-real.txt`, real);
  await client.open(uri, real, 'iptables');
  const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'drift-no-endpoints'));
  assert.deepEqual(diags.filter((d) => d.code === 'drift-endpoints-differ' || d.code === 'drift-node-port').map((d) => d.message), []);

  const chainHover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(real, `:${svcChain} `, 2) });
  const sepJump = real.indexOf(' -j KUBE-SEP-', real.indexOf(`-A ${svcChain} `)) + 5;
  const sepHover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionAt(real, sepJump) });
  for (const hover of [chainHover, sepHover]) {
    const value = (hover!.contents as MarkupContent).value;
    assert.match(value, /On this node \(its KUBE-SERVICES \/ KUBE-NODEPORTS rules\): TCP cluster IP `10\.0\.5\.5:80`, TCP load balancer `198\.51\.100\.\d+:80`, TCP NodePort 31000\./, value);
    assert.ok(value.includes(`In the manifests: TCP ClusterIP \`${clusterIP}\` (assumed) port 80, NodePort ${nodePort} (assumed), load balancer \``), value);
    assert.match(value, /load balancer `198\.51\.100\.\d+` \(assumed\), 3 endpoints \(addresses assumed/, value);
  }
});

test('definition on a KUBE-SEP declaration: the Service port and the workload whose pod is the endpoint', async () => {
  const sep = /^:(KUBE-SEP-\w{16}) /m.exec(dump)![1];
  const defs = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: dumpUri }, position: positionOf(dump, `:${sep} `, 2) });
  assert.deepEqual(defs.map((d) => d.uri), [ws.fileUri('service.yaml'), ws.fileUri('deployment.yaml')]);
});

test('chain hover adds up the rule counters of a dump saved with -c', async () => {
  const text = '*nat\n:PREROUTING ACCEPT [5:300]\n:KUBE-X - [0:0]\n[3:180] -A PREROUTING -j KUBE-X\n[2:120] -A KUBE-X -s 10.0.0.0/8 -j RETURN\n[1:60] -A KUBE-X -j RETURN\nCOMMIT\n';
  const uri = ws.write('counters.iptables', text);
  await client.open(uri, text, 'iptables');
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, ':KUBE-X', 2) });
  assert.match((hover!.contents as MarkupContent).value, /2 rules; its rules counted 3 packet matches/);
});
