// The test-driver extension: code-server cannot be started with --extensionTestsPath, so this
// extension, installed next to ours, runs the integration suite when the extension host starts and
// writes every test's title, state and error to a JSON file: $KPP_E2E_RESULTS, or results.json in
// this extension's folder.
import * as vscode from 'vscode';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestRecord } from '../suite/index';

export interface DriverResults {
  readonly vscodeVersion: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly tests: readonly TestRecord[];
  /** Set when the suite could not run at all. */
  readonly error?: string;
}

function writeResults(path: string, results: DriverResults): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(results, null, 2));
  renameSync(tmp, path); // the waiting test never sees a half-written file
}

export function activate(context: vscode.ExtensionContext): void {
  const resultsPath = process.env.KPP_E2E_RESULTS || join(context.extensionPath, 'results.json');
  const startedAt = new Date().toISOString();
  void (async () => {
    let tests: TestRecord[] = [];
    let error: string | undefined;
    try {
      // Loaded at run time: the suite files sit next to it and are required by mocha one by one.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const suite = require(join(__dirname, 'suite', 'index.js')) as typeof import('../suite/index');
      tests = await suite.runSuite({ grep: process.env.KPP_E2E_GREP });
    } catch (e) {
      error = e instanceof Error ? `${e.message}\n${e.stack}` : String(e);
    }
    writeResults(resultsPath, { vscodeVersion: vscode.version, startedAt, finishedAt: new Date().toISOString(), tests, error });
  })();
}

export function deactivate(): void {}
