import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { prepareRuleset, tracePacket } from '../../../server/src/core/simulator/tracePacket';
import type { Outcome, PacketOrigin, Protocol, TraceRequest } from '../../../server/src/core/simulator/types';

/**
 * Data-driven tests of the packet simulator: a small ruleset in iptables-restore form, a request,
 * and the expected outcomes, each written as one line:
 *
 *   `<probability> <verdict> <src>:<sport> > <dst>:<dport> [masq] [snat] [mark=0x..] [reason="…"] [unevaluated=N]`
 *
 * Probabilities are printed with up to 4 decimals.
 */

const LOCAL = ['192.168.0.2', '127.0.0.1'];

interface Req {
  src?: string;
  sport?: number;
  dst: string;
  dport?: number;
  proto?: Protocol;
  from?: PacketOrigin;
  extra?: Partial<TraceRequest>;
}

function request(r: Req): TraceRequest {
  return {
    packet: { src: r.src ?? '203.0.113.7', sport: r.sport ?? 40000, dst: r.dst, dport: r.dport ?? 80, proto: r.proto ?? 'tcp' },
    from: r.from ?? 'outside',
    localAddresses: LOCAL,
    ...r.extra,
  };
}

function describe(o: Outcome): string {
  const p = Number(o.probability.toFixed(4));
  const fmt = (a: string, port: number) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`);
  let s = `${p} ${o.verdict} ${fmt(o.packet.src, o.packet.sport)} > ${fmt(o.packet.dst, o.packet.dport)}`;
  if (o.masqueraded) s += ' masq';
  if (o.sourceNatted) s += ' snat';
  const lastMark = o.hops.length > 0 ? o.hops[o.hops.length - 1].mark : 0;
  if (lastMark !== 0) s += ` mark=0x${lastMark.toString(16)}`;
  if (o.reason !== undefined) s += ` reason="${o.reason}"`;
  if (o.unevaluated.length > 0) s += ` unevaluated=${o.unevaluated.length}`;
  return s;
}

function trace(rules: string, r: Req) {
  const rs = parseDump(rules);
  assert.deepEqual(rs.errors.filter((e) => e.severity === 'error'), [], 'test ruleset must parse');
  return tracePacket(rs, request(r));
}

function check(rules: string, r: Req, expected: string[]): void {
  const result = trace(rules, r);
  assert.deepEqual(result.outcomes.map(describe), expected);
  const total = result.outcomes.reduce((a, o) => a + o.probability, 0);
  if (result.outcomes.length > 0) assert.ok(Math.abs(total - 1) < 1e-9, `probabilities sum to ${total}`);
}

const nat = (...lines: string[]) => `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${lines.join('\n')}\nCOMMIT\n`;
const filter = (...lines: string[]) => `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${lines.join('\n')}\nCOMMIT\n`;
/** Declares user chains X, Y, Z in a table body. */
const chains = ':X - [0:0]\n:Y - [0:0]\n:Z - [0:0]';

test('routing: without rules, outside → local is delivered, outside → elsewhere is forwarded, node → elsewhere is sent', () => {
  check('', { dst: '192.168.0.2' }, ['1 delivered 203.0.113.7:40000 > 192.168.0.2:80']);
  check('', { dst: '10.1.2.3' }, ['1 forwarded 203.0.113.7:40000 > 10.1.2.3:80']);
  check('', { src: '192.168.0.2', dst: '10.1.2.3', from: 'node' }, ['1 sent 192.168.0.2:40000 > 10.1.2.3:80']);
  check('', { src: '10.0.0.5', dst: '127.0.0.9', from: 'pod' }, ['1 delivered 10.0.0.5:40000 > 127.0.0.9:80']);
});

test('DNAT: address and port, address only, IPv6, ranges take the first (noted)', () => {
  check(nat('-A PREROUTING -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.1.0.1:8080'), { dst: '10.96.0.10' },
    ['1 forwarded 203.0.113.7:40000 > 10.1.0.1:8080']);
  check(nat('-A PREROUTING -d 10.96.0.10/32 -j DNAT --to-destination 10.1.0.1'), { dst: '10.96.0.10', dport: 443 },
    ['1 forwarded 203.0.113.7:40000 > 10.1.0.1:443']);
  check(nat('-A PREROUTING -d fd00::10/128 -j DNAT --to-destination [fd00:10::1]:8080'), { src: '2001:db8::9', dst: 'fd00::10' },
    ['1 forwarded [2001:db8::9]:40000 > [fd00:10::1]:8080']);
  const r = trace(nat('-A PREROUTING -j DNAT --to-destination 10.1.0.1-10.1.0.9:8080-8090'), { dst: '10.96.0.10' });
  assert.deepEqual(r.outcomes.map(describe), ['1 forwarded 203.0.113.7:40000 > 10.1.0.1:8080']);
  assert.match(r.outcomes[0].notes?.join(' ') ?? '', /address range 10\.1\.0\.1-10\.1\.0\.9: took the first.*port range 8080-8090/);
  // DNAT to a local address is delivered (routing happens after nat PREROUTING).
  check(nat('-A PREROUTING -d 10.96.0.10 -j DNAT --to-destination 192.168.0.2:30080'), { dst: '10.96.0.10' },
    ['1 delivered 203.0.113.7:40000 > 192.168.0.2:30080']);
});

test('NAT is decided once per connection: the first nat verdict wins, later DNAT rules are not reached', () => {
  const rules = nat(
    '-A PREROUTING -j DNAT --to-destination 10.1.0.1:80',
    '-A PREROUTING -j DNAT --to-destination 10.1.0.2:80',
    '-A POSTROUTING -j MASQUERADE',
    '-A POSTROUTING -j SNAT --to-source 1.1.1.1',
  );
  const r = trace(rules, { dst: '10.96.0.10' });
  assert.deepEqual(r.outcomes.map(describe), ['1 forwarded 192.168.0.2:40000 > 10.1.0.1:80 masq snat']);
  assert.equal(r.outcomes[0].rulesEvaluated, 2, 'one rule in PREROUTING and one in POSTROUTING');
  // NOTRACK in raw: the connection is untracked, nat is never consulted.
  check(`*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -j NOTRACK\nCOMMIT\n${rules}`, { dst: '10.96.0.10' },
    ['1 forwarded 203.0.113.7:40000 > 10.96.0.10:80']);
});

test('SNAT and MASQUERADE: --to-source, egressAddress, the first non-loopback local address, --to-ports', () => {
  check(nat('-A POSTROUTING -s 10.0.0.0/8 -j SNAT --to-source 198.51.100.1:5000'), { src: '10.0.0.5', dst: '8.8.8.8', from: 'pod' },
    ['1 forwarded 198.51.100.1:5000 > 8.8.8.8:80 masq snat']);
  check(nat('-A POSTROUTING -j MASQUERADE'), { dst: '8.8.8.8', extra: { egressAddress: '192.168.1.2' } },
    ['1 forwarded 192.168.1.2:40000 > 8.8.8.8:80 masq snat']);
  const r = trace(nat('-A POSTROUTING -j MASQUERADE --to-ports 6000-6010'), { dst: '8.8.8.8' });
  assert.deepEqual(r.outcomes.map(describe), ['1 forwarded 192.168.0.2:6000 > 8.8.8.8:80 masq snat']);
  assert.match(r.outcomes[0].notes?.join(' ') ?? '', /MASQUERADE source 192\.168\.0\.2: the node's first address \(assumed/);
  // SNAT in INPUT for locally delivered packets.
  check(nat('-A INPUT -j SNAT --to-source 10.255.0.1'), { dst: '192.168.0.2' }, ['1 delivered 10.255.0.1:40000 > 192.168.0.2:80 masq snat']);
  // REDIRECT: to the node's own address (from outside) or loopback (from the node).
  check(nat('-A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 15001'), { dst: '10.96.0.1' }, ['1 delivered 203.0.113.7:40000 > 192.168.0.2:15001']);
  check(nat('-A OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 15001'), { src: '192.168.0.2', dst: '10.96.0.1', from: 'node' }, ['1 delivered 192.168.0.2:40000 > 127.0.0.1:15001']);
});

test('filter verdicts: DROP and REJECT with their comment and reject type, policies', () => {
  check(filter('-A FORWARD -d 10.1.0.0/16 -m comment --comment "no way" -j DROP'), { dst: '10.1.2.3' },
    ['1 dropped 203.0.113.7:40000 > 10.1.2.3:80 reason="no way"']);
  check(filter('-A INPUT -p tcp -j REJECT --reject-with tcp-reset'), { dst: '192.168.0.2' },
    ['1 rejected 203.0.113.7:40000 > 192.168.0.2:80 reason="tcp-reset"']);
  check(filter('-A INPUT -m comment --comment "ns/svc has no endpoints" -j REJECT'), { dst: '192.168.0.2' },
    ['1 rejected 203.0.113.7:40000 > 192.168.0.2:80 reason="ns/svc has no endpoints (icmp-port-unreachable)"']);
  check('*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p udp -j ACCEPT\nCOMMIT\n', { dst: '192.168.0.2' },
    ['1 dropped 203.0.113.7:40000 > 192.168.0.2:80 reason="filter INPUT policy DROP"']);
  check('*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -j ACCEPT\nCOMMIT\n', { dst: '192.168.0.2' },
    ['1 delivered 203.0.113.7:40000 > 192.168.0.2:80']);
  // ACCEPT ends only its own table's chain: nat POSTROUTING still runs after filter FORWARD accepts.
  check(filter('-A FORWARD -j ACCEPT', '-A FORWARD -j DROP') + nat('-A POSTROUTING -j MASQUERADE'), { dst: '10.1.2.3' },
    ['1 forwarded 192.168.0.2:40000 > 10.1.2.3:80 masq snat']);
});

test('-s/-d with CIDRs, single addresses, dotted masks and negation; -p; -f', () => {
  const rules = (m: string) => filter(`-A FORWARD ${m} -j DROP`);
  const cases: [string, Req, boolean][] = [
    ['-s 203.0.113.0/24', { dst: '10.1.1.1' }, true],
    ['-s 203.0.113.8/29', { dst: '10.1.1.1' }, false],
    ['! -s 10.0.0.0/8', { dst: '10.1.1.1' }, true],
    ['-d 10.1.1.1', { dst: '10.1.1.1' }, true],
    ['-d 10.1.1.1/32', { dst: '10.1.1.2' }, false],
    ['-d 10.0.0.0/255.0.0.0', { dst: '10.1.1.2' }, true],
    ['-d 0.0.0.0/0', { dst: '10.1.1.2' }, true],
    ['-d fd00::/8', { dst: '10.1.1.2' }, false],
    ['-p udp', { dst: '10.1.1.1' }, false],
    ['-p tcp', { dst: '10.1.1.1' }, true],
    ['! -p tcp', { dst: '10.1.1.1' }, false],
    ['-p 17', { dst: '10.1.1.1', proto: 'udp' }, true],
    ['-p all', { dst: '10.1.1.1', proto: 'sctp' }, true],
    ['-f', { dst: '10.1.1.1' }, false],
    ['! -f', { dst: '10.1.1.1' }, true],
  ];
  for (const [m, r, drops] of cases) {
    const out = trace(rules(m), r).outcomes.map((o) => o.verdict);
    assert.deepEqual(out, [drops ? 'dropped' : 'forwarded'], m);
  }
  check(filter('-A FORWARD -s 2001:db8::/32 -d fd00:10::/64 -j DROP'), { src: '2001:db8::9', dst: 'fd00:10::1' },
    ['1 dropped [2001:db8::9]:40000 > [fd00:10::1]:80']);
});

test('-i/-o with + wildcards; an unknown interface is unevaluated, never passed', () => {
  const rules = filter('-A FORWARD -i cali+ -o eth0 -j DROP');
  check(rules, { dst: '10.1.1.1', extra: { inInterface: 'cali1234', outInterface: 'eth0' } }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80']);
  check(rules, { dst: '10.1.1.1', extra: { inInterface: 'eth1', outInterface: 'eth0' } }, ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:80']);
  check(filter('-A FORWARD ! -i cali+ -j DROP'), { dst: '10.1.1.1', extra: { inInterface: 'eth1' } }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80']);
  const r = trace(rules, { dst: '10.1.1.1', extra: { outInterface: 'eth0' } });
  assert.deepEqual(r.outcomes.map(describe), ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:80 unevaluated=1']);
  assert.match(r.outcomes[0].unevaluated[0].reason, /incoming interface is not known.*treated as not matched/);
  assert.equal(r.outcomes[0].unevaluated[0].line, 4);
  // A locally generated packet to a local address leaves by lo and comes back in on lo.
  check(filter('-A OUTPUT -o lo -j ACCEPT', '-A OUTPUT -j DROP', '-A INPUT -i lo -j REJECT'), { src: '127.0.0.1', dst: '127.0.0.1', from: 'node' },
    ['1 rejected 127.0.0.1:40000 > 127.0.0.1:80 reason="icmp-port-unreachable"']);
});

test('ports: --dport/--sport, ranges, negation, multiport lists and --ports', () => {
  const cases: [string, Req, boolean][] = [
    ['-p tcp -m tcp --dport 80', { dst: '10.1.1.1', dport: 80 }, true],
    ['-p tcp -m tcp --dport 8080', { dst: '10.1.1.1', dport: 80 }, false],
    ['-p tcp -m tcp --dport 30000:32767', { dst: '10.1.1.1', dport: 30080 }, true],
    ['-p tcp -m tcp --dport :1024', { dst: '10.1.1.1', dport: 80 }, true],
    ['-p tcp -m tcp ! --dport 80', { dst: '10.1.1.1', dport: 80 }, false],
    ['-p tcp -m tcp --sport 40000', { dst: '10.1.1.1' }, true],
    ['-p udp -m udp --dport 53', { dst: '10.1.1.1', dport: 53, proto: 'udp' }, true],
    ['-p udp -m udp --dport 53', { dst: '10.1.1.1', dport: 53, proto: 'tcp' }, false],
    ['-p sctp -m sctp --dport 80', { dst: '10.1.1.1', proto: 'sctp' }, true],
    ['-p tcp --dport 80', { dst: '10.1.1.1' }, true],
    ['-p tcp -m multiport --dports 22,80,443', { dst: '10.1.1.1' }, true],
    ['-p tcp -m multiport --dports 22,8000:9000', { dst: '10.1.1.1' }, false],
    ['-p tcp -m multiport ! --dports 22,80', { dst: '10.1.1.1' }, false],
    ['-p tcp -m multiport --sports 39000:41000', { dst: '10.1.1.1' }, true],
    ['-p tcp -m multiport --ports 40000', { dst: '10.1.1.1' }, true],
    ['-p tcp -m multiport --ports 443', { dst: '10.1.1.1' }, false],
    ['-p tcp -m tcp --syn', { dst: '10.1.1.1' }, true],
    ['-p tcp -m tcp --tcp-flags SYN,RST,ACK SYN', { dst: '10.1.1.1' }, true],
    ['-p tcp -m tcp --tcp-flags SYN,ACK ACK', { dst: '10.1.1.1' }, false],
    ['-p icmp -m icmp --icmp-type 8', { dst: '10.1.1.1' }, false],
  ];
  for (const [m, r, drops] of cases) {
    const out = trace(filter(`-A FORWARD ${m} -j DROP`), r).outcomes.map((o) => o.verdict);
    assert.deepEqual(out, [drops ? 'dropped' : 'forwarded'], m);
  }
});

test('addrtype: LOCAL by the node addresses (and loopback), negation, --limit-iface-in is unevaluated', () => {
  const rules = nat(`:KUBE-NODEPORTS - [0:0]`, '-A PREROUTING -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    '-A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -j DNAT --to-destination 10.1.0.1:80');
  check(rules, { dst: '192.168.0.2', dport: 30080 }, ['1 forwarded 203.0.113.7:40000 > 10.1.0.1:80']);
  check(rules, { dst: '127.0.0.53', dport: 30080 }, ['1 forwarded 203.0.113.7:40000 > 10.1.0.1:80']);
  check(rules, { dst: '192.168.0.3', dport: 30080 }, ['1 forwarded 203.0.113.7:40000 > 192.168.0.3:30080']);
  check(filter('-A INPUT -m addrtype ! --src-type LOCAL -j DROP'), { dst: '192.168.0.2' }, ['1 dropped 203.0.113.7:40000 > 192.168.0.2:80']);
  check(filter('-A OUTPUT -m addrtype --src-type LOCAL --dst-type UNICAST -j DROP'), { src: '192.168.0.2', dst: '8.8.8.8', from: 'node' },
    ['1 dropped 192.168.0.2:40000 > 8.8.8.8:80']);
  check(filter('-A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -j DROP'), { dst: '192.168.0.2' },
    ['1 delivered 203.0.113.7:40000 > 192.168.0.2:80 unevaluated=1']);
});

test('statistic random branches both ways with exact probabilities, in rule order (kube-proxy 3 endpoints)', () => {
  const svc = nat(
    ':KUBE-SVC-A - [0:0]', ':KUBE-SEP-1 - [0:0]', ':KUBE-SEP-2 - [0:0]', ':KUBE-SEP-3 - [0:0]',
    '-A PREROUTING -d 10.96.0.10 -p tcp --dport 80 -j KUBE-SVC-A',
    '-A KUBE-SVC-A -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-1',
    '-A KUBE-SVC-A -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2',
    '-A KUBE-SVC-A -j KUBE-SEP-3',
    '-A KUBE-SEP-1 -p tcp -j DNAT --to-destination 10.1.0.1:8080',
    '-A KUBE-SEP-2 -p tcp -j DNAT --to-destination 10.1.0.2:8080',
    '-A KUBE-SEP-3 -p tcp -j DNAT --to-destination 10.1.0.3:8080',
  );
  const r = trace(svc, { dst: '10.96.0.10' });
  assert.deepEqual(r.outcomes.map(describe), [
    '0.3333 forwarded 203.0.113.7:40000 > 10.1.0.1:8080',
    '0.3333 forwarded 203.0.113.7:40000 > 10.1.0.2:8080',
    '0.3333 forwarded 203.0.113.7:40000 > 10.1.0.3:8080',
  ]);
  // Exact products of the probabilities the kernel applies (p stored as lround(p·2^31)/2^31).
  const p1 = Math.round(0.33333333349 * 2 ** 31) / 2 ** 31;
  assert.equal(p1, 715827883 / 2 ** 31);
  assert.equal(r.outcomes[0].probability, p1);
  assert.equal(r.outcomes[1].probability, (1 - p1) * 0.5);
  // kube-proxy's 0.3333333333 and iptables-save's 0.33333333349 are the same kernel probability.
  const saved = trace(svc.replace('0.33333333349', '0.3333333333'), { dst: '10.96.0.10' });
  assert.deepEqual(saved.outcomes.map((o) => o.probability), r.outcomes.map((o) => o.probability));
  assert.deepEqual(r.outcomes.map((o) => o.rulesEvaluated), [3, 4, 5]);
  // Hop probabilities: the branch's probability so far.
  assert.deepEqual(r.outcomes[2].hops.map((h) => `${h.action} ${h.chain} ${Number(h.probability.toFixed(4))}`), [
    'jump PREROUTING 1', 'jump KUBE-SVC-A 0.3333', 'dnat KUBE-SEP-3 0.3333',
  ]);
  // nth: 1/every; negated statistic: 1 − p.
  check(filter('-A FORWARD -m statistic --mode nth --every 4 --packet 0 -j DROP'), { dst: '10.1.1.1' },
    ['0.25 dropped 203.0.113.7:40000 > 10.1.1.1:80', '0.75 forwarded 203.0.113.7:40000 > 10.1.1.1:80']);
  check(filter('-A FORWARD -m statistic --mode random ! --probability 0.1 -j DROP'), { dst: '10.1.1.1' },
    ['0.9 dropped 203.0.113.7:40000 > 10.1.1.1:80', '0.1 forwarded 203.0.113.7:40000 > 10.1.1.1:80']);
  // A statistic branch combined with a false match does not fork.
  check(filter('-A FORWARD -p udp -m statistic --mode random --probability 0.5 -j DROP'), { dst: '10.1.1.1' },
    ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:80']);
});

test('MARK (--set-xmark, --set-mark, --or/--xor/--and-mark) and -m mark with masks and negation; kube-proxy masquerade', () => {
  const markCases: [string, number, number][] = [
    ['--set-xmark 0x4000/0x4000', 0, 0x4000],
    ['--set-xmark 0x1/0xffffffff', 0x4000, 0x1],
    ['--set-mark 0x2/0x3', 0x5, 0x6],
    ['--or-mark 0x4000', 0x1, 0x4001],
    ['--xor-mark 0x4000', 0x4001, 0x1],
    ['--and-mark 0xff', 0x4101, 0x1],
  ];
  for (const [op, initial, expected] of markCases) {
    const r = trace(`*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j MARK ${op}\nCOMMIT\n`, { dst: '10.1.1.1', extra: { mark: initial } });
    assert.equal(r.outcomes[0].hops[0].mark, expected, op);
  }
  const kubeProxy = nat(
    ':KUBE-MARK-MASQ - [0:0]', ':KUBE-POSTROUTING - [0:0]',
    '-A PREROUTING ! -s 10.0.0.0/8 -d 10.96.0.10 -j KUBE-MARK-MASQ',
    '-A PREROUTING -d 10.96.0.10 -j DNAT --to-destination 10.1.0.1:8080',
    '-A POSTROUTING -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
  );
  check(kubeProxy, { dst: '10.96.0.10' }, ['1 forwarded 192.168.0.2:40000 > 10.1.0.1:8080 masq snat']);
  check(kubeProxy, { src: '10.0.0.7', dst: '10.96.0.10', from: 'pod' }, ['1 forwarded 10.0.0.7:40000 > 10.1.0.1:8080']);
  // The mark is set but the packet is delivered locally, so no MASQUERADE: masqueraded (marked) without SNAT.
  const r = trace(nat(':KUBE-MARK-MASQ - [0:0]', '-A PREROUTING -j KUBE-MARK-MASQ', '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000'), { dst: '192.168.0.2' });
  assert.deepEqual(r.outcomes.map(describe), ['1 delivered 203.0.113.7:40000 > 192.168.0.2:80 masq mark=0x4000']);
  assert.equal(r.outcomes[0].sourceNatted, false);
  assert.equal(r.outcomes[0].markedForMasquerade, true);
  check(filter('-A FORWARD -m mark --mark 0x10 -j DROP'), { dst: '10.1.1.1', extra: { mark: 0x10 } }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80 mark=0x10']);
  check(filter('-A FORWARD -m mark --mark 0x10 -j DROP'), { dst: '10.1.1.1', extra: { mark: 0x11 } }, ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:80 mark=0x11']);
  check(filter('-A FORWARD -m mark ! --mark 0x10/0x10 -j DROP'), { dst: '10.1.1.1', extra: { mark: 0x11 } }, ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:80 mark=0x11']);
  check(filter('-A FORWARD -m mark ! --mark 0x10/0x10 -j DROP'), { dst: '10.1.1.1', extra: { mark: 0x1 } }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80 mark=0x1']);
  // CONNMARK save/restore and -m connmark.
  check(`*mangle\n:PREROUTING ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A PREROUTING -j CONNMARK --set-xmark 0x7/0xffffffff\n-A PREROUTING -j CONNMARK --restore-mark\n-A FORWARD -m connmark --mark 0x7 -j DROP\nCOMMIT\n`,
    { dst: '10.1.1.1' }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80 mark=0x7']);
});

test('conntrack: a new connection is NEW; DNAT/SNAT states; -m state; ctorigdst', () => {
  check(filter('-A FORWARD -m conntrack --ctstate NEW -j DROP'), { dst: '10.1.1.1' }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80']);
  check(filter('-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j DROP'), { dst: '10.1.1.1' }, ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:80']);
  check(filter('-A FORWARD -m conntrack --ctstate INVALID -j DROP'), { dst: '10.1.1.1' }, ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:80']);
  check(filter('-A FORWARD -m state --state NEW -j DROP'), { dst: '10.1.1.1' }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80']);
  // kube-proxy's KUBE-FIREWALL rule: localnet traffic that was not DNATed is dropped.
  const fw = filter('-A INPUT -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  check(fw, { dst: '127.0.0.1' }, ['1 dropped 203.0.113.7:40000 > 127.0.0.1:80']);
  check(fw + nat('-A PREROUTING -d 192.168.0.2 -j DNAT --to-destination 127.0.0.1:80'), { dst: '192.168.0.2' }, ['1 delivered 203.0.113.7:40000 > 127.0.0.1:80']);
  check(filter('-A FORWARD -m conntrack --ctstate DNAT --ctorigdst 10.96.0.10 -j DROP') + nat('-A PREROUTING -j DNAT --to-destination 10.1.0.1'),
    { dst: '10.96.0.10' }, ['1 dropped 203.0.113.7:40000 > 10.1.0.1:80']);
});

test('recent: --set records, --rcheck matches only a returning client (or the exact lists given)', () => {
  const svc = nat(
    ':KUBE-SVC-A - [0:0]', ':KUBE-SEP-1 - [0:0]', ':KUBE-SEP-2 - [0:0]',
    '-A PREROUTING -d 10.96.0.10 -j KUBE-SVC-A',
    '-A KUBE-SVC-A -m recent --name KUBE-SEP-1 --mask 255.255.255.255 --rsource --rcheck --seconds 10800 --reap -j KUBE-SEP-1',
    '-A KUBE-SVC-A -m recent --name KUBE-SEP-2 --mask 255.255.255.255 --rsource --rcheck --seconds 10800 --reap -j KUBE-SEP-2',
    '-A KUBE-SVC-A -m statistic --mode random --probability 0.5 -j KUBE-SEP-1',
    '-A KUBE-SVC-A -j KUBE-SEP-2',
    '-A KUBE-SEP-1 -p tcp -m recent --name KUBE-SEP-1 --set --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.1.0.1:80',
    '-A KUBE-SEP-2 -p tcp -m recent --name KUBE-SEP-2 --set --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.1.0.2:80',
  );
  check(svc, { dst: '10.96.0.10' }, ['0.5 forwarded 203.0.113.7:40000 > 10.1.0.1:80', '0.5 forwarded 203.0.113.7:40000 > 10.1.0.2:80']);
  check(svc, { dst: '10.96.0.10', extra: { returningClient: true } }, ['1 forwarded 203.0.113.7:40000 > 10.1.0.1:80']);
  check(svc, { dst: '10.96.0.10', extra: { returningClient: true, recentLists: ['KUBE-SEP-2'] } }, ['1 forwarded 203.0.113.7:40000 > 10.1.0.2:80']);
  // --set then --rcheck on the same packet: recorded by the walk itself.
  check(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m recent --name seen --set\n-A FORWARD -m recent --name seen --rcheck -j DROP\nCOMMIT\n`,
    { dst: '10.1.1.1' }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80']);
});

