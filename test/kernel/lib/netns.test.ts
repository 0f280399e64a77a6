import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNetns, kernelTestsSkipped, missingKernelPrerequisites, netnsExists, withNetns } from './netns';

const missing = missingKernelPrerequisites();
const skip = kernelTestsSkipped() ? 'KPP_SKIP_KERNEL=1' : false;

test('netns helper: prerequisites', { skip }, () => {
  assert.equal(missing, undefined, missing);
});

test('netns helper: runs a command with stdin inside a fresh namespace and deletes it', { skip: skip || !!missing }, async () => {
  let name = '';
  const out = await withNetns('helper', (ns) => {
    name = ns.name;
    assert.ok(netnsExists(name));
    const r = ns.execOk(['cat'], { input: 'hello\n' });
    const links = ns.execOk(['ip', '-o', 'link', 'show']).stdout;
    // A fresh namespace has only loopback.
    assert.deepEqual(links.trim().split('\n').map((l) => l.split(': ')[1]), ['lo']);
    return r.stdout;
  });
  assert.equal(out, 'hello\n');
  assert.equal(netnsExists(name), false);
});

test('netns helper: deletes the namespace when the body throws', { skip: skip || !!missing }, async () => {
  let name = '';
  await assert.rejects(withNetns('helper', (ns) => {
    name = ns.name;
    throw new Error('boom');
  }), /boom/);
  assert.ok(name !== '');
  assert.equal(netnsExists(name), false);
});

test('netns helper: names are unique', { skip: skip || !!missing }, () => {
  const a = createNetns('u');
  const b = createNetns('u');
  try {
    assert.notEqual(a.name, b.name);
    assert.equal(a.exec(['false']).status, 1);
  } finally {
    a.delete();
    b.delete();
  }
  assert.equal(netnsExists(a.name), false);
});
