// Data-driven: every folder of test/fixtures/manifests is a small workspace, and its
// expected.json lists the diagnostics it must produce (an empty list means: nothing to report).
import { test } from 'node:test';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, checkGolden, indexOf, loadFixture, render } from './harness';

for (const name of readdirSync(FIXTURES).sort()) {
  const dir = join(FIXTURES, name);
  if (!statSync(dir).isDirectory()) continue;
  test(`fixture ${name}`, () => {
    const files = loadFixture(dir);
    const snapshot = indexOf(files).snapshot();
    checkGolden(dir, render(files, snapshot.diagnostics()));
  });
}
