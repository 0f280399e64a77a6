// Golden: `kpp explain` (text and JSON) on a drifted dump of examples/nginx in test/fixtures/drift/.
// UPDATE_GOLDEN=1 rewrites the goldens on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kpp, repo } from './runKpp';

const root = join(repo, 'test', 'fixtures', 'drift');

function check(file: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    writeFileSync(file, actual);
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`wrote the missing golden ${file}; check it and run again`);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${file} (UPDATE_GOLDEN=1 rewrites it)`);
}

for (const name of readdirSync(root).sort()) {
  const dir = join(root, name);
  const dump = readdirSync(dir).find((f) => f.startsWith('iptables-save-'));
  if (!dump) continue;
  const manifests = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { manifests: string[]; exitCode: number };
  test(`kpp explain golden: ${name}`, async () => {
    const rel = join('test', 'fixtures', 'drift', name, dump);
    const text = await kpp('explain', rel, ...manifests.manifests);
    assert.equal(text.code, manifests.exitCode, text.stderr);
    check(join(dir, 'explain.txt'), text.stdout);
    const json = await kpp('explain', rel, ...manifests.manifests, '--format', 'json');
    check(join(dir, 'explain.json'), json.stdout);
  });
}
