import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { explainMatch, explainTarget, statisticShares } from '../../../server/src/core/iptables/explain';
import { readMarkOperation } from '../../../server/src/core/iptables/canonicalRule';
import type { Rule } from '../../../server/src/core/iptables/model';

function ruleOf(spec: string): Rule {
  const rs = parseDump(`*nat\n:X - [0:0]\n-A X ${spec}\nCOMMIT\n`);
  assert.deepEqual(rs.errors, [], spec);
  return rs.tables[0].chains[0].rules[0];
}

function checkTarget(spec: string, expected: string): void {
  const t = ruleOf(spec).target!;
  assert.equal(explainTarget(t.name, t.options, t.kind), expected, spec);
}

function checkMatch(spec: string, module: string, expected: string, reach?: number): void {
  const m = ruleOf(spec).matches.find((x) => x.module === module)!;
  assert.equal(explainMatch(m.module, m.options, reach), expected, spec);
}

test('explainTarget: verdicts, NAT, MARK with the masquerade bit, kube-proxy chains', () => {
  checkTarget('-j ACCEPT', 'Accepts the packet: no further rule of this table is evaluated for it, and it goes on to the next table or hook.');
  checkTarget('-j DROP', 'Drops the packet silently: nothing is sent back, so the client waits until it times out.');
  checkTarget('-j REJECT', 'Rejects the packet: it is dropped and the sender gets an ICMP port-unreachable error (the default), so the connection fails at once ("connection refused").');
  checkTarget('-j REJECT --reject-with tcp-reset', 'Rejects the packet: it is dropped and the sender gets a TCP reset (RST), so the connection fails at once ("connection refused").');
  checkTarget('-j REJECT --reject-with icmp-host-unreachable', 'Rejects the packet: it is dropped and the sender gets an ICMP host unreachable error (--reject-with icmp-host-unreachable), so the connection fails at once.');
  checkTarget('-j RETURN', 'Stops this chain: evaluation continues in the calling chain after the rule that jumped here; in a built-in chain, the chain\'s policy decides.');
  checkTarget('-p tcp -j DNAT --to-destination 10.180.0.3:80', 'Rewrites the destination to 10.180.0.3:80 (destination NAT) for this packet and, through conntrack, the whole connection; replies get the original address back. It ends the nat chain for this packet.');
  checkTarget('-j SNAT --to-source 192.168.0.2', 'Rewrites the source to 192.168.0.2 (source NAT) for the whole connection; replies are translated back. It ends the nat chain for this packet.');
  checkTarget('-j MASQUERADE', 'Rewrites the source address to the address of the interface the packet leaves by (source NAT for the whole connection).');
  checkTarget('-j MASQUERADE --random-fully', 'Rewrites the source address to the address of the interface the packet leaves by (source NAT for the whole connection). --random-fully picks the source port at random for every connection, which avoids port-allocation races between connections.');
  checkTarget('-j MARK --or-mark 0x4000', 'Sets the bits 0x4000 in the packet mark (mark |= 0x4000); evaluation continues with the next rule. 0x4000 is kube-proxy\'s masquerade bit: KUBE-POSTROUTING will masquerade this packet.');
  checkTarget('-j MARK --set-xmark 0x4000/0x4000', 'Sets the bits 0x4000 in the packet mark (mark = (mark & ~0x4000) ^ 0x4000); evaluation continues with the next rule. 0x4000 is kube-proxy\'s masquerade bit: KUBE-POSTROUTING will masquerade this packet.');
  checkTarget('-j MARK --xor-mark 0x4000', 'Flips the bits 0x4000 of the packet mark (mark ^= 0x4000); evaluation continues with the next rule. kube-proxy flips the 0x4000 masquerade bit here, after testing that it is set, to clear it before MASQUERADE.');
  checkTarget('-j MARK --set-xmark 0x4000/0x0', 'Flips the bits 0x4000 of the packet mark (mark ^= 0x4000); evaluation continues with the next rule. kube-proxy flips the 0x4000 masquerade bit here, after testing that it is set, to clear it before MASQUERADE.');
  checkTarget('-j MARK --and-mark 0xffffbfff', 'Keeps only the bits 0xffffbfff of the packet mark (mark &= 0xffffbfff); evaluation continues with the next rule. This clears kube-proxy\'s 0x4000 masquerade bit.');
  checkTarget('-j MARK --set-mark 0x1', 'Sets the packet mark to 0x1; evaluation continues with the next rule. This clears kube-proxy\'s 0x4000 masquerade bit.');
  checkTarget('-j KUBE-MARK-MASQ', 'Jumps to kube-proxy\'s KUBE-MARK-MASQ chain, which sets the 0x4000 masquerade bit in the packet mark (MARK --or-mark 0x4000) and returns; evaluation continues here. In nat POSTROUTING, KUBE-POSTROUTING then masquerades the packet: its source becomes the node\'s address.');
  checkTarget('-j KUBE-SVC-XPGD46QRK7WJZT7O', 'Jumps to KUBE-SVC-XPGD46QRK7WJZT7O, a Service port\'s chain, which picks one of its endpoints (KUBE-SEP-*).');
  checkTarget('-g my-chain', 'Goes to chain my-chain without coming back: when my-chain ends or RETURNs, evaluation continues in the chain that called this one.');
  checkTarget('-j my-chain', 'Jumps to chain my-chain; if no rule there ends evaluation, it comes back here and continues with the next rule.');
});

