import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConntrack } from '../../../server/src/core/conntrack/parseConntrack';
import { conntrackCapacity, decodeConntrackEntry, summarizeConntrack } from '../../../server/src/core/conntrack/decodeConntrack';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'conntrack');
const read = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** Entries as "proto state flags | summary | dnat snat". */
function describe(text: string): string[] {
  return parseConntrack(text).entries.map((e) => {
    const d = decodeConntrackEntry(e);
    return `${e.protocol} ${e.state ?? '-'} ${e.flags.join(',') || '-'} | ${d.summary} | dnat=${d.dnat} snat=${d.snat}`;
  });
}

test('conntrack -L from the real kernel: every entry, decoded', () => {
  const text = read('overall.conntrack');
  const table = parseConntrack(text);
  assert.deepEqual(table.errors, []);
  assert.equal(table.format, 'conntrack');
  assert.equal(table.entries.length, 10);
  const lines = describe(text).sort();
  // The pod (10.180.1.7) reaches ClusterIPs without masquerade; the outside client and the node are masqueraded.
  assert.ok(lines.includes('tcp TIME_WAIT ASSURED | 10.180.1.7:' + /src=10\.180\.1\.7 dst=172\.30\.0\.41 sport=(\d+)/.exec(text)![1] + ' → 172.30.0.41:80 → 10.180.0.1:80 | dnat=true snat=false'), lines.join('\n'));
  assert.equal(lines.filter((l) => l.startsWith('tcp TIME_WAIT ASSURED | 203.0.113.2:') && l.endsWith('dnat=true snat=true')).length, 5);
  const udp = lines.find((l) => l.startsWith('udp'))!;
  assert.match(udp, /^udp - UNREPLIED \| 203\.0\.113\.2:\d+ → 10\.180\.0\.2:5353 \| dnat=false snat=false$/);
  const icmp = table.entries.find((e) => e.protocol === 'icmp')!;
  assert.deepEqual([icmp.protocolNumber, icmp.original.type, icmp.original.code, icmp.reply.type, icmp.reply.code, icmp.original.id === icmp.reply.id], [1, 8, 0, 0, 0, true]);
  assert.equal(icmp.id, undefined);
  const first = table.entries[0];
  assert.equal(text.slice(first.span.start, first.span.end), text.split('\n')[0]);
  assert.equal(first.line, 0);
  assert.equal(text.slice(first.original.span.start, first.original.span.end).split(' ')[0].slice(0, 4), 'src=');
  assert.ok(text.slice(first.reply.span.start, first.reply.span.end).endsWith('bytes=' + first.reply.bytes));
  assert.deepEqual([first.mark, first.use, first.zone, first.family, first.timeout > 0], [0, 1, undefined, 'ipv4', true]);
  assert.equal(typeof first.original.packets, 'number');
});

test('/proc/net/nf_conntrack holds the same entries as conntrack -L', () => {
  const proc = parseConntrack(read('overall.nf_conntrack'));
  assert.deepEqual(proc.errors, []);
  assert.equal(proc.format, 'proc');
  assert.ok(proc.entries.every((e) => e.zone === 0 && e.family === 'ipv4'));
  const key = (t: ReturnType<typeof parseConntrack>) => t.entries.map((e) => `${e.protocol} ${e.original.src} ${e.original.sport} ${e.original.dst} ${e.reply.src} ${e.reply.dst}`).sort();
  assert.deepEqual(key(proc), key(parseConntrack(read('overall.conntrack'))));
});

test('hand-written entries: IPv6, sctp, mark, zone, id, trailer, unknown keys', () => {
  const text = [
    'tcp      6 431999 ESTABLISHED src=fd00:10::5 dst=fd00:172:30::41 sport=40000 dport=80 src=fd00:10:180::1 dst=fd00:10::5 sport=80 dport=40000 [ASSURED] mark=16384 zone=3 use=1 id=987654',
    'ipv6     10 udp      17 25 src=2001:db8::2 dst=2001:db8::1 sport=5000 dport=53 [UNREPLIED] src=2001:db8::1 dst=2001:db8::2 sport=53 dport=5000 mark=0 zone=0 use=2',
    'sctp     132 3 ESTABLISHED src=203.0.113.2 dst=172.30.0.43 sport=9000 dport=80 src=10.180.0.3 dst=192.168.0.2 sport=80 dport=9000 [ASSURED] mark=0 use=1',
    'icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=77 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=77 mark=0 use=1 id=424242',
    'tcp      6 118 TIME_WAIT src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 [ASSURED] mark=0 secctx=system_u:object_r:unlabeled_t:s0 delta-time=5 use=1',
    'conntrack v1.4.7 (conntrack-tools): 5 flow entries have been shown.',
  ].join('\n');
  const t = parseConntrack(text);
  assert.deepEqual(t.errors, []);
  assert.equal(t.format, 'mixed');
  assert.equal(t.shownCount, 5);
  const [v6, v6proc, sctp, icmp, sec] = t.entries;
  assert.deepEqual([v6.family, v6.mark, v6.zone, v6.id, v6.timeout], ['ipv6', 16384, 3, 987654, 431999]);
  assert.equal(decodeConntrackEntry(v6).summary, '[fd00:10::5]:40000 → [fd00:172:30::41]:80 → [fd00:10:180::1]:80');
  assert.deepEqual([v6proc.family, v6proc.protocol, v6proc.flags], ['ipv6', 'udp', ['UNREPLIED']]);
  assert.deepEqual([sctp.protocol, sctp.state, decodeConntrackEntry(sctp).snat], ['sctp', 'ESTABLISHED', true]);
  assert.deepEqual([icmp.original.id, icmp.reply.id, icmp.id], [77, 77, 424242]);
  assert.deepEqual([sec.secctx, sec.extra], ['system_u:object_r:unlabeled_t:s0', { 'delta-time': '5' }]);
  assert.equal(decodeConntrackEntry(sctp).explanation, 'SCTP from 203.0.113.2:9000 to 172.30.0.43:80 was DNATed to 10.180.0.3:80. The source was rewritten (masquerade/SNAT): 10.180.0.3:80 sees the client as 192.168.0.2:9000.');
});

