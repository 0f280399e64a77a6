import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { tracePacket } from '../../../server/src/core/simulator/tracePacket';

const natOnly = `*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
-A PREROUTING -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.0.0.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.5:80
COMMIT
`;

test('a ruleset without a filter table says so on every outcome; a complete one does not', () => {
  const req = { packet: { src: '203.0.113.10', sport: 40000, dst: '10.0.0.10', dport: 80, proto: 'tcp' as const }, from: 'outside' as const, localAddresses: ['192.168.0.2'] };
  const partial = tracePacket(parseDump(natOnly), req);
  assert.equal(partial.outcomes.length, 1);
  assert.equal(partial.outcomes[0].packet.dst, '10.244.1.5');
  assert.ok(partial.outcomes[0].notes?.some((n) => /no filter table/.test(n)), JSON.stringify(partial.outcomes[0].notes));
  const complete = tracePacket(parseDump(natOnly + '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n'), req);
  assert.ok(!(complete.outcomes[0].notes ?? []).some((n) => /no (filter|nat) table/.test(n)));
});
