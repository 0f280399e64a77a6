// Golden files: what the parser reads from a kernel dump (canonical rule keys per chain) and what
// the explanations say for every rule of it. Rewrite them on purpose with UPDATE_GOLDEN=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { canonicalRuleKey } from '../../../server/src/core/iptables/canonicalRule';
import { explainMatch, explainTarget, statisticShares } from '../../../server/src/core/iptables/explain';
import { checkDump } from '../../../server/src/core/iptables/checkDump';

const DUMPS = join(__dirname, '..', '..', 'fixtures', 'dumps');

function golden(name: string, actual: string): void {
  const path = join(DUMPS, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    writeFileSync(path, actual);
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`golden file ${name} was missing and has been written; check it and run again`);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

function describeDump(file: string): string {
  const rs = parseDump(readFileSync(join(DUMPS, file), 'utf8'));
  const out: string[] = [`format=${rs.format} family=${rs.family ?? '?'} flavour=${rs.flavour ?? '?'} errors=${rs.errors.length} problems=${checkDump(rs).length}`];
  for (const l of rs.losses) out.push(`loss: ${l}`);
  for (const t of rs.tables) {
    out.push(`*${t.name}`);
    for (const c of t.chains) {
      out.push(`:${c.name} policy=${c.policy ?? '-'} counters=${c.counters ? `${c.counters.packets}:${c.counters.bytes}` : '-'} rules=${c.rules.length}`);
      for (const r of c.rules) out.push(`  ${r.line + 1}: ${canonicalRuleKey(r, rs.family)}${r.comment !== undefined ? `  # ${r.comment}` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}

test('golden: what the parser reads from the kernel dumps', () => {
  golden('overall-legacy-counters.save.golden.txt', describeDump('overall-legacy-counters.save'));
  golden('overall-nat.Lx.txt.golden.txt', describeDump('overall-nat.Lx.txt'));
  golden('ipv6-nft.save.golden.txt', describeDump('ipv6-nft.save'));
});

test('golden: the explanation of every rule of the kernel dump', () => {
  const rs = parseDump(readFileSync(join(DUMPS, 'overall-legacy.save'), 'utf8'));
  const out: string[] = [];
  for (const t of rs.tables) {
    for (const c of t.chains) {
      const shares = statisticShares(c);
      c.rules.forEach((r, i) => {
        out.push(`${t.name} ${r.text}`);
        for (const m of r.matches) out.push(`  match ${m.module || '(base)'}: ${explainMatch(m.module, m.options, m.module === 'statistic' ? shares[i].reach : undefined)}`);
        if (r.target) out.push(`  target: ${explainTarget(r.target.name, r.target.options, r.target.kind)}`);
      });
    }
  }
  golden('overall-legacy.explain.golden.txt', out.join('\n') + '\n');
});
