/**
 * `npm run bench`: every benchmark, one after another, each in its own process so one's garbage
 * does not slow the next. Benchmarks print their own numbers and goals; they are never tests.
 *   - generateRules: 10,000 Services x 3 endpoints vs `iptables-restore --test` on the same text (goal: <= 1/4)
 *   - parseDump: a ~160,000-line dump vs `iptables-restore --test` on the same file (goal: >= 3x faster)
 *   - tracePacket: one trace on that parsed dump (goal: < 5 ms)
 * The iptables-restore comparisons need root and iptables (they run in a private network namespace).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const benches = ['generateRules.bench.ts', 'parseDump.bench.ts', 'tracePacket.bench.ts'];
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, b)], { stdio: 'inherit', env: { ...process.env, KPP_BENCH_RESTORE_TEST: '1' } });
  if (r.status !== 0) {
    failed++;
    console.log(`(${b} exited with ${r.status ?? r.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
