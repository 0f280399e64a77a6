/**
 * completeNodeRuleset, and golden files of the whole node in both save flavours for the corpus
 * dumps, one IPv6 generator case and the hand-written fixtures (golden/<name>.node.restore,
 * golden/<name>.legacy.save, golden/<name>.nft.save). The kernel suite (test/kernel/save) proves
 * the same outputs against the real iptables; these catch regressions without root.
 * `UPDATE_GOLDEN=1` rewrites the goldens on purpose: review the diff before committing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { completeNodeRuleset, formatEnsuredJump, KUBE_PROXY_JUMP_CHAINS } from '../../../server/src/core/save/completeNodeRuleset';
import { formatSave } from '../../../server/src/core/save/formatSave';
import { generateRules } from '../../../server/src/core/kubeproxy/generateRules';
import { corpusInput, corpusRoot, listCases } from '../kubeproxy/corpusLoader';

const goldenDir = path.join(__dirname, 'golden');
const fixtures = path.resolve(__dirname, '../../fixtures/restore');
const update = process.env.UPDATE_GOLDEN === '1';

function chainRules(restore: string, table: string, chain: string): string[] {
  const block = restore.split(/^\*/m).find((b) => b.startsWith(table + '\n')) ?? '';
  return block.split('\n').filter((l) => l.startsWith(`-A ${chain} `));
}

test('jump rules: kube-proxy prepends each one, so the last ensured is first in its chain', () => {
  const node = completeNodeRuleset('', { family: 'ipv4' });
  const expected: ReadonlyArray<[string, string, string[]]> = [
    ['filter', 'INPUT', [
      '-A INPUT -j KUBE-FIREWALL',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ]],
    ['filter', 'FORWARD', [
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ]],
    ['filter', 'OUTPUT', [
      '-A OUTPUT -j KUBE-FIREWALL',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    ]],
    ['nat', 'PREROUTING', ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES']],
    ['nat', 'OUTPUT', ['-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES']],
    ['nat', 'POSTROUTING', ['-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING']],
  ];
  for (const [table, chain, rules] of expected) assert.deepEqual(chainRules(node, table, chain), rules, `${table} ${chain}`);
  assert.equal(formatEnsuredJump(KUBE_PROXY_JUMP_CHAINS[2]), '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS');
});

test('declares built-in chains, the ensured chains and the canary; tables in kube-proxy\'s first-touch order', () => {
  const node = completeNodeRuleset('', { family: 'ipv6' });
  assert.deepEqual(node.split('\n').filter((l) => l.startsWith('*')), ['*mangle', '*nat', '*filter']);
  for (const decl of [':PREROUTING ACCEPT [0:0]', ':KUBE-PROXY-CANARY - [0:0]', ':KUBE-POSTROUTING - [0:0]', ':KUBE-FIREWALL - [0:0]', ':KUBE-FORWARD - [0:0]']) {
    assert.ok(node.includes(decl), decl);
  }
  const bare = completeNodeRuleset('', { family: 'ipv4', canary: false, kubeletJumpChains: false });
  assert.deepEqual(bare.split('\n').filter((l) => l.startsWith('*')), ['*filter', '*nat']);
  assert.ok(!bare.includes('KUBE-FIREWALL'));
  assert.ok(!bare.includes('CANARY'));
});

test('a built-in chain the restore data declares is flushed by it: only its own rules stay', () => {
  const restore = '*filter\n:INPUT - [0:0]\n:KUBE-X - [0:0]\n-A INPUT -j KUBE-X\nCOMMIT\n';
  const node = completeNodeRuleset(restore, { family: 'ipv4' });
  assert.deepEqual(chainRules(node, 'filter', 'INPUT'), ['-A INPUT -j KUBE-X']);
  assert.equal(chainRules(node, 'filter', 'OUTPUT').length, 3);
  assert.deepEqual(formatSave(node, 'legacy', 'ipv4').errors, []);
});

test('kube-proxy\'s own rules are kept in order, after the jumps', () => {
  const restore = '*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n-A KUBE-SERVICES -j KUBE-MARK-MASQ\nCOMMIT\n';
  const lines = completeNodeRuleset(restore, { family: 'ipv4', canary: false }).split('\n');
  const nat = lines.slice(lines.indexOf('*nat'));
  assert.deepEqual(nat.slice(nat.indexOf('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000'), nat.indexOf('COMMIT') + 1), [
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    '-A KUBE-SERVICES -j KUBE-MARK-MASQ',
    'COMMIT',
  ]);
});

function checkGolden(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (update || !existsSync(file)) {
    if (!update) assert.fail(`missing golden ${name}; run with UPDATE_GOLDEN=1 to create it`);
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

function goldenCase(name: string, restore: string, family: 'ipv4' | 'ipv6', complete: boolean): void {
  const node = complete ? completeNodeRuleset(restore, { family }) : restore;
  if (complete) checkGolden(`${name}.node.restore`, node);
  for (const flavour of ['legacy', 'nft'] as const) {
    const r = formatSave(node, flavour, family);
    assert.deepEqual(r.errors.filter((e) => e.severity === 'error'), []);
    checkGolden(`${name}.${flavour}.save`, r.text);
  }
}

describe('goldens: the whole node in both save flavours', () => {
  const corpus = ['TestOverallIPTablesRules', 'TestSyncProxyRulesRepeated-step1-initial-full-sync', 'TestBadIPs'];
  for (const c of corpus) {
    test(c, () => {
      const file = path.join(corpusRoot, 'cases', c, 'expected.restore');
      assert.ok(existsSync(file), `corpus missing: ${file}`);
      goldenCase(c, readFileSync(file, 'utf8'), 'ipv4', true);
    });
  }
  test('TestNodePorts-ipv6-localhost-nodeports-enabled (generated, ip6tables)', () => {
    const c = listCases().find((x) => x.folder === 'TestNodePorts-ipv6-localhost-nodeports-enabled');
    assert.ok(c, 'corpus case missing');
    const out = generateRules(corpusInput(c));
    assert.equal(out.ipFamily, 'IPv6');
    goldenCase(c.folder, out.restore, 'ipv6', true);
  });
  for (const f of readdirSync(fixtures).filter((x) => x.endsWith('.restore')).sort()) {
    const name = f.replace(/\.restore$/, '');
    test(`fixtures/restore/${f}`, () => goldenCase(name, readFileSync(path.join(fixtures, f), 'utf8'), name.includes('ipv6') ? 'ipv6' : 'ipv4', false));
  }
});