test('undecidable matches are recorded with the reason and taken as not matched; no-effect modules match', () => {
  const r = trace(filter(
    '-A FORWARD -m set --match-set blocked src -j DROP',
    '-A FORWARD -m physdev --physdev-is-bridged -j DROP',
    '-A FORWARD -m owner --uid-owner 0 -j DROP',
    '-A FORWARD -p udp -m set --match-set blocked src -j DROP',
    '-A FORWARD -m comment --comment x -m nfacct --nfacct-name c -m limit --limit 5/sec -j ACCEPT',
    '-A FORWARD -j DROP',
  ), { dst: '10.1.1.1' });
  assert.deepEqual(r.outcomes.map(describe), ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:80 unevaluated=3']);
  assert.deepEqual(r.outcomes[0].unevaluated.map((u) => `${u.line} ${u.reason}`), [
    '4 -m set --match-set blocked: no ipset listing given for this set (treated as not matched)',
    '5 -m physdev: bridge ports are not modelled (treated as not matched)',
    '6 -m owner is not simulated (treated as not matched)',
  ]);
  assert.equal(r.outcomes[0].rulesEvaluated, 5);
  // With the ipset listing, -m set is decided (single and two-dimension sets).
  const sets = { blocked: ['203.0.113.0/28'], svc: ['10.1.1.1,tcp:80'] };
  check(filter('-A FORWARD -m set --match-set blocked src -j DROP'), { dst: '10.1.1.1', extra: { ipsets: sets } }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80']);
  check(filter('-A FORWARD -m set ! --match-set blocked src -j DROP'), { dst: '10.1.1.1', extra: { ipsets: sets } }, ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:80']);
  check(filter('-A FORWARD -m set --match-set svc dst,dst -j DROP'), { dst: '10.1.1.1', extra: { ipsets: sets } }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80']);
  check(filter('-A FORWARD -m set --match-set svc dst,dst -j DROP'), { dst: '10.1.1.1', dport: 81, extra: { ipsets: sets } }, ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:81']);
  check(filter('-A FORWARD -m iprange --src-range 203.0.113.1-203.0.113.9 -j DROP'), { dst: '10.1.1.1' }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80']);
  // An unsupported terminal target is unevaluated too.
  check(filter('-A FORWARD -j NFQUEUE --queue-num 1', '-A FORWARD -j LOG --log-prefix x', '-A FORWARD -j DROP'), { dst: '10.1.1.1' },
    ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80 unevaluated=1']);
});

test('-j, -g and RETURN: goto returns to the caller of the chain that jumped; fall-through returns', () => {
  const rules = filter(chains,
    '-A FORWARD -j X',
    '-A FORWARD -d 10.9.9.9 -j DROP',
    '-A X -g Y',
    '-A X -j REJECT',
    '-A Y -d 10.1.1.1 -j RETURN',
    '-A Y -j Z',
    '-A Y -d 10.3.3.3 -j ACCEPT',
    '-A Z -m comment --comment "z drop" -d 10.2.2.2 -j DROP',
  );
  // Y returns (RETURN after a goto) to FORWARD, not to X, so X's REJECT is never reached.
  check(rules, { dst: '10.9.9.9' }, ['1 dropped 203.0.113.7:40000 > 10.9.9.9:80']);
  check(rules, { dst: '10.1.1.1' }, ['1 forwarded 203.0.113.7:40000 > 10.1.1.1:80']);
  check(rules, { dst: '10.2.2.2' }, ['1 dropped 203.0.113.7:40000 > 10.2.2.2:80 reason="z drop"']);
  const r = trace(rules, { dst: '10.3.3.3' });
  assert.deepEqual(r.outcomes[0].hops.map((h) => `${h.table} ${h.chain} ${h.action} ${h.line}`), [
    'filter FORWARD jump 7', 'filter X goto 9', 'filter Y jump 12', 'filter Y accept 13',
  ]);
  assert.equal(r.outcomes[0].hops[1].rule, '-A X -g Y');
  // A jump to a chain that does not exist is unevaluated.
  check(filter('-A FORWARD -j NOPE', '-A FORWARD -j DROP'), { dst: '10.1.1.1' }, ['1 dropped 203.0.113.7:40000 > 10.1.1.1:80 unevaluated=1']);
});

test('jump cycles end as an error outcome, never a hang', () => {
  const loop = trace(filter(chains, '-A FORWARD -j X', '-A X -j Y', '-A Y -j X'), { dst: '10.1.1.1' });
  assert.equal(loop.outcomes.length, 1);
  assert.equal(loop.outcomes[0].verdict, 'error');
  assert.match(loop.outcomes[0].reason ?? '', /nested deeper than 64.*cycle/);
  const gotoLoop = trace(filter(chains, '-A FORWARD -j X', '-A X -g Y', '-A Y -g X'), { dst: '10.1.1.1' });
  assert.equal(gotoLoop.outcomes[0].verdict, 'error');
  assert.match(gotoLoop.outcomes[0].reason ?? '', /more than 20000 jumps/);
});

test('from the node: nat OUTPUT, filter OUTPUT, nat POSTROUTING; to a local address back in over lo through filter INPUT without nat again', () => {
  const rules = nat(':KUBE-SERVICES - [0:0]',
    '-A OUTPUT -j KUBE-SERVICES',
    '-A PREROUTING -j DNAT --to-destination 10.7.7.7',
    '-A KUBE-SERVICES -d 10.96.0.10 -j DNAT --to-destination 10.1.0.1:80',
  ) + filter('-A OUTPUT -d 10.1.0.1 -j ACCEPT', '-A INPUT -p tcp --dport 22 -j REJECT');
  check(rules, { src: '192.168.0.2', dst: '10.96.0.10', from: 'node' }, ['1 sent 192.168.0.2:40000 > 10.1.0.1:80']);
  check(rules, { src: '192.168.0.2', dst: '192.168.0.2', dport: 22, from: 'node' }, ['1 rejected 192.168.0.2:40000 > 192.168.0.2:22 reason="icmp-port-unreachable"']);
  const r = trace(rules, { src: '192.168.0.2', dst: '192.168.0.2', dport: 443, from: 'node' });
  assert.deepEqual(r.outcomes.map(describe), ['1 delivered 192.168.0.2:40000 > 192.168.0.2:443']);
  assert.ok(!r.outcomes[0].hops.some((h) => h.chain === 'PREROUTING'), 'nat PREROUTING is not consulted for the looped-back packet');
});

test('requests that cannot be traced give one error outcome', () => {
  for (const [src, dst, why] of [['nope', '10.1.1.1', /source nope/], ['10.0.0.1', 'fd00::1', /different address families/]] as const) {
    const r = tracePacket(parseDump(''), { packet: { src, sport: 1, dst, dport: 1, proto: 'tcp' }, from: 'outside', localAddresses: [] });
    assert.equal(r.outcomes.length, 1);
    assert.equal(r.outcomes[0].verdict, 'error');
    assert.match(r.outcomes[0].reason ?? '', why);
  }
});

test('the per-ruleset cache (partial compile on first sight, full compile later) answers like a fresh ruleset', () => {
  const rules = nat(':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':S1 - [0:0]', ':S2 - [0:0]',
    '-A PREROUTING -j KUBE-SERVICES',
    '-A KUBE-SERVICES -m tcp -p tcp -d 10.96.0.1 --dport 80 -j S1',
    '-A KUBE-SERVICES -m udp -p udp -d 10.96.0.2 --dport 53 -j S2',
    '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    '-A KUBE-NODEPORTS -m tcp -p tcp --dport 30080 -j S1',
    '-A S1 -m statistic --mode random --probability 0.5 -j DNAT --to-destination 10.1.0.1:8080',
    '-A S1 -j DNAT --to-destination 10.1.0.2:8080',
    '-A S2 -j DNAT --to-destination 10.1.0.3:53',
  );
  const requests: Req[] = [
    { dst: '10.96.0.2', dport: 53 },
    { dst: '10.96.0.1' },
    { dst: '10.96.0.2', dport: 53, proto: 'udp' },
    { dst: '192.168.0.2', dport: 30080 },
    { dst: '10.96.0.1', dport: 81 },
    { dst: '10.96.0.1' },
  ];
  const cached = parseDump(rules);
  const prepared = parseDump(rules);
  prepareRuleset(prepared);
  for (const r of requests) {
    const fresh = tracePacket(parseDump(rules), request(r));
    assert.deepEqual(tracePacket(cached, request(r)), fresh, JSON.stringify(r));
    assert.deepEqual(tracePacket(prepared, request(r)), fresh, JSON.stringify(r));
  }
  assert.deepEqual(tracePacket(cached, request({ dst: '10.96.0.1' })).outcomes.map(describe), [
    '0.5 forwarded 203.0.113.7:40000 > 10.1.0.1:8080', '0.5 forwarded 203.0.113.7:40000 > 10.1.0.2:8080',
  ]);
  assert.deepEqual(tracePacket(cached, request({ dst: '10.96.0.2', dport: 53, proto: 'udp' })).outcomes.map(describe), ['1 forwarded 203.0.113.7:40000 > 10.1.0.3:53']);
});

test('routes: the outgoing interface (-o) and MASQUERADE source come from the route chosen after DNAT, per branch', () => {
  const rules = nat(
    '-A PREROUTING -d 198.51.100.20 -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.244.1.2:8080',
    '-A PREROUTING -d 198.51.100.20 -j DNAT --to-destination 10.244.2.2:8080',
    '-A POSTROUTING -o n2 -j MASQUERADE',
  ) + filter('-A FORWARD -o vp+ -p tcp --dport 8080 -j ACCEPT', '-A FORWARD -o n2 -j ACCEPT', '-A FORWARD -j DROP');
  const routes = [
    { destination: '10.244.1.2/32', device: 'vp1', source: '10.244.1.1' },
    { destination: '10.244.2.0/24', device: 'n2', source: '192.168.0.2' },
    { destination: 'default', device: 'ext0', source: '203.0.113.1' },
  ];
  check(rules, { dst: '198.51.100.20', extra: { routes } }, [
    '0.5 forwarded 203.0.113.7:40000 > 10.244.1.2:8080',
    '0.5 forwarded 192.168.0.2:40000 > 10.244.2.2:8080 masq snat',
  ]);
  // Without routes, -o cannot be decided: recorded and not matched (then DROP).
  const r = trace(rules, { dst: '198.51.100.20' });
  assert.deepEqual(r.outcomes.map((o) => o.verdict), ['dropped', 'dropped']);
  assert.ok(r.outcomes.every((o) => o.unevaluated.some((u) => /outgoing interface is not known/.test(u.reason))));
  // From the node: routed before OUTPUT (-o there), the longest prefix wins.
  check(filter('-A OUTPUT -o ext0 -j REJECT'), { src: '203.0.113.1', dst: '8.8.8.8', from: 'node', extra: { routes } },
    ['1 rejected 203.0.113.1:40000 > 8.8.8.8:80 reason="icmp-port-unreachable"']);
  check(filter('-A OUTPUT -o ext0 -j REJECT'), { src: '192.168.0.2', dst: '10.244.2.9', from: 'node', extra: { routes } },
    ['1 sent 192.168.0.2:40000 > 10.244.2.9:80']);
});

test('too many branches: the branches past the limit end as error outcomes, probabilities still add up to 1', () => {
  // 13 independent 50% rules in a row: 8192 paths, more than MAX_OUTCOMES (4096).
  const lines = Array.from({ length: 13 }, () => '-A FORWARD -m statistic --mode random --probability 0.5 -j MARK --xor-mark 0x1');
  const r = trace(filter(...lines), { dst: '10.1.1.1' });
  const errors = r.outcomes.filter((o) => o.verdict === 'error');
  assert.ok(errors.length > 0);
  assert.match(errors[0].reason ?? '', /more than 4096 branches/);
  assert.ok(r.outcomes.length <= 4096 + errors.length);
  assert.ok(Math.abs(r.outcomes.reduce((a, o) => a + o.probability, 0) - 1) < 1e-9);
});

test('REJECT without --reject-with: icmp-port-unreachable, or icmp6-port-unreachable for IPv6 (as ip6tables-save prints it)', () => {
  const rules = filter('-A FORWARD -j REJECT');
  check(rules, { dst: '10.1.1.1' }, ['1 rejected 203.0.113.7:40000 > 10.1.1.1:80 reason="icmp-port-unreachable"']);
  check(rules, { src: '2001:db8::9', dst: 'fd00::10' }, ['1 rejected [2001:db8::9]:40000 > [fd00::10]:80 reason="icmp6-port-unreachable"']);
});

test('conntrack tuple fields: original tuple as the packet arrived, reply tuple the inverse after NAT', () => {
  const dnat = nat('-A PREROUTING -j DNAT --to-destination 10.1.0.1:8080');
  const cases: [string, boolean][] = [
    ['--ctorigdst 10.96.0.10', true],
    ['--ctorigdst 10.1.0.1', false],
    ['--ctorigsrc 203.0.113.0/24', true],
    ['--ctreplsrc 10.1.0.1', true],
    ['--ctrepldst 203.0.113.7', true],
    ['--ctorigdstport 80', true],
    ['--ctreplsrcport 8080', true],
    ['--ctrepldstport 1:1024', false],
    ['! --ctreplsrc 10.1.0.1', false],
    ['--ctdir ORIGINAL', true],
    ['--ctdir REPLY', false],
    ['--ctstatus CONFIRMED', false],
  ];
  for (const [m, drops] of cases) {
    const r = trace(filter(`-A FORWARD -m conntrack ${m} -j DROP`) + dnat, { dst: '10.96.0.10' });
    assert.deepEqual(r.outcomes.map((o) => o.verdict), [drops ? 'dropped' : 'forwarded'], m);
  }
});

test('each outcome says how it was routed after nat: local or not, and the outgoing interface when known', () => {
  const routes = [{ destination: '10.1.0.0/16', device: 'vp1', source: '10.1.0.254' }];
  const r = (req: Req) => trace(nat('-A PREROUTING -d 10.96.0.10 -j DNAT --to-destination 10.1.0.1'), req).outcomes.map((o) => o.routing);
  assert.deepEqual(r({ dst: '10.96.0.10', extra: { routes } }), [{ local: false, outInterface: 'vp1' }]);
  assert.deepEqual(r({ dst: '192.168.0.2' }), [{ local: true }]);
  assert.deepEqual(r({ src: '192.168.0.2', dst: '192.168.0.2', from: 'node' }), [{ local: true, outInterface: 'lo' }]);
  // A branch that ends before routing (dropped in raw) has none.
  const dropped = trace('*raw\n:PREROUTING DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -p udp -j ACCEPT\nCOMMIT\n', { dst: '10.1.1.1' });
  assert.equal(dropped.outcomes[0].verdict, 'dropped');
  assert.equal(dropped.outcomes[0].routing, undefined);
});
