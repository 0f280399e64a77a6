// The integration suite (test/e2e/suite/*.e2e.ts, mocha, public vscode API only) inside the real
// extension host: code-server with our packaged .vsix installed and the test-driver extension next
// to it. The extension host only starts when a browser opens the workbench, so Chromium opens it;
// the driver runs the suite and writes results.json; each mocha test becomes a node:test subtest.
// If code-server cannot be installed this FAILS: it never skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ensurePackagedVsix, repoRoot } from './lib/vsix';
import { buildDriver, createProfile, DRIVER_FOLDER_PREFIX, ensureCodeServer, installVsix, launchChromium, startCodeServer, waitUntil, type CodeServer } from './lib/codeServer';
import type { DriverResults } from './driver/extension';

const SUITE_TIMEOUT_MS = 3 * 60_000;

test('integration suite in code-server', { timeout: SUITE_TIMEOUT_MS + 3 * 60_000 }, async (t) => {
  const vsix = ensurePackagedVsix();
  const entry = ensureCodeServer();
  const driver = buildDriver();
  const profile = createProfile();
  const resultsPath = join(profile.root, 'results.json');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let results: DriverResults;
  try {
    const folders = installVsix(entry, profile, [vsix, driver]);
    // $KPP_E2E_RESULTS if the extension host inherits code-server's environment, else the driver's folder.
    const driverFolder = folders.find((f) => f.includes(DRIVER_FOLDER_PREFIX));
    assert.ok(driverFolder, `the test driver was not installed: ${folders.join(', ')}`);
    const fallbackResults = join(driverFolder, 'results.json');
    server = await startCodeServer(entry, profile, { KPP_E2E_RESULTS: resultsPath });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.workspaceUrl);
    const running = server;
    await waitUntil('the test driver to write results.json', () => {
      if (running.exited()) throw new Error(`code-server exited:\n${running.output()}`);
      return existsSync(resultsPath) || existsSync(fallbackResults);
    }, SUITE_TIMEOUT_MS, 500).catch(async (e: Error) => {
      mkdirSync(join(repoRoot, 'test-results', 'e2e'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-results', 'e2e', 'suite-timeout.png') }).catch(() => undefined);
      throw new Error(`${e.message}\n--- code-server output ---\n${running.output().slice(-4000)}`);
    });
    results = JSON.parse(readFileSync(existsSync(resultsPath) ? resultsPath : fallbackResults, 'utf8')) as DriverResults;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    profile.dispose();
  }

  assert.equal(results.error, undefined, `the suite could not run: ${results.error}`);
  assert.match(results.vscodeVersion, /^1\.\d+\./);
  assert.ok(results.tests.length > 0, 'the suite ran no tests');
  for (const record of results.tests) {
    const options = record.state === 'pending' ? { skip: 'pending in the mocha suite' } : {};
    await t.test(record.title, options, () => {
      if (record.state === 'failed') {
        const error = new Error(record.error?.message ?? 'failed');
        error.stack = record.error?.stack ?? error.message;
        throw error;
      }
    });
  }
});