test('conntrack errors carry spans and the other lines are kept', () => {
  const cases: [string, string, string][] = [
    ['tcp      6 119 TIME_WAIT src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2', 'Truncated entry: the reply tuple (second src=) is missing', 'tcp      6 119 TIME_WAIT src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2'],
    ['tcp      6', 'Missing the timeout (seconds) after the protocol number', '6'],
    ['tcp 6 10 src=1.1.1.1 dst=2.2.2.2 sport=x dport=2 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1', 'sport= needs a number', 'sport=x'],
    ['tcp 6 10 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 bogus', 'Unexpected word `bogus`', 'bogus'],
    ['hello world', 'Missing the protocol number after hello', 'hello world'],
  ];
  for (const [line, message, under] of cases) {
    const text = 'udp 17 29 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 mark=0 use=1\n' + line + '\n';
    const t = parseConntrack(text);
    assert.deepEqual(t.errors.map((e) => [e.message, text.slice(e.span.start, e.span.end)]), [[message, under]], line);
    assert.ok(t.entries.length >= 1 && t.entries[0].protocol === 'udp');
  }
});

test('summary per Service, with and without a mapper', () => {
  const table = parseConntrack(read('overall.conntrack'));
  const plain = summarizeConntrack(table);
  const svc4 = plain.find((s) => s.service === '172.30.0.44:80/tcp')!;
  assert.equal(svc4.entries, 4);
  assert.equal(svc4.dnat, 4);
  assert.equal(svc4.snat, 3);
  assert.deepEqual(svc4.states, { TIME_WAIT: 4 });
  assert.deepEqual(svc4.endpoints.map((e) => e.endpoint).sort(), ['10.180.0.4:80', '10.180.0.5:80']);
  assert.equal(svc4.endpoints.reduce((a, e) => a + e.entries, 0), 4);
  assert.equal(plain.reduce((a, s) => a + s.entries, 0), 10);
  const names: Record<string, string> = { '172.30.0.41': 'ns1/svc1:p80', '172.30.0.44': 'ns4/svc4:p80', '172.30.0.43': 'ns3/svc3:p80' };
  const mapped = summarizeConntrack(table, (address, port, proto) => (port === 80 && proto === 'tcp' ? names[address] : undefined));
  assert.deepEqual(mapped.map((s) => [s.service, s.known, s.entries]), [
    ['ns1/svc1:p80', true, 3], ['ns4/svc4:p80', true, 4], ['10.180.0.2:5353/udp', false, 1], ['10.180.0.3/icmp', false, 1], ['ns3/svc3:p80', true, 1],
  ].sort((a, b) => (b[2] as number) - (a[2] as number) || ((a[0] as string) < (b[0] as string) ? -1 : 1)));
});

test('capacity arithmetic: 131,072 entries / 120 s ≈ 1,092 new connections per second', () => {
  const c = conntrackCapacity({ max: 131072, timeoutSeconds: 120 });
  assert.equal(Math.floor(c.newConnectionsPerSecond), 1092);
  assert.match(c.explanation, /^131,072 entries \/ 120 s ≈ 1,092 new connections per second/);
  assert.deepEqual(conntrackCapacity(), { ...c });
  const busy = conntrackCapacity({ max: 262144, timeoutSeconds: 60, current: 131072 });
  assert.equal(busy.newConnectionsPerSecond, 262144 / 60);
  assert.equal(busy.utilization, 0.5);
  assert.match(busy.explanation, /holds 131,072 entries now \(50\.0% of the maximum\)/);
});
