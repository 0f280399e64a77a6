// The server's workspace: disk scan, editor text over disk, close falls back to disk, deletes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkspaceHost } from '../../../server/src/host/workspaceHost';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function svc(name: string): string {
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${name}}\n`;
}

async function setup(files: Record<string, string>): Promise<{ host: WorkspaceHost; dir: string; uri: (f: string) => string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-host-'));
  dirs.push(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  const host = new WorkspaceHost();
  host.setFolders([{ uri: pathToFileURL(dir).href, exclude: { '**/ignored': true } }]);
  await host.scanFolders();
  return { host, dir, uri: (f) => pathToFileURL(join(dir, f)).href };
}

function serviceNames(host: WorkspaceHost): string[] {
  return host.snapshot().services().map((s) => s.name).sort();
}

test('scan reads the folder; open text wins; closing falls back to disk', async () => {
  const { host, uri } = await setup({ 'a.yaml': svc('a'), 'ignored/b.yaml': svc('b') });
  assert.deepEqual(serviceNames(host), ['a']);
  host.setOpenDocument(uri('a.yaml'), svc('edited'), 3);
  assert.deepEqual(serviceNames(host), ['edited']);
  await host.diskFileChanged(uri('a.yaml')); // disk events do not override the editor
  assert.deepEqual(serviceNames(host), ['edited']);
  await host.scanFolders(); // nor does a rescan
  assert.deepEqual(serviceNames(host), ['edited']);
  await host.closeDocument(uri('a.yaml'));
  assert.deepEqual(serviceNames(host), ['a']);
});

test('disk changes, creations and folder deletions', async () => {
  const { host, dir, uri } = await setup({ 'a.yaml': svc('a'), 'sub/c.yaml': svc('c') });
  writeFileSync(join(dir, 'new.yaml'), svc('new'));
  await host.diskFileChanged(uri('new.yaml'));
  writeFileSync(join(dir, 'ignored.yaml'), svc('x'));
  mkdirSync(join(dir, 'ignored'));
  writeFileSync(join(dir, 'ignored', 'y.yaml'), svc('y'));
  await host.diskFileChanged(uri('ignored/y.yaml')); // excluded: not read
  assert.deepEqual(serviceNames(host), ['a', 'c', 'new']);
  host.diskFileDeleted(uri('sub'));
  assert.deepEqual(serviceNames(host), ['a', 'new']);
});

test('an untitled or outside document is indexed while open and dropped on close', async () => {
  const { host } = await setup({});
  host.setOpenDocument('untitled:Untitled-1', svc('u'), 1);
  assert.deepEqual(serviceNames(host), ['u']);
  assert.equal(host.positions('untitled:Untitled-1')?.toPosition(15).line, 1);
  await host.closeDocument('untitled:Untitled-1');
  assert.deepEqual(serviceNames(host), []);
});

test('displayPath is relative to the workspace folder', async () => {
  const { host, uri } = await setup({ 'apps/a.yaml': svc('a') });
  assert.equal(host.displayPath(uri('apps/a.yaml')), 'apps/a.yaml');
});

test('opening a file unchanged from disk neither reparses nor bumps the generation', async () => {
  const { host, uri } = await setup({ 'a.yaml': svc('a') });
  const generation = host.generation;
  const parses = host.index.stats.parses;
  host.setOpenDocument(uri('a.yaml'), svc('a'), 1);
  assert.equal(host.generation, generation);
  assert.equal(host.index.stats.parses, parses);
  assert.equal(host.isOpen(uri('a.yaml')), true);
  host.setOpenDocument(uri('a.yaml'), svc('b'), 2);
  assert.equal(host.generation, generation + 1);
  assert.equal(host.index.stats.parses, parses + 1);
});

test('a scan reports how many files it read and when it hit the limit', async () => {
  const { host } = await setup({ 'a.yaml': svc('a'), 'b.yaml': svc('b'), 'c.yaml': svc('c') });
  assert.deepEqual(await host.scanFolders(), { files: 3, truncated: false });
  assert.deepEqual(await host.scanFolders(3), { files: 3, truncated: false });
  assert.deepEqual(await host.scanFolders(2), { files: 2, truncated: true });
  assert.equal(serviceNames(host).length, 2);
});
