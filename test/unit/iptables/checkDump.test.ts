import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { checkDump } from '../../../server/src/core/iptables/checkDump';
import { buildChainIndex, findChainAt, lookupChain } from '../../../server/src/core/iptables/buildChainIndex';

const DUMPS = join(__dirname, '..', '..', 'fixtures', 'dumps');
const CORPUS = join(__dirname, '..', '..', '..', '..', 'shared', 'kube-proxy', 'cases');

/** Problems as [code, severity, text under the span]. */
function check(text: string, expected: [string, string, string][]): void {
  const problems = checkDump(parseDump(text));
  assert.deepEqual(problems.map((p) => [p.code, p.severity, text.slice(p.span.start, p.span.end)]), expected, text);
}

test('checkDump: undeclared chains, with target extensions and deleted chains told apart', () => {
  check('*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j KUBE-SVC-MISSING\n-A KUBE-SERVICES -p tcp -j DNAT --to-destination 1.2.3.4\n-A KUBE-SERVICES -j CT --notrack\nCOMMIT\n', [
    ['undeclared-chain', 'error', 'KUBE-SVC-MISSING'],
  ]);
  check('*filter\n:X - [0:0]\n-A X -j NOTAREALTARGET\n-A X -g my-chain\nCOMMIT\n', [
    ['undeclared-chain', 'warning', 'NOTAREALTARGET'],
    ['undeclared-chain', 'error', 'my-chain'],
  ]);
  check('*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-OLD - [0:0]\n-A KUBE-SERVICES -j KUBE-SVC-OLD\n-X KUBE-SVC-OLD\nCOMMIT\n', [
    ['undeclared-chain', 'error', 'KUBE-SVC-OLD'],
  ]);
});

test('checkDump: unreferenced KUBE-* chains, top-level chains exempt', () => {
  check('*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-SEP-LONELY - [0:0]\n:my-chain - [0:0]\n-A KUBE-SEP-LONELY -j KUBE-MARK-MASQ\nCOMMIT\n', [
    ['unreferenced-chain', 'warning', 'KUBE-SEP-LONELY'],
  ]);
});

test('checkDump: rules after an unconditional verdict are unreachable', () => {
  check('*filter\n:X - [0:0]\n:Y - [0:0]\n-A X -j Y\n-A X -m comment --comment "all" -j DROP\n-A X -s 1.2.3.4 -j ACCEPT\n-A X -j RETURN\n-A Y -p tcp -j ACCEPT\n-A Y -g X\n-A Y -j ACCEPT\nCOMMIT\n', [
    ['unreachable-rule', 'warning', '-A X -s 1.2.3.4 -j ACCEPT'],
    ['unreachable-rule', 'warning', '-A X -j RETURN'],
    ['unreachable-rule', 'warning', '-A Y -j ACCEPT'],
  ]);
  const problems = checkDump(parseDump('*filter\n:X - [0:0]\n-A X -j DROP\n-A X -j ACCEPT\nCOMMIT\n'));
  assert.equal(problems[0].message, 'Never evaluated: rule 1 of X (line 3) ends with DROP for every packet');
  // Conditions make a verdict conditional: nothing is flagged.
  check('*filter\n:X - [0:0]\n-A X -m mark --mark 0x4000/0x4000 -j ACCEPT\n-A X -m statistic --mode random --probability 0.5 -j DROP\n-A X -j ACCEPT\nCOMMIT\n', []);
});

test('checkDump: parse errors are problems too', () => {
  check('*filter\n:X - [0:0]\n-A X -s\nCOMMIT\n', [['parse-error', 'error', '-s']]);
});

test('checkDump: the kernel dumps and the corpus full dumps have no problems', () => {
  for (const f of ['overall-legacy.save', 'overall-nft.save', 'ipv6-legacy.save', 'overall-nat.L.txt', 'overall-nat.S.txt']) {
    assert.deepEqual(checkDump(parseDump(readFileSync(join(DUMPS, f), 'utf8'))), [], f);
  }
  // kube-proxy's own consistency check passes on these (corpus README §4.2).
  for (const c of ['TestOverallIPTablesRules', 'TestBadIPs']) {
    assert.deepEqual(checkDump(parseDump(readFileSync(join(CORPUS, c, 'expected.restore'), 'utf8'))), [], c);
  }
});

test('buildChainIndex: declarations and every -j/-g reference, with spans', () => {
  const text = readFileSync(join(DUMPS, 'overall-legacy.save'), 'utf8');
  const index = buildChainIndex(parseDump(text));
  const masq = lookupChain(index, 'nat', 'KUBE-MARK-MASQ')!;
  assert.equal(masq.declared, true);
  assert.equal(text.slice(masq.nameSpan!.start, masq.nameSpan!.end), 'KUBE-MARK-MASQ');
  assert.equal(text.slice(masq.declSpan!.start, masq.declSpan!.end), ':KUBE-MARK-MASQ - [0:0]');
  assert.equal(masq.ruleCount, 1);
  // Every "-j KUBE-MARK-MASQ" in the nat table, found independently.
  const natText = text.slice(text.indexOf('*nat'), text.indexOf('COMMIT', text.indexOf('*nat')));
  assert.equal(masq.references.length, natText.split('-j KUBE-MARK-MASQ').length - 1);
  for (const r of masq.references) assert.equal(text.slice(r.span.start, r.span.end), 'KUBE-MARK-MASQ');
  assert.ok(masq.references.every((r) => text.split('\n')[r.line].includes(`-A ${r.fromChain} `)));
  // Targets are not chains.
  assert.equal(lookupChain(index, 'nat', 'DNAT'), undefined);
  // Find the chain under a position, in a declaration or a reference.
  const ref = masq.references[0];
  assert.equal(findChainAt(index, ref.span.start + 2)?.entry.chain, 'KUBE-MARK-MASQ');
  assert.equal(findChainAt(index, ref.span.start + 2)?.reference, ref);
  assert.equal(findChainAt(index, masq.nameSpan!.start)?.entry.chain, 'KUBE-MARK-MASQ');
  const pre = lookupChain(index, 'nat', 'PREROUTING')!;
  assert.deepEqual([pre.builtin, pre.references.length, pre.ruleCount], [true, 0, 1]);
  const undeclared = buildChainIndex(parseDump('*nat\n:A - [0:0]\n-A A -j B\nCOMMIT\n'));
  assert.deepEqual(undeclared.entries.map((e) => [e.chain, e.declared, e.references.length]), [['A', true, 0], ['B', false, 1]]);
});
