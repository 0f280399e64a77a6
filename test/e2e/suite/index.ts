// Runs the editor integration suite (every *.e2e.js next to this file, mocha tdd UI) inside the
// extension host and reports each test. Two callers: the test-driver extension under code-server
// (runSuite, results written to a file) and @vscode/test-electron (run, which rejects on failure).
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface TestRecord {
  readonly title: string; // the full title: suite titles and the test title joined by spaces
  readonly path: readonly string[];
  readonly state: 'passed' | 'failed' | 'pending';
  readonly durationMs: number;
  readonly error?: { readonly message: string; readonly stack?: string };
}

export function runSuite(options: { grep?: string } = {}): Promise<TestRecord[]> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  if (options.grep) mocha.grep(options.grep);
  for (const name of readdirSync(__dirname).sort()) {
    if (name.endsWith('.e2e.js')) mocha.addFile(join(__dirname, name));
  }
  const records: TestRecord[] = [];
  const pathOf = (t: Mocha.Runnable): string[] => t.titlePath();
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run(() => resolve(records));
      runner.on('pass', (t) => records.push({ title: t.fullTitle(), path: pathOf(t), state: 'passed', durationMs: t.duration ?? 0 }));
      runner.on('pending', (t) => records.push({ title: t.fullTitle(), path: pathOf(t), state: 'pending', durationMs: 0 }));
      runner.on('fail', (t, err: Error) => records.push({
        title: t.fullTitle(), path: pathOf(t), state: 'failed', durationMs: t.duration ?? 0,
        error: { message: String(err?.message ?? err), stack: err?.stack },
      }));
    } catch (e) {
      reject(e);
    }
  });
}

/** The entry point @vscode/test-electron calls (extensionTestsPath). */
export async function run(): Promise<void> {
  const records = await runSuite({ grep: process.env.KPP_E2E_GREP });
  const failed = records.filter((r) => r.state === 'failed');
  if (records.length === 0) throw new Error('the e2e suite ran no tests');
  if (failed.length > 0) throw new Error(`${failed.length} e2e test(s) failed: ${failed.map((f) => f.title).join('; ')}`);
}
