// Remakes the dump and conntrack fixtures from the real kernel (scripts/make-dump-fixtures.sh, in
// private network namespaces that it deletes again) into a temporary folder, and checks that they
// read back into the same rules and the same connections as the committed fixtures the unit tests
// use: the fixtures stay the kernel's truth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelTestsSkipped, missingKernelPrerequisites } from '../lib/netns';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { canonicalRuleKey } from '../../../server/src/core/iptables/canonicalRule';
import { parseConntrack } from '../../../server/src/core/conntrack/parseConntrack';
import { summarizeConntrack } from '../../../server/src/core/conntrack/decodeConntrack';
import type { Ruleset } from '../../../server/src/core/iptables/model';

const ROOT = join(__dirname, '..', '..', '..');
const COMMITTED = join(ROOT, 'test', 'fixtures');
const skip = kernelTestsSkipped() ? 'KPP_SKIP_KERNEL=1' : false;

function rulesOf(rs: Ruleset, family: 'ipv4' | 'ipv6'): string[] {
  const out: string[] = [];
  for (const t of rs.tables) for (const c of t.chains) for (const r of c.rules) out.push(`${t.name} ${c.name} ${canonicalRuleKey(r, family)}`);
  return out.sort();
}

test('fixtures remade from the kernel read back like the committed ones', { skip, timeout: 300_000 }, () => {
  const missing = missingKernelPrerequisites(['iptables-legacy-save', 'iptables-nft-save', 'ip6tables-legacy-save', 'conntrack', 'nfacct', 'ping']);
  assert.equal(missing, undefined, missing);
  const out = mkdtempSync(join(tmpdir(), 'kpp-fixtures-'));
  try {
    const r = spawnSync('bash', ['scripts/make-dump-fixtures.sh'], { cwd: ROOT, env: { ...process.env, KPP_FIXTURES_OUT: out }, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, `make-dump-fixtures.sh failed:\n${r.stdout}\n${r.stderr}`);
    const dumps = readdirSync(join(COMMITTED, 'dumps')).filter((f) => !f.includes('golden'));
    assert.deepEqual(readdirSync(join(out, 'dumps')).sort(), dumps.sort());
    for (const f of dumps) {
      const family = f.startsWith('ipv6') ? 'ipv6' : 'ipv4';
      const fresh = parseDump(readFileSync(join(out, 'dumps', f), 'utf8'));
      const committed = parseDump(readFileSync(join(COMMITTED, 'dumps', f), 'utf8'));
      assert.deepEqual(fresh.errors, [], f);
      assert.deepEqual([fresh.format, fresh.flavour, fresh.family, fresh.losses.filter((l) => !l.startsWith('Counters are rounded'))],
        [committed.format, committed.flavour, committed.family, committed.losses.filter((l) => !l.startsWith('Counters are rounded'))], f);
      assert.deepEqual(rulesOf(fresh, family), rulesOf(committed, family), f);
    }
    // Connections: the same Services, entry counts, NAT and states; the endpoints that answered may
    // differ from run to run (the statistic rules pick them at random) but stay among the Service's.
    const summary = (dir: string) => summarizeConntrack(parseConntrack(readFileSync(join(dir, 'conntrack', 'overall.conntrack'), 'utf8')));
    const fresh = summary(out);
    const committed = summary(COMMITTED);
    const shape = (s: ReturnType<typeof summary>) => s.map((x) => [x.service.replace(/^(\d+\.\d+\.\d+\.\d+):\d+\/(udp|tcp)$/, (m, a, p) => (p === 'udp' ? `${a}:*/udp` : m)), x.entries, x.dnat, x.snat, x.unreplied, JSON.stringify(x.states)]).sort();
    assert.deepEqual(shape(fresh), shape(committed));
    const svc4 = fresh.find((s) => s.service === '172.30.0.44:80/tcp')!;
    for (const e of svc4.endpoints) assert.ok(['10.180.0.4:80', '10.180.0.5:80'].includes(e.endpoint), e.endpoint);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
