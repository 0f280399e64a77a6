// Every quick fix in the fixtures and examples must actually repair what it is offered for: after
// applying its edits, the diagnostic it came with is gone and the file still parses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, applyEdits, indexOf, loadFixture } from './harness';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');
const workspaces: [string, string][] = [
  ...readdirSync(FIXTURES).sort().map((name): [string, string] => [name, join(FIXTURES, name)]),
  ['examples', EXAMPLES],
];

let fixesSeen = 0;
for (const [name, dir] of workspaces) {
  if (!statSync(dir).isDirectory()) continue;
  const files = loadFixture(dir);
  const before = indexOf(files).snapshot().diagnostics();
  before.forEach((d, i) => {
    (d.fixes ?? []).forEach((fix, j) => {
      fixesSeen++;
      test(`${name}: fix ${i}.${j} "${fix.title}" removes its ${d.code}`, () => {
        const after = indexOf(applyEdits(files, fix.edits)).snapshot().diagnostics();
        const key = (x: { uri: string; code: string; message: string }) => `${x.uri} ${x.code} ${x.message}`;
        assert.ok(!after.some((x) => key(x) === key(d)), `still reported: ${d.message}`);
        assert.ok(after.filter((x) => x.code === d.code).length < before.filter((x) => x.code === d.code).length, 'the count of this code did not drop');
        // The edit must leave valid YAML behind. (Other findings may appear: a Service that now
        // selects pods gets its target ports checked.)
        assert.deepEqual(after.filter((x) => x.code === 'yaml-syntax' && !before.some((b) => b.code === 'yaml-syntax' && b.uri === x.uri)).map((x) => x.message), []);
      });
    });
  });
}

test('the fixtures offer quick fixes at all', () => {
  assert.ok(fixesSeen >= 6, `only ${fixesSeen} fixes found`);
});