test('readMarkOperation: every MARK spelling as (mark & ~mask) ^ value', () => {
  const op = (spec: string) => readMarkOperation(ruleOf(spec).target!.options);
  assert.deepEqual(op('-j MARK --or-mark 0x4000'), { value: 0x4000, mask: 0x4000 });
  assert.deepEqual(op('-j MARK --xor-mark 0x4000'), { value: 0x4000, mask: 0 });
  assert.deepEqual(op('-j MARK --and-mark 0xffffbfff'), { value: 0, mask: 0x4000 });
  assert.deepEqual(op('-j MARK --set-mark 0x10/0xf0'), { value: 0x10, mask: 0xf0 });
  assert.deepEqual(op('-j MARK --set-xmark 0x4000/0x0'), { value: 0x4000, mask: 0 });
  // The kernel applies mark = (mark & ~mask) ^ value: check that each form does what its name says.
  const apply = (spec: string, mark: number) => { const o = op(spec)!; return ((mark & ~o.mask) ^ o.value) >>> 0; };
  assert.equal(apply('-j MARK --or-mark 0x4000', 0x1), 0x4001);
  assert.equal(apply('-j MARK --xor-mark 0x4000', 0x4001), 0x1);
  assert.equal(apply('-j MARK --and-mark 0xffffbfff', 0x4001), 0x1);
  assert.equal(apply('-j MARK --set-mark 0x7', 0xff00), 0x7);
});

