/** Unit tests for the generator's helpers: chain-name hashes, probabilities, the test sort, IPs, config. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  endpointChainName,
  formatServicePortName,
  legacyServicePortName,
  servicePortChainName,
  servicePortChainNameVariants,
} from '../../../server/src/core/kubeproxy/chainNames';
import { computeProbability, formatFixedGo } from '../../../server/src/core/kubeproxy/probability';
import { checkIPTablesRuleJumps, extractChainRules, ruleComment, sortIPTablesRules, trySortIPTablesRules } from '../../../server/src/core/kubeproxy/sortRules';
import { cidrContains, formatCIDR, joinHostPort, normalizeIP, parseCIDRSloppy, parseIPSloppy } from '../../../server/src/core/kubeproxy/ip';
import { defaultProxierConfig, formatMasqueradeMark, parseKubeProxyConfiguration } from '../../../server/src/core/kubeproxy/config';
import { corpusRoot } from './corpusLoader';

describe('chain names', () => {
  // Every value below is a chain name that appears in kube-proxy's own test expectations.
  const cases: [string, string, string][] = [
    ['KUBE-SVC-', 'ns1/svc1:p80', 'KUBE-SVC-XPGD46QRK7WJZT7O'],
    ['KUBE-SVC-', 'ns2/svc2:p80', 'KUBE-SVC-GNZBNJ2PO5MGZ6GT'],
    ['KUBE-EXT-', 'ns2/svc2:p80', 'KUBE-EXT-GNZBNJ2PO5MGZ6GT'],
    ['KUBE-SVL-', 'ns2/svc2:p80', 'KUBE-SVL-GNZBNJ2PO5MGZ6GT'],
    ['KUBE-FW-', 'ns5/svc5:p80', 'KUBE-FW-NUKIZ6OKUXPJNT4C'],
    ['KUBE-SVC-', 'ns4/svc4:p80', 'KUBE-SVC-4SW47YFZTEDKD3PK'],
  ];
  for (const [prefix, name, expected] of cases) {
    test(`${prefix} ${name}`, () => assert.equal(servicePortChainName(prefix as 'KUBE-SVC-', name, 'TCP'), expected));
  }
  test('protocol is lower-cased before hashing', () => {
    assert.equal(servicePortChainName('KUBE-SVC-', 'ns1/svc1:p80', 'tcp'), 'KUBE-SVC-XPGD46QRK7WJZT7O');
    assert.notEqual(servicePortChainName('KUBE-SVC-', 'ns1/svc1:p80', 'UDP'), 'KUBE-SVC-XPGD46QRK7WJZT7O');
  });
  const seps: [string, string, string][] = [
    ['ns1/svc1:p80', '10.180.0.1:80', 'KUBE-SEP-SXIVWICOYRO3J4NJ'],
    ['ns2/svc2:p80', '10.180.0.2:80', 'KUBE-SEP-RS4RBKLTHTF2IUXJ'],
    ['ns4/svc4:p80', '10.180.0.4:80', 'KUBE-SEP-UKSFD7AGPMPPLUHC'],
    ['ns4/svc4:p80', '10.180.0.5:80', 'KUBE-SEP-C6EBXVWJJZMIWKLZ'],
    ['ns3/svc3:p80', '10.0.3.2:80', 'KUBE-SEP-DKCFIS26GWF2WLWC'],
  ];
  for (const [name, ep, expected] of seps) {
    test(`KUBE-SEP- ${name} ${ep}`, () => assert.equal(endpointChainName(name, 'TCP', ep), expected));
  }
  test('unnamed ports: ns/name now, ns/name: before 1.6', () => {
    assert.equal(formatServicePortName('ns', 'svc', ''), 'ns/svc');
    assert.equal(formatServicePortName('ns', 'svc', 'http'), 'ns/svc:http');
    assert.equal(legacyServicePortName('ns', 'svc', ''), 'ns/svc:');
    const variants = servicePortChainNameVariants('KUBE-SVC-', 'ns', 'svc', '', 'TCP');
    assert.equal(variants.length, 2);
    assert.equal(variants[0], servicePortChainName('KUBE-SVC-', 'ns/svc', 'TCP'));
    assert.equal(variants[1], servicePortChainName('KUBE-SVC-', 'ns/svc:', 'TCP'));
    assert.notEqual(variants[0], variants[1]);
    assert.deepEqual(servicePortChainNameVariants('KUBE-SVC-', 'ns1', 'svc1', 'p80', 'TCP'), ['KUBE-SVC-XPGD46QRK7WJZT7O']);
  });
  test('names are at most 28 characters (iptables limit)', () => {
    assert.ok(servicePortChainName('KUBE-SVC-', 'a/b', 'SCTP').length <= 28);
    assert.equal(endpointChainName('a/b', 'TCP', '[fd00::1]:80').length, 25);
  });
});

describe('computeProbability', () => {
  const file = path.join(corpusRoot, 'normalisation', 'TestComputeProbability.json');
  test('kube-proxy TestComputeProbability values', { skip: existsSync(file) ? false : 'corpus not found' }, () => {
    const spec = JSON.parse(readFileSync(file, 'utf8')) as { expected: Record<string, string> };
    for (const [n, expected] of Object.entries(spec.expected)) assert.equal(computeProbability(Number(n)), expected, `n=${n}`);
  });
  test('n = 2048 rounds the exact tie to even, unlike toFixed', () => {
    assert.equal(computeProbability(2048), '0.0004882812');
    assert.equal((1 / 2048).toFixed(10), '0.0004882813');
  });
  test('strictly decreasing in n from 2 to 100000 (TestComputeProbability property)', () => {
    let prev = Number(computeProbability(2));
    for (let n = 3; n <= 100000; n++) {
      const v = Number(computeProbability(n));
      assert.ok(v < prev || (v === prev && n > 99999), `n=${n}`);
      prev = v;
    }
  });
  test('n = 1..5000: 10 decimals, within half a unit of 1/n, and equal to toFixed except at exact ties', () => {
    for (let n = 1; n <= 5000; n++) {
      const s = computeProbability(n);
      assert.match(s, /^[01]\.\d{10}$/, `n=${n}`);
      assert.ok(Math.abs(Number(s) - 1 / n) <= 0.5e-10 + 1e-16, `n=${n}`);
      const isTie = n === 2048; // the only n <= 5000 whose double 1/n ends in a 5 at the 11th decimal
      if (isTie) assert.notEqual(s, (1 / n).toFixed(10));
      else assert.equal(s, (1 / n).toFixed(10), `n=${n}`);
    }
  });
  test('formatFixedGo rounds ties to even and pads', () => {
    assert.equal(formatFixedGo(0.5, 0), '0');
    assert.equal(formatFixedGo(1.5, 0), '2');
    assert.equal(formatFixedGo(2.5, 0), '2');
    assert.equal(formatFixedGo(0.125, 2), '0.12');
    assert.equal(formatFixedGo(0.375, 2), '0.38');
    assert.equal(formatFixedGo(1, 10), '1.0000000000');
  });
});

describe('sortIPTablesRules', () => {
  const dir = path.join(corpusRoot, 'normalisation');
  const cases = existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith('TestSortIPTablesRules-')) : [];
  test('corpus has the four sort cases', { skip: existsSync(dir) ? false : 'corpus not found' }, () => assert.equal(cases.length, 4));
  for (const c of cases) {
    test(c, () => {
      const input = readFileSync(path.join(dir, c, 'input.restore'), 'utf8');
      const output = readFileSync(path.join(dir, c, 'output.restore'), 'utf8');
      assert.equal(sortIPTablesRules(input), output);
      assert.equal(sortIPTablesRules(output), output, 'idempotent');
    });
  }
  test('unparsable input comes back unchanged, with errors', () => {
    const r = trySortIPTablesRules('*nat\n:A - [0:0]\n-A B -j ACCEPT\nCOMMIT\n');
    assert.equal(r.text, '*nat\n:A - [0:0]\n-A B -j ACCEPT\nCOMMIT\n');
    assert.equal(r.errors.length, 1);
    assert.equal(trySortIPTablesRules('*nat\n:A - [0:0]\n').errors.length, 1, 'missing COMMIT');
  });
  test('comment values: quoted, bare, after -m pairs', () => {
    assert.equal(ruleComment('-A X -m comment --comment "ns1/svc1:p80 cluster IP" -j Y'), 'ns1/svc1:p80 cluster IP');
    assert.equal(ruleComment('-A X -m comment --comment ns1/svc1:p80 -j Y'), 'ns1/svc1:p80');
    assert.equal(ruleComment('-A X -j Y'), undefined);
  });
  test('extractChainRules is unsorted and empty for absent chains', () => {
    const text = '*filter\n:B - [0:0]\n:A - [0:0]\n-A B -j DROP\n-A A -j ACCEPT\n-A B -j ACCEPT\nCOMMIT\n';
    assert.equal(extractChainRules(text, 'filter', 'B'), '-A B -j DROP\n-A B -j ACCEPT\n');
    assert.equal(extractChainRules(text, 'filter', 'C'), '');
    assert.equal(extractChainRules(text, 'nat', 'B'), '');
  });
});

describe('checkIPTablesRuleJumps', () => {
  const check = (text: string, expected: string[]): void => assert.deepEqual(checkIPTablesRuleJumps(text), expected);
  test('consistent', () => check('*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n-A KUBE-SERVICES -j KUBE-SVC-A\n-A KUBE-SVC-A -j DNAT --to-destination 1.2.3.4:80\nCOMMIT\n', []));
  test('jump to an undeclared chain', () => check('*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j KUBE-SVC-A\nCOMMIT\n', ['nat: KUBE-SERVICES jumps to undeclared chain KUBE-SVC-A', 'nat: chain KUBE-SVC-A is jumped to but has no rules']));
  test('declared but never jumped to', () => check('*nat\n:KUBE-SVC-A - [0:0]\n-A KUBE-SVC-A -j ACCEPT\nCOMMIT\n', ['nat: chain KUBE-SVC-A is declared but never jumped to']));
  test('jump to a chain without rules', () => check('*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n-A KUBE-SERVICES -j KUBE-SVC-A\nCOMMIT\n', ['nat: chain KUBE-SVC-A is jumped to but has no rules']));
});

describe('IP parsing and printing (Go semantics)', () => {
  const ips: [string, string | undefined][] = [
    ['10.180.00.001', '10.180.0.1'],
    ['172.30.0.041', '172.30.0.41'],
    ['1.2.3.004', '1.2.3.4'],
    ['256.1.1.1', undefined],
    ['1.2.3', undefined],
    ['', undefined],
    ['fd00:10:180::1', 'fd00:10:180::1'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::', '::'],
    ['1::2::3', undefined],
  ];
  for (const [input, expected] of ips) test(`IP ${JSON.stringify(input)}`, () => assert.equal(normalizeIP(input), expected));
  const cidrs: [string, string | undefined][] = [
    ['203.0.113.000/025', '203.0.113.0/25'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['fd00:10::1/64', 'fd00:10::/64'],
    ['1.2.3.4/33', undefined],
    ['1.2.3.4', undefined],
  ];
  for (const [input, expected] of cidrs) test(`CIDR ${JSON.stringify(input)}`, () => {
    const c = parseCIDRSloppy(input);
    assert.equal(c ? formatCIDR(c) : undefined, expected);
  });
  test('contains, across families', () => {
    const c = parseCIDRSloppy('192.168.0.0/24')!;
    assert.ok(cidrContains(c, parseIPSloppy('192.168.0.2')!));
    assert.ok(!cidrContains(c, parseIPSloppy('192.168.1.2')!));
    assert.ok(!cidrContains(c, parseIPSloppy('::1')!));
  });
  test('joinHostPort', () => {
    assert.equal(joinHostPort('10.0.0.1', 80), '10.0.0.1:80');
    assert.equal(joinHostPort('fd00::1', 80), '[fd00::1]:80');
  });
});

describe('configuration', () => {
  test('masquerade mark as Go %#08x', () => {
    assert.equal(formatMasqueradeMark(14), '0x00004000');
    assert.equal(formatMasqueradeMark(0), '0x00000001');
    assert.equal(formatMasqueradeMark(31), '0x80000000');
  });
  test('defaults', () => {
    const d = defaultProxierConfig();
    assert.equal(d.masqueradeBit, 14);
    assert.equal(d.localhostNodePorts, true);
    assert.deepEqual(d.localDetector, { mode: 'ClusterCIDR', cidrs: [] });
  });
  const check = (obj: unknown, expectedConfig: unknown, expectedErrors: string[] = []): void => {
    const r = parseKubeProxyConfiguration(obj);
    assert.deepEqual(r.config, expectedConfig);
    assert.deepEqual(r.errors.map((e) => e.path.join('.')), expectedErrors);
  };
  const head = { apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration' };
  test('clusterCIDR (dual-stack, comma-separated)', () => check({ ...head, clusterCIDR: '10.244.0.0/16, fd00:10::/56' }, { localDetector: { mode: 'ClusterCIDR', cidrs: ['10.244.0.0/16', 'fd00:10::/56'] } }));
  test('NodeCIDR', () => check({ ...head, detectLocalMode: 'NodeCIDR', clusterCIDR: '10.0.0.0/8' }, { localDetector: { mode: 'NodeCIDR' } }));
  test('BridgeInterface', () => check({ ...head, detectLocalMode: 'BridgeInterface', detectLocal: { bridgeInterface: 'cbr0' } }, { localDetector: { mode: 'BridgeInterface', bridgeInterface: 'cbr0' } }));
  test('InterfaceNamePrefix', () => check({ ...head, detectLocalMode: 'InterfaceNamePrefix', detectLocal: { interfaceNamePrefix: 'veth' } }, { localDetector: { mode: 'InterfaceNamePrefix', interfaceNamePrefix: 'veth' } }));
  test('iptables settings, nodePortAddresses, hostnameOverride', () =>
    check(
      { ...head, iptables: { masqueradeBit: 10, masqueradeAll: true, localhostNodePorts: false }, nodePortAddresses: ['10.0.0.0/8'], hostnameOverride: ' Node-A ' },
      { nodeName: 'node-a', masqueradeBit: 10, masqueradeAll: true, localhostNodePorts: false, nodePortAddresses: ['10.0.0.0/8'] },
    ));
  test('errors are reported with their path, never thrown', () =>
    check({ ...head, detectLocalMode: 'Bogus', iptables: { masqueradeBit: 40, masqueradeAll: 'yes' }, nodePortAddresses: 'x' }, {}, ['detectLocalMode', 'iptables.masqueradeBit', 'iptables.masqueradeAll', 'nodePortAddresses']));
  test('conntrack.tcpBeLiberal and feature gates', () =>
    check(
      { ...head, conntrack: { tcpBeLiberal: true }, featureGates: { LoadBalancerIPMode: false } },
      { conntrackTCPLiberal: true, featureGates: { LoadBalancerIPMode: false, PreferSameTrafficDistribution: false } },
    ));
  test('not an object', () => assert.equal(parseKubeProxyConfiguration(null).errors.length, 1));
});
