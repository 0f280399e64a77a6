/**
 * `timeIptablesRestoreTest(text)`: how long the real C tool takes just to parse and check a
 * ruleset (`iptables-restore --test`, nothing is committed), run inside a throwaway network
 * namespace so the host's rules are never touched. For comparing the generator and the parser
 * against the C tool on the very same text. Needs root and iptables; returns `undefined` timings
 * with the reason when it cannot run.
 *
 *   node --import tsx bench/restoreTest.bench.ts FILE.restore [--flavour legacy|nft] [--ipv6] [--runs N]
 *
 * With no FILE, it times generateRules, completeNodeRuleset and formatSave on 10,000 Services x 3
 * endpoints and then iptables-restore --test on the completed node. The default flavour is legacy:
 * iptables-nft-restore --test took about 450 s on that ruleset (legacy: about 6 s) on this machine.
 */
import { readFileSync } from 'node:fs';
import { generateRules } from '../server/src/core/kubeproxy/generateRules';
import { completeNodeRuleset } from '../server/src/core/save/completeNodeRuleset';
import { formatSave } from '../server/src/core/save/formatSave';
import { createNetns, missingKernelPrerequisites } from '../test/kernel/lib/netns';
import { buildBenchInput } from './generateRules.bench';

export interface RestoreTestTiming {
  /** Median wall-clock time of the runs, in milliseconds (process start to exit). */
  readonly ms?: number;
  /** Every run's time. */
  readonly runs: readonly number[];
  /** The tool's exit status of the last run (0: the text parses and checks). */
  readonly status?: number | null;
  readonly stderr: string;
  /** Why it could not run (not root, tool missing). */
  readonly unavailable?: string;
}

export interface RestoreTestOptions {
  readonly flavour?: 'legacy' | 'nft';
  readonly family?: 'ipv4' | 'ipv6';
  /** Number of timed runs (median reported). Default 3. */
  readonly runs?: number;
  /** Pass --noflush too (kube-proxy's own restores do). Default true. */
  readonly noflush?: boolean;
}

export function timeIptablesRestoreTest(text: string, opts: RestoreTestOptions = {}): RestoreTestTiming {
  const tool = `${opts.family === 'ipv6' ? 'ip6tables' : 'iptables'}-${opts.flavour ?? 'legacy'}-restore`;
  const unavailable = missingKernelPrerequisites([tool]);
  if (unavailable) return { runs: [], stderr: '', unavailable };
  const ns = createNetns('bench');
  try {
    const runs: number[] = [];
    let status: number | null = null;
    let stderr = '';
    const args = [tool, '--test', ...((opts.noflush ?? true) ? ['--noflush'] : [])];
    for (let i = 0; i < Math.max(1, opts.runs ?? 3); i++) {
      const r = ns.exec(args, { input: text, timeoutMs: 600_000 });
      runs.push(r.ms);
      status = r.status;
      stderr = r.stderr;
      if (r.status !== 0) break;
    }
    const sorted = [...runs].sort((a, b) => a - b);
    return { ms: sorted[Math.floor(sorted.length / 2)], runs, status, stderr };
  } finally {
    ns.delete();
  }
}

function main(): void {
  const argv = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const file = argv.find((a, i) => !a.startsWith('--') && !['--flavour', '--runs'].includes(argv[i - 1] ?? ''));
  const family = argv.includes('--ipv6') ? 'ipv6' : 'ipv4';
  const runs = Number(flag('--runs') ?? 3);
  // iptables-nft-restore --test is very slow on big rulesets (about 450 s for 155,000 lines here): opt in.
  const flavours = [(flag('--flavour') ?? 'legacy') as 'legacy' | 'nft'];
  let text: string;
  if (file) text = readFileSync(file, 'utf8');
  else {
    const t0 = process.hrtime.bigint();
    const out = generateRules(buildBenchInput(10000, 3));
    const t1 = process.hrtime.bigint();
    text = completeNodeRuleset(out.restore, { family });
    const t2 = process.hrtime.bigint();
    const saved = formatSave(text, 'legacy', family);
    const t3 = process.hrtime.bigint();
    const ms = (a: bigint, b: bigint): string => (Number(b - a) / 1e6).toFixed(0);
    console.log(`generateRules ${ms(t0, t1)} ms, completeNodeRuleset ${ms(t1, t2)} ms, formatSave ${ms(t2, t3)} ms (${saved.text.length} bytes, ${saved.errors.length} diagnostics)`);
  }
  console.log(`${text.split('\n').length - 1} lines, ${(text.length / 1e6).toFixed(1)} MB`);
  for (const flavour of flavours) {
    const t = timeIptablesRestoreTest(text, { flavour, family, runs });
    if (t.unavailable) console.log(`${flavour}: not run: ${t.unavailable}`);
    else console.log(`${flavour}: iptables-restore --test median ${t.ms?.toFixed(0)} ms over ${t.runs.length} run(s), exit ${t.status}${t.status ? ': ' + t.stderr.trim().slice(0, 300) : ''}`);
  }
}

if (require.main === module) main();