test('explainMatch: base matches, addrtype, recent, statistic, conntrack, mark and friends', () => {
  checkMatch('! -s 10.0.0.0/8 -d 172.30.0.41 -p tcp -j X', '', 'Matches when the source address is not in 10.0.0.0/8; the destination address is in 172.30.0.41; the protocol is tcp.');
  checkMatch('-m tcp -p tcp --dport 80 -j X', 'tcp', 'Matches TCP packets when the destination port is 80.');
  checkMatch('-p udp --sport 1000:2000 -j X', 'udp', 'Matches UDP packets when the source port is in 1000–2000.');
  checkMatch('-m addrtype --dst-type LOCAL -j X', 'addrtype', 'Matches when the destination address is one of this node\'s own addresses (any interface, including 127.0.0.0/8).');
  checkMatch('-m addrtype ! --src-type LOCAL -j X', 'addrtype', 'Matches when the source address is not one of this node\'s own addresses (any interface, including 127.0.0.0/8).');
  checkMatch('-m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -j X', 'recent', 'Records the packet\'s source address in the recent list KUBE-SEP-I77PXRDZVX7PMWMN with the time now, and matches. kube-proxy does this when it picks an endpoint, for session affinity.');
  checkMatch('-m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j X', 'recent', 'Matches when the packet\'s source address is in the recent list KUBE-SEP-I77PXRDZVX7PMWMN and was seen within the last 10800 seconds: a returning client, which session affinity sends to the same endpoint. --reap also forgets addresses older than 10800 seconds.');
  checkMatch('-m statistic --mode random --probability 0.33333333349 -j X', 'statistic', 'Matches 33.3% of the packets that reach this rule, at random (probability 0.33333333349).');
  checkMatch('-m statistic --mode random --probability 0.50000000000 -j X', 'statistic', 'Matches 50.0% of the packets that reach this rule, at random (probability 0.5). 66.7% of the chain\'s packets reach this rule, so it takes 33.3% of the chain\'s traffic.', 2 / 3);
  checkMatch('-m statistic --mode nth --every 3 --packet 0 -j X', 'statistic', 'Matches every 3rd packet (counter starting at 0) that reaches this rule.');
  checkMatch('-m conntrack --ctstate INVALID -j X', 'conntrack', 'Matches when the connection\'s state is one of INVALID (a packet conntrack cannot place in any connection).');
  checkMatch('-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j X', 'conntrack', 'Matches when the connection\'s state is none of RELATED (a new connection that belongs to an existing one, like an ICMP error), ESTABLISHED (a connection that has seen packets both ways), DNAT (a connection whose destination was rewritten).');
  checkMatch('-m mark --mark 0x4000/0x4000 -j X', 'mark', 'Matches when the packet mark AND 0x4000 is 0x4000. That is, kube-proxy\'s 0x4000 masquerade bit is set.');
  checkMatch('-m mark ! --mark 0x4000/0x4000 -j X', 'mark', 'Matches when the packet mark AND 0x4000 is not 0x4000. That is, kube-proxy\'s 0x4000 masquerade bit is not set.');
  checkMatch('-m comment --comment "ns1/svc1:p80 cluster IP" -j X', 'comment', 'No condition: a comment ("ns1/svc1:p80 cluster IP") kept with the rule for humans; kube-proxy names the Service port here.');
  checkMatch('-m multiport --dports 80,443 -j X', 'multiport', 'Matches when the destination port is one of 80, 443.');
  checkMatch('-m nfacct --nfacct-name localhost_nps_accepted_pkts -j X', 'nfacct', 'No condition: counts the packet in the nfacct accounting object localhost_nps_accepted_pkts (read with `nfacct list`).');
  checkMatch('-m limit --limit 5/second --limit-burst 10 -j X', 'limit', 'Matches at most 5/second on average, with bursts of up to 10; packets beyond that rate do not match.');
});

test('explainMatch: listing text that could not be read back', () => {
  const rs = parseDump('Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n pkts bytes target prot opt in out source destination\n    0     0 ACCEPT     0    --  *      *       0.0.0.0/0            0.0.0.0/0            owner UID match 0\n');
  const m = rs.tables[0].chains[0].rules[0].matches.find((x) => x.module === '(listing)')!;
  assert.equal(explainMatch(m.module, m.options), 'A condition printed by iptables -L that could not be read back (`owner UID match 0`): it is kept as text and cannot be evaluated.');
  assert.equal(explainMatch('owner', []), 'The owner match: see iptables-extensions(8) for its options.');
});

test('statisticShares: each endpoint of a kube-proxy Service chain gets an equal share', () => {
  const rs = parseDump([
    '*nat', ':KUBE-SVC-A - [0:0]',
    '-A KUBE-SVC-A -m comment --comment "ns/a cluster IP" -m tcp -p tcp -d 172.30.0.1 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
    '-A KUBE-SVC-A -m comment --comment "ns/a -> 10.0.0.1:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-1',
    '-A KUBE-SVC-A -m comment --comment "ns/a -> 10.0.0.2:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2',
    '-A KUBE-SVC-A -m comment --comment "ns/a -> 10.0.0.3:80" -j KUBE-SEP-3', 'COMMIT', '',
  ].join('\n'));
  const shares = statisticShares(rs.tables[0].chains[0]);
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  assert.deepEqual(shares.map((s) => [round(s.reach), round(s.share)]), [[1, 0], [1, 0.333333], [0.666667, 0.333333], [0.333333, 0.333333]]);
});
