// Builds the CLI bundle the way scripts/build.mjs does (same entry, esbuild, CommonJS, node20) into
// a temporary folder, then runs it as a real process: shebang-free `node cli.js`, real exit codes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const repo = join(__dirname, '..', '..', '..');
const out = mkdtempSync(join(tmpdir(), 'kpp-bundle-test-'));
after(() => rmSync(out, { recursive: true, force: true }));
const cli = join(out, 'cli.js');
buildSync({ entryPoints: [join(repo, 'server/src/cli/kpp.ts')], outfile: cli, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent' });

function kpp(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: repo, encoding: 'utf8' });
}

test('kpp check examples: finds the broken/ mistakes and nothing in the good workspaces (exit 1)', () => {
  const r = kpp('check', 'examples', '--format', 'json');
  assert.equal(r.status, 1, r.stderr);
  const { diagnostics } = JSON.parse(r.stdout) as { diagnostics: { file: string; code: string }[] };
  assert.ok(diagnostics.length >= 9);
  for (const d of diagnostics) {
    assert.match(d.file, /^examples\/broken\//);
    assert.equal(d.file, `examples/broken/${d.code}.yaml`);
  }
});

test('kpp check on the good examples: exit 0', () => {
  const r = kpp('check', 'examples/nginx', 'examples/ingress');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^No problems found \(6 files checked, \d+ Kubernetes objects\)\.\n$/);
});

test('kpp with a missing path: exit 2 and a message on stderr', () => {
  const r = kpp('check', 'examples/nope');
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /cannot read "examples\/nope"/);
});
