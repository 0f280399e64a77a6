// Tests what ships: the .vsix that `npm run package` builds. Lists the archive and checks it against
// the allow-list, a size bound, and the manifest fields the Marketplace and VS Code rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listZipEntries, readZipEntry, type ZipEntry } from './lib/zip';
import { ensurePackagedVsix, repoRoot } from './lib/vsix';

const vsix = ensurePackagedVsix();
const zip = readFileSync(vsix);
const entries = listZipEntries(zip);
const names = entries.map((e) => e.name);
const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));

interface Manifest {
  name: string; publisher: string; main: string; icon?: string; license?: string;
  engines: Record<string, string>;
  categories?: string[]; keywords?: string[]; activationEvents?: string[];
  capabilities?: { untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string } };
  contributes?: {
    languages?: { id: string; configuration?: string }[];
    grammars?: { language: string; path: string }[];
    configuration?: { properties?: Record<string, unknown> };
  };
}
const manifest = JSON.parse(readZipEntry(zip, byName.get('extension/package.json')!).toString('utf8')) as Manifest;

// Everything the installed extension needs, and nothing else (see .vscodeignore).
const ALLOWED: readonly RegExp[] = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/,
  /^extension\/changelog\.md$/,
  /^extension\/LICENSE\.txt$/,
  /^extension\/images\/icon\.png$/,
  /^extension\/dist\/(client|server|cli|webview)\.js$/,
  /^extension\/dist\/[\w-]+\.css$/,
  /^extension\/media\/[\w./-]+$/,
  /^extension\/syntaxes\/[\w.-]+\.json$/,
  /^extension\/docs\/[\w-]+\.md$/, // linked from the README
  /^extension\/docs\/screenshots\/[\w-]+\.png$/, // shown by the README
];
const REQUIRED = [
  'extension/package.json', 'extension/readme.md', 'extension/changelog.md', 'extension/LICENSE.txt',
  'extension/images/icon.png', 'extension/dist/client.js', 'extension/dist/server.js',
  'extension/dist/cli.js', 'extension/dist/webview.js',
];
const MAX_VSIX_BYTES = 1_500_000;
const MAX_UNPACKED_BYTES = 5_000_000;

test('the .vsix holds only allow-listed files', () => {
  const unexpected = names.filter((n) => !ALLOWED.some((re) => re.test(n)));
  assert.deepEqual(unexpected, []);
});

test('the .vsix holds every file the extension needs', () => {
  const missing = REQUIRED.filter((n) => !byName.has(n));
  assert.deepEqual(missing, []);
});

test('no node_modules, sources, source maps or tests are shipped', () => {
  const leaked = names.filter((n) => /node_modules\/|\.ts$|\.map$|(^|\/)test\/|\.vsix$/.test(n));
  assert.deepEqual(leaked, []);
});

test(`the .vsix stays small (< ${MAX_VSIX_BYTES} bytes packed, < ${MAX_UNPACKED_BYTES} unpacked)`, () => {
  const packed = statSync(vsix).size;
  const unpacked = entries.reduce((sum, e) => sum + e.size, 0);
  assert.ok(packed < MAX_VSIX_BYTES, `packed size ${packed}`);
  assert.ok(unpacked < MAX_UNPACKED_BYTES, `unpacked size ${unpacked}`);
});

