/**
 * Robustness: random rulesets built from iptables words (a seeded generator, so every run is the
 * same) never make tracePacket throw or hang, and every result's probabilities add up to 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { tracePacket } from '../../../server/src/core/simulator/tracePacket';
import type { PacketOrigin, Protocol } from '../../../server/src/core/simulator/types';
import { mulberry32 } from '../../lib/prng';

const prng = mulberry32;

const MATCHES = [
  '-s 10.0.0.0/8', '! -s 10.0.0.0/8', '-d 10.96.0.10', '-d 192.168.0.2/32', '! -d 127.0.0.0/8', '-p tcp', '-p udp', '! -p tcp',
  '-i eth0', '-o vp+', '! -i lo', '-m tcp -p tcp --dport 80', '-m tcp -p tcp ! --dport 1:1024', '-m udp -p udp --sport 53',
  '-m multiport -p tcp --dports 80,443,8000:9000', '-m addrtype --dst-type LOCAL', '-m addrtype ! --src-type LOCAL',
  '-m addrtype --dst-type LOCAL --limit-iface-in', '-m statistic --mode random --probability 0.25',
  '-m statistic --mode nth --every 3 --packet 0', '-m mark --mark 0x4000/0x4000', '-m mark ! --mark 0x1',
  '-m conntrack --ctstate NEW', '-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT', '-m state --state INVALID',
  '-m recent --name A --rcheck --seconds 60 --reap', '-m recent --name A --set', '-m set --match-set S src',
  '-m comment --comment "a comment"', '-m nfacct --nfacct-name x', '-m limit --limit 5/sec', '-m physdev --physdev-is-bridged',
  '-m owner --uid-owner 0', '-m iprange --dst-range 10.96.0.1-10.96.0.20', '-f', '-d bogus', '-m tcp -p tcp --dport http',
];
const TARGETS = [
  '-j ACCEPT', '-j DROP', '-j REJECT', '-j REJECT --reject-with tcp-reset', '-j RETURN', '-j MARK --or-mark 0x4000',
  '-j MARK --set-xmark 0x1/0xffffffff', '-j DNAT --to-destination 10.1.0.1:8080', '-j DNAT --to-destination 10.1.0.1-10.1.0.5',
  '-j DNAT --to-destination [fd00::1]:80', '-j SNAT --to-source 192.168.0.2', '-j MASQUERADE', '-j MASQUERADE --to-ports 1000-2000',
  '-j REDIRECT --to-ports 15001', '-j LOG --log-prefix x', '-j NFQUEUE --queue-num 1', '-j CONNMARK --save-mark', '-j NOTRACK',
  '-j C0', '-j C1', '-j C2', '-g C1', '-g C2', '-j MISSING', '',
];
const CHAINS: Record<string, string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

function randomRuleset(rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  let text = '';
  for (const [table, builtins] of Object.entries(CHAINS)) {
    if (rnd() < 0.2) continue;
    text += `*${table}\n`;
    for (const b of builtins) text += `:${b} ${rnd() < 0.2 ? 'DROP' : 'ACCEPT'} [0:0]\n`;
    for (const c of ['C0', 'C1', 'C2']) text += `:${c} - [0:0]\n`;
    for (const chain of [...builtins, 'C0', 'C1', 'C2']) {
      const n = Math.floor(rnd() * 5);
      for (let i = 0; i < n; i++) {
        const words: string[] = [];
        const m = Math.floor(rnd() * 3);
        for (let k = 0; k < m; k++) words.push(pick(MATCHES));
        words.push(pick(TARGETS));
        text += `-A ${chain} ${words.join(' ')}`.trimEnd() + '\n';
      }
    }
    text += 'COMMIT\n';
  }
  return text;
}

test('random rulesets: tracePacket never throws, never hangs, and probabilities add up to 1', () => {
  const rnd = prng(20261128);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  let outcomes = 0;
  let unevaluated = 0;
  for (let round = 0; round < 300; round++) {
    const ruleset = parseDump(randomRuleset(rnd));
    for (let k = 0; k < 5; k++) {
      const from = pick<PacketOrigin>(['outside', 'pod', 'node']);
      const result = tracePacket(ruleset, {
        packet: { src: pick(['10.0.0.5', '203.0.113.7', '192.168.0.2', '127.0.0.1']), sport: 40000, dst: pick(['10.96.0.10', '192.168.0.2', '8.8.8.8', '127.0.0.1']), dport: pick([80, 53, 8080, 30000]), proto: pick<Protocol>(['tcp', 'udp', 'sctp']) },
        from,
        localAddresses: ['192.168.0.2', '127.0.0.1'],
        returningClient: rnd() < 0.5,
        ...(rnd() < 0.5 ? { inInterface: 'eth0', outInterface: 'vp1' } : {}),
        ...(rnd() < 0.3 ? { ipsets: { S: ['10.0.0.0/8'] } } : {}),
      });
      assert.ok(result.outcomes.length >= 1);
      const total = result.outcomes.reduce((a, o) => a + o.probability, 0);
      assert.ok(Math.abs(total - 1) < 1e-9, `probabilities add up to ${total}`);
      for (const o of result.outcomes) {
        assert.ok(['delivered', 'forwarded', 'sent', 'dropped', 'rejected', 'error'].includes(o.verdict));
        assert.ok(o.rulesEvaluated >= 0 && o.hops.length <= o.rulesEvaluated + 20);
        unevaluated += o.unevaluated.length;
      }
      outcomes += result.outcomes.length;
    }
  }
  // The generator does reach branching and undecidable rules (so the checks above mean something).
  assert.ok(outcomes > 1500, `${outcomes} outcomes`);
  assert.ok(unevaluated > 100, `${unevaluated} unevaluated rules`);
});
