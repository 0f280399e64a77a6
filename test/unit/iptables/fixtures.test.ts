// Parser tests on dumps captured from the real kernel (scripts/make-dump-fixtures.sh). The same
// kernel state printed by iptables-legacy-save, iptables-nft-save, -c, -S and -L must read back
// into the same rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { canonicalRuleKey } from '../../../server/src/core/iptables/canonicalRule';
import type { IpFamily, Ruleset } from '../../../server/src/core/iptables/model';

const DUMPS = join(__dirname, '..', '..', 'fixtures', 'dumps');
const CORPUS = join(__dirname, '..', '..', '..', '..', 'shared', 'kube-proxy', 'cases');
const read = (name: string): string => readFileSync(join(DUMPS, name), 'utf8');

/** table → chain → canonical rule keys. */
function keysOf(rs: Ruleset, family: IpFamily = 'ipv4'): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const t of rs.tables) {
    const chains = new Map<string, string[]>();
    for (const c of t.chains) chains.set(c.name, c.rules.map((r) => canonicalRuleKey(r, family)));
    out.set(t.name, chains);
  }
  return out;
}

/** An independent count of a save-format text: per table, chain declarations and rule lines. */
function countSaveLines(text: string): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) out.push([line.slice(1), 0, 0]);
    else if (line.startsWith(':')) out[out.length - 1][1]++;
    else if (/^(\[\d+:\d+\] )?-A /.test(line)) out[out.length - 1][2]++;
  }
  return out;
}

function shape(rs: Ruleset): [string, number, number][] {
  return rs.tables.map((t) => [t.name, t.chains.length, t.chains.reduce((a, c) => a + c.rules.length, 0)]);
}

interface SaveCase { readonly file: string; readonly flavour: 'legacy' | 'nft'; readonly family: IpFamily; readonly shape: [string, number, number][] }

const SAVE_CASES: readonly SaveCase[] = [
  { file: 'overall-legacy.save', flavour: 'legacy', family: 'ipv4', shape: [['nat', 24, 58], ['filter', 9, 21]] },
  { file: 'overall-legacy-counters.save', flavour: 'legacy', family: 'ipv4', shape: [['nat', 24, 58], ['filter', 9, 21]] },
  { file: 'overall-nft.save', flavour: 'nft', family: 'ipv4', shape: [['filter', 9, 21], ['nat', 24, 58]] },
  { file: 'overall-nft-counters.save', flavour: 'nft', family: 'ipv4', shape: [['filter', 9, 21], ['nat', 24, 58]] },
  { file: 'ipv6-legacy.save', flavour: 'legacy', family: 'ipv6', shape: [['nat', 10, 13], ['filter', 9, 14]] },
  { file: 'ipv6-nft.save', flavour: 'nft', family: 'ipv6', shape: [['filter', 9, 14], ['nat', 10, 13]] },
];