test('the bundles are production builds (minified, no source map reference)', () => {
  for (const name of ['extension/dist/client.js', 'extension/dist/server.js', 'extension/dist/cli.js']) {
    const text = readZipEntry(zip, byName.get(name)!).toString('utf8');
    assert.ok(!/sourceMappingURL=/.test(text), `${name} references a source map`);
    assert.ok(!/\brequire\((['"])(vscode-languageserver|vscode-languageclient|yaml)\1\)/.test(text), `${name} requires an unbundled dependency`);
  }
  const server = readZipEntry(zip, byName.get('extension/dist/server.js')!).toString('utf8');
  assert.ok(server.startsWith('#!/usr/bin/env node'), 'dist/server.js runs standalone (kpp-language-server --stdio)');
});

test('the icon is a 128×128 PNG', () => {
  assert.equal(manifest.icon, 'images/icon.png');
  const png = readZipEntry(zip, byName.get('extension/images/icon.png')!);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.toString('ascii', 12, 16), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
});

function minimumVersion(range: string): number[] {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(range);
  assert.ok(m, `not a version range: ${range}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

test('engines.vscode admits no VS Code older than vscode-languageclient needs, nor older than @types/vscode', () => {
  const client = JSON.parse(readFileSync(join(repoRoot, 'node_modules/vscode-languageclient/package.json'), 'utf8')) as Manifest;
  const types = JSON.parse(readFileSync(join(repoRoot, 'node_modules/@types/vscode/package.json'), 'utf8')) as { version: string };
  const ours = minimumVersion(manifest.engines.vscode);
  assert.ok(compareVersions(ours, minimumVersion(client.engines.vscode)) >= 0,
    `engines.vscode ${manifest.engines.vscode} < vscode-languageclient's ${client.engines.vscode}`);
  assert.ok(compareVersions(ours, minimumVersion(types.version)) >= 0,
    `engines.vscode ${manifest.engines.vscode} < @types/vscode ${types.version}`);
});

// The Marketplace's category names (vsce rejects others).
const MARKETPLACE_CATEGORIES = new Set([
  'Azure', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps',
  'Language Packs', 'Linters', 'Machine Learning', 'Notebooks', 'Programming Languages', 'SCM Providers',
  'Snippets', 'Testing', 'Themes', 'Visualization', 'AI', 'Chat', 'Other',
]);

test('categories are Marketplace categories; keywords describe the domain (at most 30)', () => {
  assert.ok(manifest.categories && manifest.categories.length > 0, 'no categories');
  for (const c of manifest.categories) assert.ok(MARKETPLACE_CATEGORIES.has(c), `unknown category ${c}`);
  const keywords = manifest.keywords ?? [];
  assert.ok(keywords.length > 0 && keywords.length <= 30, `${keywords.length} keywords`);
  for (const k of ['kubernetes', 'kube-proxy', 'iptables', 'conntrack']) assert.ok(keywords.includes(k), `keyword ${k} missing`);
});

test('activates on YAML, iptables and conntrack documents and declares those languages; untrusted-workspace support is declared', () => {
  for (const language of ['yaml', 'iptables', 'conntrack']) {
    assert.ok(manifest.activationEvents?.includes(`onLanguage:${language}`), `no onLanguage:${language} activation`);
  }
  const languages = new Set((manifest.contributes?.languages ?? []).map((l) => l.id));
  assert.ok(languages.has('iptables') && languages.has('conntrack'), 'iptables/conntrack languages not contributed');
  const untrusted = manifest.capabilities?.untrustedWorkspaces;
  assert.ok(untrusted, 'capabilities.untrustedWorkspaces not declared');
  // The extension only reads workspace files (it never runs workspace code), so full support is
  // honest as long as no setting names a program, a path or a command a workspace could point at.
  if (untrusted.supported === 'limited') assert.ok(untrusted.description, '"limited" needs a description');
  if (untrusted.supported === true) {
    const settings = Object.keys(manifest.contributes?.configuration?.properties ?? {});
    assert.ok(settings.length > 0, 'no settings read (the check would prove nothing)');
    const risky = settings.filter((k) => /path|command|executable|binary|program|kubectl|shell/i.test(k.replace(/^kubePacketPath\./, '')));
    assert.deepEqual(risky, [], 'settings a workspace could use to run something: declare "limited" with restrictedConfigurations');
  }
  assert.equal(manifest.main, './dist/client.js');
});

// Every file the manifest points at must be in the package. A file the repository does not have yet
// is reported as a todo (work not landed), not as a pass.
const referenced = [
  ...(manifest.contributes?.grammars ?? []).map((g) => g.path),
  ...(manifest.contributes?.languages ?? []).flatMap((l) => (l.configuration ? [l.configuration] : [])),
];
for (const path of referenced) {
  const inRepo = existsSync(join(repoRoot, path));
  test(`the manifest's ${path} is packaged`, inRepo ? {} : { todo: `${path} is not in the repository yet` }, () => {
    const entry = 'extension/' + path.replace(/^\.\//, '');
    assert.ok(byName.has(entry), `${entry} missing from the .vsix`);
  });
}

// The extension's details page renders the packaged README offline; with no repository URL its
// relative links are not rewritten, so every image it shows and every document it links must be
// inside the .vsix. (Links to repository folders such as examples/ cannot be: they only work on a
// repository host.)
test('every relative image and document link of the packaged README resolves inside the .vsix', () => {
  const readme = readZipEntry(zip, byName.get('extension/readme.md')!).toString('utf8');
  const targets = [...readme.matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => ({ image: m[1] === '!', href: m[2].split('#')[0] }))
    .filter(({ href }) => href !== '' && !/^[a-z][\w+.-]*:/i.test(href))
    .filter(({ image, href }) => image || /\.md$/i.test(href))
    .map(({ href }) => href);
  assert.ok(targets.some((t) => /\.png$/.test(t)), 'the README shows no screenshot');
  const broken = targets.filter((href) => !byName.has('extension/' + href.replace(/^\.\//, '')));
  assert.deepEqual(broken, []);
});
