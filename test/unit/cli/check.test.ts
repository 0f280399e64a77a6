import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../server/src/cli/kpp';
import { RULES } from '../../../server/src/core/diagnostics/rules';

const root = mkdtempSync(join(tmpdir(), 'kpp-cli-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 80}]}]
`;
write('good/deploy.yaml', DEPLOYMENT);
write('good/svc.yml', 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n');
write('good/node_modules/pkg/bad.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: hidden}\nspec: {selector: {app: nothing}}\n');
write('good/.git/bad.yaml', 'apiVersion: v1\nkind: [\n');
write('good/notes.txt', 'not a manifest: kind: [');
write('bad/svc.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector:\n    app: wbe\n  ports: [{port: 80}]\n');
write('bad/deploy.json', JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }] }] } } } }, null, 2));
write('info/svc.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: external}\nspec:\n  ports: [{port: 5432}]\n');

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: root });
  return { code, out, err };
}

test('clean workspace: exit 0, a one-line summary, node_modules and .git skipped', async () => {
  const r = await run('check', 'good');
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(r.err, '');
  assert.equal(r.out, 'No problems found (2 files checked, 2 Kubernetes objects).\n');
});

test('text: file:line:col severity code message, related locations, quick fixes and a summary', async () => {
  const r = await run('check', 'bad');
  assert.equal(r.code, 1);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0], /^bad\/svc\.yaml:6:5 warning service-selector-matches-no-pods Service "web" selects app=wbe, but no pod template in namespace "default" has all of these labels\. Closest: Deployment "web": its pod template has app=web, not app=wbe — likely a typo/);
  assert.match(lines[1], /^ {4}related bad\/deploy\.json:\d+:\d+ Deployment "web" pod template label app=web$/);
  assert.equal(lines[2], '    quick fix: Change the selector to app=web (the labels of Deployment "web")');
  assert.equal(lines.at(-1), '1 problem in 1 file: 0 errors, 1 warning, 0 information, 0 hints (2 files checked, 2 Kubernetes objects).');
});

test('text in colour for a terminal: the same words, with ANSI codes', async () => {
  let out = '';
  const code = await main(['check', 'bad'], { stdout: (t) => (out += t), stderr: () => undefined, cwd: root, color: true });
  assert.equal(code, 1);
  const ESC = String.fromCharCode(27);
  assert.ok(out.includes(`${ESC}[33mwarning${ESC}[0m`), out);
  assert.equal(out.split(ESC).map((part, i) => (i === 0 ? part : part.replace(/^\[\d+m/, ''))).join(''), (await run('check', 'bad')).out);
});

test('json: exactly the documented shape, 1-based positions', async () => {
  const r = await run('check', 'bad', '--format', 'json');
  assert.equal(r.code, 1);
  const parsed = JSON.parse(r.out) as unknown;
  assert.deepEqual(parsed, {
    diagnostics: [{
      file: 'bad/svc.yaml', line: 6, column: 5, endLine: 6, endColumn: 13, severity: 'warning', code: 'service-selector-matches-no-pods',
      message: (parsed as { diagnostics: { message: string }[] }).diagnostics[0].message,
    }],
  });
  assert.match((parsed as { diagnostics: { message: string }[] }).diagnostics[0].message, /^Service "web" selects app=wbe/);
});

test('--exit-zero: same output, exit 0', async () => {
  const normal = await run('check', 'bad');
  const r = await run('check', 'bad', '--exit-zero');
  assert.equal(r.code, 0);
  assert.equal(r.out, normal.out);
  assert.equal((await run('check', 'nope', '--exit-zero')).code, 2);
});

test('json for a clean workspace is an empty list; --format=json works too', async () => {
  const r = await run('check', '--format=json', 'good');
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out), { diagnostics: [] });
});

test('information only: exit 0', async () => {
  const r = await run('check', 'info', '-f', 'json');
  assert.equal(r.code, 0);
  const parsed = JSON.parse(r.out) as { diagnostics: { severity: string; code: string; line: number; column: number }[] };
  assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code, d.line, d.column]), [['information', 'service-has-no-endpoints-source', 3, 12]]);
});

test('sarif: 2.1.0 with the rule catalog, results with locations and related locations', async () => {
  const r = await run('check', 'bad', 'info', '--format', 'sarif');
  assert.equal(r.code, 1);
  const sarif = JSON.parse(r.out) as {
    version: string; $schema: string;
    runs: { tool: { driver: { name: string; rules: { id: string; defaultConfiguration: { level: string } }[] } }; results: {
      ruleId: string; ruleIndex: number; level: string; message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number; endLine: number; endColumn: number } } }[];
      relatedLocations?: { id: number; message: { text: string }; physicalLocation: { artifactLocation: { uri: string } } }[];
    }[] }[];
  };
  assert.equal(sarif.version, '2.1.0');
  assert.match(sarif.$schema, /sarif-2\.1\.0/);
  const run0 = sarif.runs[0];
  assert.equal(run0.tool.driver.name, 'kpp');
  for (const rule of RULES) assert.ok(run0.tool.driver.rules.some((x) => x.id === rule.code), rule.code);
  assert.deepEqual(run0.results.map((x) => [x.ruleId, x.level]), [['service-selector-matches-no-pods', 'warning'], ['service-has-no-endpoints-source', 'note']]);
  const first = run0.results[0];
  assert.equal(run0.tool.driver.rules[first.ruleIndex].id, first.ruleId);
  assert.deepEqual(first.locations[0].physicalLocation.artifactLocation.uri, 'bad/svc.yaml');
  assert.deepEqual(first.locations[0].physicalLocation.region, { startLine: 6, startColumn: 5, endLine: 6, endColumn: 13 });
  assert.equal(first.relatedLocations?.[0].physicalLocation.artifactLocation.uri, 'bad/deploy.json');
  assert.equal(run0.results[1].relatedLocations, undefined);
});

test('exit 2: unreadable path, bad options, unknown command, no command', async () => {
  const cases: [string[], RegExp][] = [
    [['check', 'does-not-exist'], /kpp check: cannot read "does-not-exist": no such file or directory/],
    [['check', '--format', 'xml', 'good'], /unknown format "xml"/],
    [['check', '--format'], /--format needs a value/],
    [['check', '--strict'], /unknown option "--strict"/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /Usage: kpp <command>/],
  ];
  for (const [args, message] of cases) {
    const r = await run(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, message, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
  }
});

test('--help and --version', async () => {
  const top = await run('--help');
  assert.equal(top.code, 0);
  assert.match(top.out, /check +Check Kubernetes manifests/);
  const help = await run('check', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: kpp check \[PATH\.\.\.\] \[--format text\|json\|sarif\] \[--exit-zero\]/);
  assert.match(help.out, /Exit status: 0 .* 1 .*\n2 on bad usage/s);
  const version = await run('--version');
  assert.match(version.out, /^\d+\.\d+\.\d+\n$/);
});

test('explicit file paths are checked whatever their extension', async () => {
  write('odd/manifest.txt', 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: none}, ports: [{port: 1}]}\n');
  const r = await run('check', 'odd/manifest.txt', '--format', 'json');
  assert.equal(r.code, 1);
  assert.equal((JSON.parse(r.out) as { diagnostics: { file: string }[] }).diagnostics[0].file, 'odd/manifest.txt');
});

test('symlink loops and dangling links are walked safely', async () => {
  write('links/svc.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: none}, ports: [{port: 1}]}\n');
  symlinkSync(join(root, 'links'), join(root, 'links', 'loop'));
  symlinkSync(join(root, 'links', 'missing.yaml'), join(root, 'links', 'dangling.yaml'));
  const r = await run('check', 'links', '--format', 'json');
  assert.equal(r.code, 1, r.err);
  assert.deepEqual((JSON.parse(r.out) as { diagnostics: { file: string }[] }).diagnostics.map((d) => d.file), ['links/svc.yaml']);
});
