import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenizeRuleLine } from '../../../server/src/core/iptables/tokenize';
import { renderRuleSpec } from '../../../server/src/core/save/renderRule';
import { formatSaveRuleLine } from '../../../server/src/core/save/formatSaveRuleLine';

/** Renders one rule spec; `chains` are the user chains that exist. */
function render(spec: string, family: 'ipv4' | 'ipv6' = 'ipv4', table = 'filter', chains: readonly string[] = ['KUBE-X', 'KUBE-MARK-MASQ']) {
  return renderRuleSpec(tokenizeRuleLine(spec).tokens, { family, table, chainExists: (c) => chains.includes(c) });
}

function check(spec: string, expected: string | readonly string[], family: 'ipv4' | 'ipv6' = 'ipv4', table = 'filter'): void {
  const r = render(spec, family, table);
  assert.deepEqual(r.errors.filter((e) => e.severity === 'error'), [], spec);
  assert.deepEqual(r.specs, typeof expected === 'string' ? [expected] : expected, spec);
}

// Every expected value below is what iptables-save 1.8.9 printed for the input (legacy and nft alike).
test('the IP part moves to the front in the order -s -d -i -o -p -f', () => {
  check('-m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT',
    ' -d 172.30.0.46/32 -p tcp -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable');
  check('-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    ' ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  check('! -i eth0 ! -o eth1 ! -p tcp ! -d 1.1.1.1 -j ACCEPT', ' ! -d 1.1.1.1/32 ! -i eth0 ! -o eth1 ! -p tcp -j ACCEPT');
  check('-m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
    ' ! -s 10.0.0.0/8 -d 172.30.0.45/32 -p tcp -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ', 'ipv4', 'nat');
  check('-m addrtype --dst-type LOCAL ! -d ::1/128 -j ACCEPT', ' ! -d ::1/128 -m addrtype --dst-type LOCAL -j ACCEPT', 'ipv6');
});

test('-m tcp/-m udp: kept where written, or inserted where --dport made iptables load it', () => {
  check('-p tcp -m comment --comment x --dport 80 -j ACCEPT', ' -p tcp -m comment --comment x -m tcp --dport 80 -j ACCEPT');
  check('-m comment --comment y -p udp --destination-port 53 -j ACCEPT', ' -p udp -m comment --comment y -m udp --dport 53 -j ACCEPT');
  check('-m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80',
    ' -p tcp -m comment --comment "ns5/svc5:p80" -m recent --set --name KUBE-SEP-I77PXRDZVX7PMWMN --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.180.0.3:80', 'ipv4', 'nat');
  check('-p tcp --dport 80: -j ACCEPT', ' -p tcp -m tcp --dport 80:65535 -j ACCEPT');
  check('-p udp --dport 0:65535 -j ACCEPT', ' -p udp -m udp -j ACCEPT');
  check('-p sctp --dport 0:65535 -j ACCEPT', ' -p sctp -m sctp --dport 0:65535 -j ACCEPT');
  check('-p tcp --syn -j ACCEPT', ' -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT');
  check('-p 6 -j ACCEPT', ' -p tcp -j ACCEPT');
  check('-p all -j ACCEPT', ' -j ACCEPT');
  check('-p icmpv6 -j ACCEPT', ' -p ipv6-icmp -j ACCEPT', 'ipv6');
});

test('targets: MARK as --set-xmark, REJECT default, NAT ranges and flags', () => {
  check('-j MARK --or-mark 0x4000', ' -j MARK --set-xmark 0x4000/0x4000', 'ipv4', 'nat');
  check('-j MARK --xor-mark 0x4000', ' -j MARK --set-xmark 0x4000/0x0', 'ipv4', 'nat');
  check('-p udp -j REJECT', ' -p udp -j REJECT --reject-with icmp6-port-unreachable', 'ipv6');
  check('-j REJECT --reject-with host-prohib', ' -j REJECT --reject-with icmp-host-prohibited');
  check('-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully', ' -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully', 'ipv4', 'nat');
  check('-j MASQUERADE --random-fully --random', ' -j MASQUERADE --random --random-fully', 'ipv4', 'nat');
  check('-m tcp -p tcp -j DNAT --to-destination [FD00:10:180::1]:80', ' -p tcp -m tcp -j DNAT --to-destination [fd00:10:180::1]:80', 'ipv6', 'nat');
  check('-p tcp -j DNAT --to-destination 10.0.0.1:80 --random --persistent', ' -p tcp -j DNAT --to-destination 10.0.0.1:80 --random --persistent', 'ipv4', 'nat');
});

test('matches print their options in their own order', () => {
  check('-m recent --name foo --update --hitcount 3 --rttl --seconds 10 --mask 255.255.0.0 --rdest -j ACCEPT',
    ' -m recent --update --seconds 10 --hitcount 3 --rttl --name foo --mask 255.255.0.0 --rdest -j ACCEPT');
  check('-m recent --name x --rcheck --seconds 10800 --reap -j ACCEPT',
    ' -m recent --rcheck --seconds 10800 --reap --name x --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource -j ACCEPT', 'ipv6');
  check('-m conntrack --ctstate SNAT,DNAT,UNTRACKED,INVALID -j ACCEPT', ' -m conntrack --ctstate INVALID,UNTRACKED,SNAT,DNAT -j ACCEPT');
  check('-m statistic --mode random --probability 0.3333333333 -j KUBE-X', ' -m statistic --mode random --probability 0.33333333349 -j KUBE-X');
  check('-m statistic --mode random ! --probability 0.5 -j ACCEPT', ' -m statistic --mode random ! --probability 0.50000000000 -j ACCEPT');
  check('-m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP',
    ' -m conntrack --ctstate INVALID -m nfacct --nfacct-name  ct_state_invalid_dropped_pkts -j DROP');
  check('-m addrtype --dst-type local,broadcast --limit-iface-in -j ACCEPT', ' -m addrtype --dst-type LOCAL,BROADCAST --limit-iface-in -j ACCEPT');
  check('-p tcp -m multiport ! --sports 80,443:445 -j ACCEPT', ' -p tcp -m multiport ! --sports 80,443:445 -j ACCEPT');
  check('-m comment --comment x -m comment --comment y -j ACCEPT', ' -m comment --comment x -m comment --comment y -j ACCEPT');
});

test('-m comment quoting is xtables_save_string', () => {
  const table: ReadonlyArray<[string, string]> = [
    ['abc', 'abc'],
    ['"ns2/svc2:p80"', '"ns2/svc2:p80"'],
    ['""', '""'],
    ['"a\\"b"', '"a\\"b"'],
    ["'single'", '"\\\'single\\\'"'],
    ['"back\\\\slash"', '"back\\\\slash"'],
  ];
  for (const [input, expected] of table) check(`-m comment --comment ${input} -j ACCEPT`, ` -m comment --comment ${expected} -j ACCEPT`);
});

test('address lists expand into one rule per source/destination pair', () => {
  check('-s 1.2.3.4,5.6.7.8 -d 9.9.9.9,8.8.8.0/24 -j ACCEPT', [
    ' -s 1.2.3.4/32 -d 9.9.9.9/32 -j ACCEPT',
    ' -s 1.2.3.4/32 -d 8.8.8.0/24 -j ACCEPT',
    ' -s 5.6.7.8/32 -d 9.9.9.9/32 -j ACCEPT',
    ' -s 5.6.7.8/32 -d 8.8.8.0/24 -j ACCEPT',
  ]);
});

test('what iptables refuses is an error with the span of the culprit; unknown options pass through with a warning', () => {
  const spec = '-m comment --comment kubernetes health check service ports -j KUBE-X';
  const r = render(spec);
  const err = r.errors.find((e) => e.severity === 'error');
  assert.ok(err);
  assert.equal(err.message, "Bad argument `health'");
  assert.equal(spec.slice(err.span.start, err.span.end), 'health');

  const dnat = render('-j DNAT --to-destination 10.0.0.1:80', 'ipv4', 'nat');
  assert.match(dnat.errors[0]?.message ?? '', /Need TCP, UDP, SCTP or DCCP/);
  assert.match(render('-j NO-SUCH-CHAIN').errors[0]?.message ?? '', /Couldn't load target/);
  assert.match(render('-m statistic --mode nth --every 2 -j ACCEPT').errors[0]?.message ?? '', /also requires "--packet"/);
  assert.match(render('! -p all -j ACCEPT').errors[0]?.message ?? '', /would never match protocol/);
  assert.match(render('-m multiport --dports 80 -p tcp -j ACCEPT').errors[0]?.message ?? '', /multiport needs/);

  const passed = render('-m foo --bar 1 -j LOG --log-prefix "hi "');
  assert.deepEqual(passed.errors.map((e) => e.severity), ['warning', 'warning', 'warning', 'warning']);
  assert.deepEqual(passed.specs, [' -m foo --bar 1 -j LOG --log-prefix "hi "']);
});

test('formatSaveRuleLine: one restore line in its save form (for hovers)', () => {
  const table: ReadonlyArray<[string, string, string]> = [
    ['nat', '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "default/nginx:http -> 10.244.0.5:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-AAAA',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "default/nginx:http -> 10.244.0.5:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-AAAA'],
    ['nat', '-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000', '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000'],
    ['filter', '-I KUBE-X 1 -s 1.1.1.1,2.2.2.2 -j DROP', '-A KUBE-X -s 1.1.1.1/32 -j DROP\n-A KUBE-X -s 2.2.2.2/32 -j DROP'],
    ['nat', ':KUBE-X - [0:0]', ':KUBE-X - [0:0]'],
  ];
  for (const [t, input, expected] of table) {
    const r = formatSaveRuleLine(input, { family: 'ipv4', table: t });
    assert.deepEqual(r.errors, [], input);
    assert.equal(r.text, expected);
  }
  assert.ok(formatSaveRuleLine('-A X -j KUBE-Y', { family: 'ipv4', table: 'nat', chains: new Set(['X']) }).errors.length > 0);
});

test('iptables-nft reads negated port ranges from 0 back as the complement; legacy keeps them', () => {
  // [input, legacy, nft] as iptables-save 1.8.9 printed them.
  const table: ReadonlyArray<[string, string, string]> = [
    ['-p tcp -m tcp ! --dport 0:100 --sport 7 -j ACCEPT', ' -p tcp -m tcp --sport 7 ! --dport 0:100 -j ACCEPT', ' -p tcp -m tcp --sport 7 --dport 101:65535 -j ACCEPT'],
    ['-p udp -m udp ! --dport 0:65534 -j ACCEPT', ' -p udp -m udp ! --dport 0:65534 -j ACCEPT', ' -p udp -m udp --dport 65535 -j ACCEPT'],
    ['-p tcp -m tcp ! --dport 0:65535 -j ACCEPT', ' -p tcp -m tcp -j ACCEPT', ' -p tcp -j ACCEPT'],
    ['-p tcp -m comment --comment a ! --dport 0:65535 -j ACCEPT', ' -p tcp -m comment --comment a -m tcp -j ACCEPT', ' -p tcp -m comment --comment a -j ACCEPT'],
    ['-p tcp -m tcp ! --dport 0:65535 --sport 5 -j ACCEPT', ' -p tcp -m tcp --sport 5 -j ACCEPT', ' -p tcp -m tcp --sport 5 -j ACCEPT'],
    ['-p tcp -m tcp ! --dport 0 -j ACCEPT', ' -p tcp -m tcp ! --dport 0 -j ACCEPT', ' -p tcp -m tcp ! --dport 0 -j ACCEPT'],
    ['-p sctp -m sctp ! --dport 0:100 -j ACCEPT', ' -p sctp -m sctp ! --dport 0:100 -j ACCEPT', ' -p sctp -m sctp ! --dport 0:100 -j ACCEPT'],
  ];
  for (const [input, legacy, nft] of table) {
    for (const [flavour, expected] of [['legacy', legacy], ['nft', nft]] as const) {
      const r = renderRuleSpec(tokenizeRuleLine(input).tokens, { family: 'ipv4', flavour, table: 'filter', chainExists: () => true });
      assert.deepEqual(r.specs, [expected], `${flavour}: ${input}`);
    }
  }
});

test('getopt abbreviations: with multiport loaded, --source-port means --source-ports', () => {
  const r = render('-p tcp -m multiport --dports 80 --source-port 5 -j ACCEPT');
  assert.ok(r.errors.some((e) => e.severity === 'error'), 'iptables refuses: multiport takes one option');
  check('-p tcp -m multiport --destination-port 80,443 -j ACCEPT', ' -p tcp -m multiport --dports 80,443 -j ACCEPT');
  assert.match(render('-p tcp --dport 80 -m multiport --dpo 443 -j ACCEPT').errors[0]?.message ?? '', /ambiguous/);
});
