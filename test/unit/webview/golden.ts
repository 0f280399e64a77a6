// Golden files: compare, or rewrite on purpose with UPDATE_GOLDEN=1.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';

export const goldenDir = join(__dirname, 'golden');

export function checkGolden(file: string, actual: string): void {
  const path = join(goldenDir, file);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `missing golden ${file}: run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${file} differs from its golden (UPDATE_GOLDEN=1 rewrites it on purpose)`);
}
