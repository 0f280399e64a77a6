import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferTable } from '../../../server/src/core/iptables/inferTable';
import { parseDump } from '../../../server/src/core/iptables/parseDump';

const cases: [string, string[], boolean, string | undefined][] = [
  ['exact filter', ['INPUT', 'FORWARD', 'OUTPUT'], false, 'filter'],
  ['exact nat', ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'], false, 'nat'],
  ['a partial nat paste with DNAT targets', ['PREROUTING'], true, 'nat'],
  ['PREROUTING alone, no hint: nat before mangle and raw', ['PREROUTING'], false, 'nat'],
  ['INPUT alone, no hint: filter', ['INPUT'], false, 'filter'],
  ['FORWARD with a DNAT hint: nat has no FORWARD, so not nat', ['FORWARD'], true, 'filter'],
  ['no built-ins, KUBE-SEP chains: nat', [], true, 'nat'],
  ['nothing at all', [], false, undefined],
];
for (const [name, builtins, natOnly, expected] of cases) {
  test(`inferTable: ${name}`, () => assert.equal(inferTable(builtins, { natOnly }), expected));
}

test('a pasted nat listing of PREROUTING and KUBE-SERVICES is read as the nat table', () => {
  const text = [
    'Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)',
    ' pkts bytes target     prot opt in     out     source               destination',
    '    0     0 KUBE-SERVICES  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes service portals */',
    '',
    'Chain KUBE-SERVICES (2 references)',
    ' pkts bytes target     prot opt in     out     source               destination',
    '    0     0 KUBE-SVC-ABCDEFGHIJKLMNOP  tcp  --  *      *       0.0.0.0/0            10.0.0.10            /* default/web cluster IP */ tcp dpt:80',
    '',
  ].join('\n');
  const r = parseDump(text);
  assert.equal(r.format, 'listing');
  assert.deepEqual(r.tables.map((t) => t.name), ['nat']);
  assert.ok(r.losses.some((l) => /inferred nat from the chains and targets it shows/.test(l)), r.losses.join(' | '));
});
