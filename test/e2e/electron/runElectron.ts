// npm run test:electron: the same integration suite in a downloaded VS Code, through
// @vscode/test-electron's runTests, for machines that can download VS Code (not these: use the
// code-server run in test/e2e/codeServer.test.ts). The extension under test is the repository
// itself (extensionDevelopmentPath), built by `node scripts/build.mjs`; the suite is
// out/e2e/driver/suite/index.js (built by test/e2e/build.mjs), whose run() rejects on failure.
// The workspace is a temporary copy of examples/, like the code-server run.
import { runTests } from '@vscode/test-electron';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

async function main(): Promise<void> {
  const repoRoot = resolve(__dirname, '../..');
  const temp = mkdtempSync(join(tmpdir(), 'kpp-electron-'));
  const workspace = join(temp, 'examples');
  cpSync(join(repoRoot, 'examples'), workspace, { recursive: true });
  try {
    await runTests({
      version: process.env.KPP_VSCODE_VERSION || 'stable',
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: join(repoRoot, 'out/e2e/driver/suite/index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(temp, 'user-data')],
    });
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error('test:electron failed:', e instanceof Error ? e.message : e);
  process.exit(1);
});
