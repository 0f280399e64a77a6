// kpp explain end to end on the bundled examples: the node's own `kpp rules --format save-legacy`
// (and save-nft) output shows no drift, the node is found from the file name, every chain maps by
// hash; edited dumps (an endpoint removed, a Service's chains removed, a foreign Service added)
// report their drift codes and exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kpp } from './runKpp';

const NODE = 'aks-nodepool1-12345678-vmss000001';

async function nodeDump(format: 'save-legacy' | 'save-nft'): Promise<string> {
  const r = await kpp('rules', 'examples', '--format', format, '--node', NODE);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

async function explain(dump: string, fileName = `iptables-save-${NODE}.txt`, ...extra: string[]): Promise<{ code: number; report: any; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-explain-'));
  try {
    const file = join(dir, fileName);
    writeFileSync(file, dump);
    const json = await kpp('explain', file, 'examples', '--format', 'json', ...extra);
    const text = await kpp('explain', file, 'examples', ...extra);
    assert.equal(json.code, text.code);
    return { code: json.code, report: JSON.parse(json.stdout), text: text.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isDrift = (d: { severity: string }): boolean => d.severity !== 'information';

for (const format of ['save-legacy', 'save-nft'] as const) {
  test(`kpp explain: the node's own ${format} dump has no drift; node from the file name; every chain by hash`, async () => {
    const { code, report, text } = await explain(await nodeDump(format));
    assert.equal(code, 0, text);
    assert.equal(report.node.name, NODE);
    assert.equal(report.node.via, 'file-name');
    assert.ok(report.chains.length > 20);
    for (const c of report.chains) assert.ok(c.via === 'hash' && c.inWorkspace, JSON.stringify(c));
    assert.deepEqual(report.drift.filter(isDrift), []);
    // The broken examples' Services without endpoints: REJECTs the manifests agree with.
    assert.ok(report.drift.some((d: any) => d.code === 'drift-no-endpoints' && d.service === 'broken-selector/cache:redis'));
    assert.match(text, /No drift/);
  });
}

test('kpp explain: an endpoint missing from the node', async () => {
  const dump = await nodeDump('save-legacy');
  const line = dump.split('\n').find((l) => /^-A KUBE-SVC-\w+ .*"default\/nginx:http -> [\d.]+:80"/.test(l) && !l.includes('--probability'));
  assert.ok(line);
  const { code, report } = await explain(dump.replace(line + '\n', ''));
  assert.equal(code, 1);
  const drift = report.drift.filter(isDrift);
  assert.deepEqual(drift.map((d: any) => d.code), ['drift-endpoints-differ']);
  // examples/ has no EndpointSlice: the pod IPs are assumed, so only the count is compared.
  assert.match(drift[0].message, /the node has 2 endpoints, the manifests give 3 .*not compared.*assumed/);
  assert.doesNotMatch(drift[0].message, /10\.244\./);
  assert.equal(drift[0].service, 'default/nginx:http');
  assert.ok(report.assumed.some((a: any) => a.what === 'endpoints' && a.owner === 'default/nginx' && a.value === '3'), JSON.stringify(report.assumed));
});

test('kpp explain: a real node (other pod IPs, ClusterIP, NodePort) shows no drift where the values are assumed', async () => {
  const dump = await nodeDump('save-legacy');
  const nodePort = /^-A KUBE-NODEPORTS .*"default\/nginx:http".* --dport (\d+)/m.exec(dump)?.[1];
  const clusterIP = /^-A KUBE-SERVICES -d ([\d.]+)\/32 .*"default\/nginx:http cluster IP"/m.exec(dump)?.[1];
  assert.ok(nodePort && clusterIP, 'the nginx NodePort and ClusterIP rules');
  const real = dump.replace(/10\.244\./g, '10.245.').split(`--dport ${nodePort} `).join('--dport 31000 ').split(`${clusterIP}/32`).join('10.0.5.5/32');
  assert.notEqual(real, dump);
  const { code, report, text } = await explain(real);
  assert.deepEqual(report.drift.filter(isDrift), []);
  assert.equal(code, 0, text);
  assert.match(text, /Assumed \(\d+, the manifests do not give these; not compared with the dump\):\n(?:.*\n)* {2}NodePort \d+ for port http of Service default\/nginx \(assumed/);
});

test('kpp explain: a Service of the manifests with no chains on the node, and chains of a Service not in the workspace', async () => {
  const dump = await nodeDump('save-legacy');
  const svc = /KUBE-SVC-\w{16}/.exec(dump.split('\n').find((l) => l.includes('"default/nginx:http cluster IP"') && l.startsWith('-A KUBE-SERVICES'))!)![0];
  const hash = svc.slice('KUBE-SVC-'.length);
  const seps = new Set(dump.split('\n').filter((l) => l.startsWith(`-A ${svc} `)).map((l) => /KUBE-SEP-\w{16}/.exec(l)?.[0]).filter(Boolean));
  const without = dump.split('\n').filter((l) => !l.includes(hash) && ![...seps].some((s) => l.includes(s!)) && !l.includes('default/nginx:http')).join('\n');
  const missing = await explain(without);
  assert.equal(missing.code, 1);
  assert.deepEqual(missing.report.drift.filter(isDrift).map((d: any) => d.code), ['drift-service-missing']);
  assert.equal(missing.report.drift.filter(isDrift)[0].service, 'default/nginx:http');

  const foreign = dump.replace(`:${svc} - [0:0]\n`, `:${svc} - [0:0]\n:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]\n`)
    .replace(/^COMMIT$/gm, (m, offset: number) => (offset > dump.indexOf('*nat') ? `-A KUBE-SERVICES -d 10.0.9.9/32 -p tcp -m comment --comment "other/thing:web cluster IP" -m tcp --dport 80 -j KUBE-SVC-AAAAAAAAAAAAAAAA\n${m}` : m));
  const extra = await explain(foreign);
  const codes = extra.report.drift.filter(isDrift).map((d: any) => d.code);
  assert.deepEqual(codes, ['drift-service-not-in-workspace']);
  assert.match(extra.report.drift.filter(isDrift)[0].message, /other\/thing:web/);
});

test('kpp explain: --node wins over the file name; usage errors exit 2', async () => {
  const dump = await nodeDump('save-legacy');
  const other = await explain(dump, 'dump.txt', '--node', 'aks-nodepool1-12345678-vmss000000');
  assert.equal(other.report.node.name, 'aks-nodepool1-12345678-vmss000000');
  assert.equal((await kpp('explain')).code, 2);
  assert.equal((await kpp('explain', 'no-such-file.save')).code, 2);
  assert.equal((await kpp('explain', 'test/fixtures/dumps/overall-legacy.save', 'examples', '--node', 'nope')).code, 2);
});