for (const c of SAVE_CASES) {
  test(`save fixture ${c.file}: format, flavour, family and shape`, () => {
    const text = read(c.file);
    const rs = parseDump(text);
    assert.deepEqual(rs.errors, []);
    assert.equal(rs.format, 'save');
    assert.equal(rs.flavour, c.flavour);
    assert.equal(rs.family, c.family);
    assert.deepEqual(rs.losses, []);
    assert.deepEqual(shape(rs), c.shape);
    assert.deepEqual(shape(rs), countSaveLines(text));
    // Every rule's text and span agree with the source line.
    const lines = text.split('\n');
    for (const t of rs.tables) {
      for (const ch of t.chains) {
        assert.equal(ch.builtin, ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'].includes(ch.name));
        assert.equal(ch.policy, ch.builtin ? 'ACCEPT' : undefined);
        for (const r of ch.rules) {
          assert.equal(text.slice(r.span.start, r.span.end), r.text);
          assert.ok(lines[r.line].endsWith(r.text));
          assert.ok(r.text.startsWith(`-A ${ch.name} `));
        }
      }
    }
  });
}

test('legacy save with -c: counters on chains and before rules', () => {
  const text = read('overall-legacy-counters.save');
  const rs = parseDump(text);
  const nat = rs.tables.find((t) => t.name === 'nat')!;
  const pre = nat.chains.find((c) => c.name === 'PREROUTING')!;
  assert.deepEqual(pre.counters, { packets: 2, bytes: 115 });
  assert.deepEqual(pre.rules[0].counters, { packets: 9, bytes: 535 });
  assert.equal(pre.rules[0].line, 26);
  assert.equal(pre.rules[0].text, '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  const svc = nat.chains.find((c) => c.name === 'KUBE-SVC-4SW47YFZTEDKD3PK')!;
  const r = svc.rules[1];
  assert.deepEqual(r.counters, { packets: 2, bytes: 120 });
  const stat = r.matches.find((m) => m.module === 'statistic')!;
  assert.deepEqual(stat.options.map((o) => [o.name, o.values]), [['--mode', ['random']], ['--probability', ['0.50000000000']]]);
  assert.equal(text.slice(stat.span.start, stat.span.end), '-m statistic --mode random --probability 0.50000000000');
  assert.equal(text.slice(r.target!.span.start, r.target!.span.end), '-j KUBE-SEP-UKSFD7AGPMPPLUHC');
});

test('the same kernel state reads back into the same rules from every format', () => {
  const reference = keysOf(parseDump(read('overall-legacy.save')));
  const others: [string, string | undefined][] = [
    ['overall-legacy-counters.save', undefined], ['overall-nft.save', undefined], ['overall-nft-counters.save', undefined],
    ['overall-nat.S.txt', 'nat'], ['overall-filter.S.txt', 'filter'],
    ['overall-nat.L.txt', 'nat'], ['overall-nat.Lx.txt', 'nat'], ['overall-filter.L.txt', 'filter'],
  ];
  for (const [file, onlyTable] of others) {
    const rs = parseDump(read(file));
    assert.deepEqual(rs.errors, [], file);
    const keys = keysOf(rs);
    const tables = onlyTable ? [onlyTable] : [...reference.keys()];
    assert.deepEqual([...keys.keys()].sort(), tables.slice().sort(), file);
    for (const t of tables) {
      const want = reference.get(t)!;
      const got = keys.get(t)!;
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${file} ${t} chains`);
      for (const [chain, rules] of want) assert.deepEqual(got.get(chain), rules, `${file} ${t}/${chain}`);
    }
  }
  const v6 = keysOf(parseDump(read('ipv6-legacy.save')), 'ipv6');
  for (const [file, onlyTable] of [['ipv6-nft.save', undefined], ['ipv6-nat.L.txt', 'nat']] as const) {
    const keys = keysOf(parseDump(read(file)), 'ipv6');
    for (const t of onlyTable ? [onlyTable] : [...v6.keys()]) {
      for (const [chain, rules] of v6.get(t)!) assert.deepEqual(keys.get(t)!.get(chain), rules, `${file} ${t}/${chain}`);
    }
  }
});

test("kube-proxy's restore input and the kernel's save of it describe the same rules", () => {
  const input = keysOf(parseDump(readFileSync(join(CORPUS, 'TestOverallIPTablesRules', 'expected.restore'), 'utf8')));
  const saved = keysOf(parseDump(read('overall-legacy.save')));
  let compared = 0;
  for (const [t, chains] of input) {
    for (const [chain, rules] of chains) {
      assert.deepEqual(saved.get(t)!.get(chain), rules, `${t}/${chain}`);
      compared += rules.length;
    }
  }
  assert.equal(compared, 65);
  const input6 = keysOf(parseDump(read('ipv6-input.restore')), 'ipv6');
  const saved6 = keysOf(parseDump(read('ipv6-legacy.save')), 'ipv6');
  for (const [t, chains] of input6) for (const [chain, rules] of chains) assert.deepEqual(saved6.get(t)!.get(chain), rules, `v6 ${t}/${chain}`);
});

test('iptables -S: one table, inferred from its built-in chains or named with *table', () => {
  const nat = parseDump(read('overall-nat.S.txt'));
  assert.equal(nat.format, 'rules');
  assert.deepEqual(shape(nat), [['nat', 24, 58]]);
  assert.deepEqual(nat.losses, ['iptables -S lists one table and does not name it; no `*table` line was given, so the table is inferred as nat from its built-in chains.']);
  const filter = parseDump(read('overall-filter.S.txt'));
  assert.deepEqual(filter.losses, ['iptables -S lists one table and does not name it; no `*table` line was given, so the table is assumed to be filter.']);
  const text = '*mangle\n' + read('overall-filter.S.txt').split('\n').filter((l) => !l.startsWith('-P')).join('\n');
  const marked = parseDump(text);
  assert.deepEqual(marked.errors, []);
  assert.deepEqual(marked.losses, []);
  assert.equal(marked.tables[0].name, 'mangle');
  const given = parseDump(read('overall-filter.S.txt'), { table: 'filter' });
  assert.deepEqual(given.losses, []);
  const inputChain = filter.tables[0].chains.find((c) => c.name === 'INPUT')!;
  assert.equal(inputChain.policy, 'ACCEPT');
  const fileText = read('overall-filter.S.txt');
  assert.equal(fileText.slice(inputChain.declSpan!.start, inputChain.declSpan!.end), '-P INPUT ACCEPT');
});

test('iptables -L: rows read back into matches and targets, with spans, and the losses listed', () => {
  const text = read('overall-nat.L.txt');
  const rs = parseDump(text);
  assert.equal(rs.format, 'listing');
  assert.equal(rs.family, 'ipv4');
  assert.deepEqual(shape(rs), [['nat', 24, 58]]);
  assert.deepEqual(rs.losses, [
    'The listing does not name its table; inferred nat from its built-in chains.',
    'The listing prints match options in a human form, without the -m module names or the exact option spellings; they were read back where unambiguous.',
    "The listing does not tell `-j` from the defaults iptables adds (e.g. recent's mask and side), and prints negation as `!` next to the value.",
    'Interfaces printed as `*` mean any interface.',
  ]);
  const nat = rs.tables[0];
  const pre = nat.chains.find((c) => c.name === 'PREROUTING')!;
  assert.equal(pre.policy, 'ACCEPT');
  assert.deepEqual(pre.counters, { packets: 2, bytes: 115 });
  assert.equal(text.slice(pre.declSpan!.start, pre.declSpan!.end), 'Chain PREROUTING (policy ACCEPT 2 packets, 115 bytes)');
  const sep = nat.chains.find((c) => c.name === 'KUBE-SEP-C6EBXVWJJZMIWKLZ')!;
  const dnat = sep.rules[1];
  assert.equal(dnat.comment, 'ns4/svc4:p80');
  assert.deepEqual(dnat.matches.map((m) => m.module), ['', 'comment', 'tcp']);
  assert.equal(dnat.target!.name, 'DNAT');
  const to = dnat.target!.options[0];
  assert.deepEqual([to.name, to.values], ['--to-destination', ['10.180.0.5:80']]);
  assert.equal(text.slice(to.span.start, to.span.end), 'to:10.180.0.5:80');
  assert.equal(text.slice(dnat.span.start, dnat.span.end), dnat.text);
  const svc = nat.chains.find((c) => c.name === 'KUBE-SVC-4SW47YFZTEDKD3PK')!;
  const masq = svc.rules[0];
  const src = masq.matches[0].options.find((o) => o.name === '-s')!;
  assert.deepEqual([src.values, src.negated, text.slice(src.span.start, src.span.end)], [['10.0.0.0/8'], true, '!10.0.0.0/8']);
  const affinity = nat.chains.find((c) => c.name === 'KUBE-SVC-NUKIZ6OKUXPJNT4C')!.rules[1];
  const recent = affinity.matches.find((m) => m.module === 'recent')!;
  assert.deepEqual(recent.options.map((o) => [o.name, o.values]), [
    ['--rcheck', []], ['--seconds', ['10800']], ['--reap', []], ['--name', ['KUBE-SEP-I77PXRDZVX7PMWMN']], ['--rsource', []], ['--mask', ['255.255.255.255']],
  ]);
  const fw = nat.chains.find((c) => c.name === 'KUBE-FW-NUKIZ6OKUXPJNT4C')!.rules[1];
  assert.equal(fw.target, undefined);
  assert.equal(fw.comment, 'other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL');
});

interface ListingCase { readonly text: string; readonly key: string; readonly losses?: readonly string[] }

function checkListing(c: ListingCase): void {
  const header = 'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n pkts bytes target     prot opt in     out     source               destination\n';
  const rs = parseDump(header + c.text + '\n');
  assert.deepEqual(rs.errors, [], c.text);
  const rule = rs.tables[0].chains[0].rules[0];
  assert.equal(canonicalRuleKey(rule), c.key, c.text);
  for (const l of c.losses ?? []) assert.ok(rs.losses.includes(l), `${c.text}: missing loss ${l}; got ${rs.losses.join(' | ')}`);
}

test('listing options text reads back phrase by phrase', () => {
  checkListing({ text: '    0     0 ACCEPT     6    --  eth0   *       0.0.0.0/0            0.0.0.0/0            tcp dpt:80', key: ' -i eth0 ;  -p tcp ; -m tcp ; tcp --dport 80 ; -j ACCEPT' });
  checkListing({ text: '    0     0 ACCEPT     17   --  !eth0  *       0.0.0.0/0            0.0.0.0/0            udp spts:1000:2000', key: ' ! -i eth0 ;  -p udp ; -m udp ; udp --sport 1000:2000 ; -j ACCEPT' });
  checkListing({ text: '    0     0 X          0    --  *      *       0.0.0.0/0            0.0.0.0/0            statistic mode random probability 0.33333333349', key: '-m statistic ; statistic --mode random ; statistic --probability 0.33333333349 ; -j X' });
  checkListing({ text: '    0     0 X          0    --  *      *       0.0.0.0/0            0.0.0.0/0            statistic mode nth every 3 packet 0', key: '-m statistic ; statistic --every 3 ; statistic --mode nth ; statistic --packet 0 ; -j X' });
  checkListing({ text: '    0     0 MARK       0    --  *      *       0.0.0.0/0            0.0.0.0/0            MARK or 0x4000', key: '-j MARK --set-xmark 0x4000/0x4000' });
  checkListing({ text: '    0     0 REJECT     6    --  *      *       0.0.0.0/0            10.96.0.10           tcp dpt:53 reject-with icmp-port-unreachable', key: ' -d 10.96.0.10/32 ;  -p tcp ; -m tcp ; tcp --dport 53 ; -j REJECT --reject-with icmp-port-unreachable' });
  checkListing({ text: '    0     0 X          0    --  *      *       0.0.0.0/0            0.0.0.0/0            multiport dports 80,443 ctstate NEW', key: '-m conntrack ; -m multiport ; conntrack --ctstate NEW ; multiport --dports 80,443 ; -j X' });
  checkListing({ text: '    0     0 X          0    --  *      *       0.0.0.0/0            0.0.0.0/0            match-set KUBE-CLUSTER-IP dst,dst', key: '-m set ; set --match-set KUBE-CLUSTER-IP dst,dst ; -j X' });
  checkListing({ text: '    0     0 X          0    --  *      *       0.0.0.0/0            0.0.0.0/0            limit: avg 3/hour burst 5', key: '-m limit ; limit --limit 3/hour ; limit --limit-burst 5 ; -j X' });
  checkListing({ text: '    0     0 X          0    --  *      *       0.0.0.0/0            0.0.0.0/0            [goto] ', key: '-g X' });
  checkListing({ text: '  12K  900M X          0    --  *      *       0.0.0.0/0            0.0.0.0/0', key: '-j X', losses: ['Counters are rounded to K/M/G/T units (list with -x for exact numbers).'] });
  checkListing({
    text: '    0     0 X          0    --  *      *       0.0.0.0/0            0.0.0.0/0            owner UID match 0',
    key: '(listing) --text owner UID match 0 ; -m (listing) ; -j X',
    losses: ['Line 3: the options text `owner UID match 0` could not be read back into matches; it is kept as text.'],
  });
  const names = parseDump('Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nACCEPT     tcp  --  anywhere             anywhere             tcp dpt:http\nDROP       all  --  node1.example        anywhere\n');
  assert.deepEqual(names.errors, []);
  assert.deepEqual(names.tables[0].chains[0].rules.map((r) => canonicalRuleKey(r)), [' -p tcp ; -m tcp ; tcp --dport http ; -j ACCEPT', ' -s node1.example ; -j DROP']);
  assert.ok(names.losses.some((l) => l.startsWith('Listed without -n')), names.losses.join(' | '));
  const noV = parseDump('Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nACCEPT     0    --  10.0.0.0/8           0.0.0.0/0\n');
  assert.deepEqual(noV.errors, []);
  assert.ok(noV.losses.includes('Without -v the listing has no counters and no interfaces: `-i`/`-o` conditions are not shown at all.'));
  assert.equal(canonicalRuleKey(noV.tables[0].chains[0].rules[0]), ' -s 10.0.0.0/8 ; -j ACCEPT');
});

test('listings of several tables pasted together become several tables', () => {
  const text = read('overall-filter.L.txt') + '\n' + read('overall-nat.L.txt');
  const rs = parseDump(text);
  assert.deepEqual(rs.errors, []);
  assert.deepEqual(shape(rs), [['filter', 9, 21], ['nat', 24, 58]]);
  assert.deepEqual(rs.losses.slice(0, 2), ['The listing does not name its tables; inferred filter from its built-in chains.', 'The listing does not name its tables; inferred nat from its built-in chains.']);
  const natInput = rs.tables[1].chains.find((c) => c.name === 'INPUT')!;
  assert.deepEqual([natInput.table, natInput.builtin, rs.tables[1].chains.find((c) => c.name === 'PREROUTING')!.rules[0].table], ['nat', true, 'nat']);
  assert.equal(text.slice(rs.tables[1].span.start, rs.tables[1].span.end), 'Chain PREROUTING (policy ACCEPT 2 packets, 115 bytes)');
});

test('a built-in chain listed again starts another table', () => {
  const block = (names: string[]) => names.map((n) => `Chain ${n} (policy ACCEPT)\ntarget     prot opt source               destination\n`).join('\n');
  const rs = parseDump(block(['INPUT', 'FORWARD', 'OUTPUT']) + '\n' + block(['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']));
  // PREROUTING still fits a table with INPUT, FORWARD and OUTPUT (mangle), so the split comes at the repeated INPUT.
  assert.deepEqual(rs.tables.map((t) => t.chains.map((c) => c.name)), [['INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING'], ['INPUT', 'OUTPUT', 'POSTROUTING']]);
  const rs2 = parseDump(block(['INPUT', 'FORWARD', 'OUTPUT']) + '\n' + block(['INPUT', 'FORWARD', 'OUTPUT']));
  assert.deepEqual(rs2.tables.map((t) => t.name), ['filter', 'filter']);
  assert.deepEqual(rs2.errors.map((e) => e.message), ['A second listing of table filter']);
});

test('listing errors carry spans', () => {
  const t1 = '    0     0 ACCEPT     6    --  *      *       0.0.0.0/0\n';
  const rs1 = parseDump('Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n pkts bytes target prot opt in out source destination\n' + t1);
  assert.deepEqual(rs1.errors.map((e) => e.message), ['Truncated row: missing the destination column']);
  const rs2 = parseDump('Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n    0     0 ACCEPT     6    --  *      *       0.0.0.0/0  0.0.0.0/0\n');
  assert.deepEqual(rs2.errors.map((e) => e.message), ['Rule row before the column header']);
});
