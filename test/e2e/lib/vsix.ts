// Where the packaged extension lives, and building it when the sources are newer than it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

export const repoRoot = resolve(__dirname, '../../..');
export const vsixPath = join(repoRoot, 'dist', 'kube-packet-path.vsix');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Runs `npm run package` unless dist/kube-packet-path.vsix is newer than everything it is made from. */
export function ensurePackagedVsix(): string {
  const inputs = ['client', 'server/src', 'syntaxes', 'images', 'media', 'docs', 'scripts/build.mjs', 'package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore'];
  const newestInput = Math.max(...inputs.map((p) => newestMtime(join(repoRoot, p))));
  if (existsSync(vsixPath) && statSync(vsixPath).mtimeMs >= newestInput) return vsixPath;
  const result = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`npm run package failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return vsixPath;
}
