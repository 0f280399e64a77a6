// Which files the server reads: manifests below the folder, minus node_modules, .git and files.exclude.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { canonicalUri, createExcludeMatcher, findManifestFiles, isPathExcluded, type FilesExclude } from '../../../server/src/host/workspaceFiles';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-files-'));
  dirs.push(dir);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), 'kind: x\n');
  }
  return dir;
}

async function check(files: string[], exclude: FilesExclude | null, expected: string[]): Promise<void> {
  const dir = tree(files);
  const matcher = createExcludeMatcher(exclude);
  const found = (await findManifestFiles(dir, matcher)).map((p) => relative(dir, p).split('\\').join('/'));
  assert.deepEqual(found, expected);
  // The single-file check (used for watcher events) agrees with the walk.
  for (const f of files) assert.equal(!isPathExcluded(dir, join(dir, f), matcher) && /\.(ya?ml|json)$/i.test(f), expected.includes(f), f);
}

const ALL = ['a.yaml', 'b.yml', 'c.json', 'd.txt', 'E.YAML', 'deep/x/y.yaml', 'node_modules/m/p.yaml', 'sub/node_modules/q.yaml', '.git/config.json', 'build/out.yaml', 'charts/t.yaml', '.hidden/h.yaml'];

test('manifest files: yaml, yml and json; node_modules and .git skipped at any depth', () =>
  check(ALL, null, ['.hidden/h.yaml', 'E.YAML', 'a.yaml', 'b.yml', 'build/out.yaml', 'c.json', 'charts/t.yaml', 'deep/x/y.yaml']));

test('files.exclude globs hide folders and files; false and `when` entries do not', () =>
  check(ALL, { '**/build': true, '**/*.json': true, 'charts/**': false, '**/*.yml': { when: '$(basename).yaml' } }, ['.hidden/h.yaml', 'E.YAML', 'a.yaml', 'b.yml', 'charts/t.yaml', 'deep/x/y.yaml']));

test('files.exclude relative to the folder and with dot-folders', () =>
  check(ALL, { deep: true, '.hidden': true }, ['E.YAML', 'a.yaml', 'b.yml', 'build/out.yaml', 'c.json', 'charts/t.yaml']));

test('canonicalUri: one spelling per file whatever the client encoded', () => {
  assert.equal(canonicalUri('file:///tmp/a%40b/x.yaml'), canonicalUri('file:///tmp/a@b/x.yaml'));
  assert.equal(canonicalUri('untitled:Untitled-1'), 'untitled:Untitled-1');
});
