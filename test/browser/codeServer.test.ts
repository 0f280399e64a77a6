// The trace panel in real VS Code: code-server (see test/e2e/lib) with a test-only host extension
// (test/browser/vscodeHost) that registers the real panel (client/src/tracePanel.ts) with stand-in
// deps answering from the recorded traces. Chromium drives the workbench and reaches into the
// webview's iframe: VS Code's own CSP handling, asWebviewUri, theme variables, message passing,
// and the serializer after a reload. If code-server cannot be installed this FAILS; never skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import type { Browser, Frame, Page } from 'playwright-core';
import { createProfile, ensureCodeServer, installVsix, launchChromium, startCodeServer, waitUntil, type CodeServer, type Profile } from '../e2e/lib/codeServer';
import { ensureWebviewBundle, repoRoot } from './harness';
import { loadTrace, fixtureDir } from '../unit/webview/fixtures';

const nginx = loadTrace('nginx-loadbalancer-external');
const local = loadTrace('nginx-etp-local-drop');
const screenshots = join(repoRoot, 'test-results', 'webview');

/** Bundles the host extension with the panel and the webview files, and packages it as a .vsix. */
async function buildHostVsix(dir: string): Promise<string> {
  const ext = join(dir, 'ext');
  mkdirSync(join(ext, 'dist'), { recursive: true });
  await esbuild.build({
    entryPoints: [join(repoRoot, 'test/browser/vscodeHost/extension.ts')], outfile: join(ext, 'extension.js'),
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'error',
  });
  copyFileSync(join(repoRoot, 'test/browser/vscodeHost/package.json'), join(ext, 'package.json'));
  copyFileSync(join(repoRoot, 'dist/webview.js'), join(ext, 'dist/webview.js'));
  copyFileSync(join(repoRoot, 'dist/webview.css'), join(ext, 'dist/webview.css'));
  cpSync(fixtureDir, join(ext, 'fixtures'), { recursive: true });
  const vsix = join(dir, 'kpp-trace-panel-host.vsix');
  const r = spawnSync(join(repoRoot, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], { cwd: ext, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vsce package failed:\n${r.stdout}\n${r.stderr}`);
  return vsix;
}

interface HostEvent { readonly type: string; readonly [k: string]: unknown }

function readEvents(path: string): HostEvent[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as HostEvent);
}

/** The webview frame that shows a trace with this title. */
async function findPanelFrame(page: Page, title: string, timeoutMs: number): Promise<Frame> {
  let found: Frame | undefined;
  await waitUntil(`the trace panel showing "${title}"`, async () => {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => document.getElementById('kpp-title')?.textContent ?? null).catch(() => null);
      if (text === title) {
        found = frame;
        return true;
      }
    }
    return false;
  }, timeoutMs, 500);
  return found as Frame;
}

test('the trace panel in code-server: real webview host, CSP, theme, messages, serializer', { timeout: 10 * 60_000 }, async () => {
  ensureWebviewBundle();
  mkdirSync(screenshots, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'kpp-trace-host-'));
  const log = join(work, 'events.jsonl');
  writeFileSync(log, '');
  let profile: Profile | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const consoleErrors: string[] = [];
  try {
    const vsix = await buildHostVsix(work);
    const entry = ensureCodeServer();
    profile = createProfile({ 'workbench.colorTheme': 'Default Dark Modern' });
    installVsix(entry, profile, [vsix]);
    server = await startCodeServer(entry, profile, { KPP_TRACE_HOST_LOG: log });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|kpp|webview\.js|webview\.css/i.test(m.text())) consoleErrors.push(m.text());
    });
    await page.goto(server.workspaceUrl);

    // The host opened the panel; the webview loaded our bundle under VS Code's CSP and said ready.
    let frame = await findPanelFrame(page, nginx.title, 120_000);
    const events = readEvents(log);
    assert.ok(events.some((e) => e.type === 'activated'), 'the host extension activated');
    assert.deepEqual(events.filter((e) => e.type === 'requestTrace').map((e) => e.scenario), [nginx.scenario]);

    const facts = await frame.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--vscode-editor-background)';
      document.body.appendChild(probe);
      const themeBg = getComputedStyle(probe).color;
      probe.remove();
      const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
      return {
        hopBorder: getComputedStyle(document.querySelector('.hop') as Element).borderLeftWidth,
        bodyClass: document.body.className,
        themeBg,
        bodyBg: getComputedStyle(document.body).backgroundColor,
        csp,
        scripts: Array.from(document.querySelectorAll('script')).map((s) => ({ nonce: s.nonce !== '', src: s.getAttribute('src') ?? '' })),
        shares: Array.from(document.querySelectorAll('.branch-head .share')).map((e) => e.textContent),
      };
    });
    assert.match(facts.bodyClass, /\bvscode-dark\b/);
    assert.notEqual(facts.themeBg, '', 'VS Code defines --vscode-editor-background');
    assert.equal(facts.bodyBg, facts.themeBg, 'the panel takes its background from the theme');
    assert.match(facts.csp, /^default-src 'none'; script-src 'nonce-[A-Za-z0-9_-]{32}'; style-src [^;']*(?:'self'[^;']*)?; img-src [^;]+ data:; font-src [^;]+;$/);
    assert.doesNotMatch(facts.csp, /'none' data:|style-src 'none'/, 'the webview CSP source was kept');
    assert.doesNotMatch(facts.csp, /unsafe-/);
    // VS Code adds a script of its own to the page; ours is the one bundle, with the nonce.
    const ours = facts.scripts.filter((s) => s.src !== '');
    assert.equal(ours.length, 1);
    assert.match(ours[0].src, /\/dist\/webview\.js$/);
    assert.equal(ours[0].nonce, true);
    assert.equal(facts.hopBorder, '3px', 'dist/webview.css loaded under the CSP');
    assert.deepEqual(facts.shares, ['33.3%', '33.3%', '33.3%']);

    // A click on a hop goes through VS Code's message passing to the extension, which reveals it.
    await frame.click('[data-key="s3"]');
    await waitUntil('the reveal of the PREROUTING rule', () => readEvents(log).some((e) => e.type === 'reveal'), 20_000);
    const workspaceUri = readEvents(log).find((e) => e.type === 'activated')?.workspace as string;
    await frame.click('[data-key="s0"]');
    await waitUntil('the reveal of the client hop', () => readEvents(log).filter((e) => e.type === 'reveal').length === 2, 20_000);
    assert.deepEqual(readEvents(log).filter((e) => e.type === 'reveal').map((e) => [e.uri, e.span]), [
      [nginx.branches[0].steps[3].source?.uri, nginx.branches[0].steps[3].source?.span],
      [`${workspaceUri}/nginx/service.yaml`, nginx.branches[0].steps[0].source?.span],
    ]);

    // A what-if toggle: the extension traces the new scenario and the panel shows the drop.
    await frame.selectOption('#kpp-etp', 'Local');
    await waitUntil('a trace request with externalTrafficPolicy Local', () => readEvents(log).some((e) => e.type === 'requestTrace' && (e.scenario as { externalTrafficPolicy?: string }).externalTrafficPolicy === 'Local'), 20_000);
    await frame.waitForSelector('.branch .verdict.end', { timeout: 20_000 });
    assert.equal(await frame.textContent('.branch .verdict.end'), 'DROPPED');
    assert.equal(await frame.textContent('.branch .reason'), `Why it is dropped: ${local.branches[0].reason}`);
    await page.screenshot({ path: join(screenshots, 'code-server.png') });

    // Reload the window: the serializer restores the panel with its saved scenario and re-traces it.
    const before = readEvents(log).filter((e) => e.type === 'requestTrace').length;
    // Reload the way a user does (Developer: Reload Window), so the workbench saves its editors first.
    await page.waitForTimeout(1500);
    await page.click('.part.sidebar');
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 20_000 });
    await page.keyboard.type('Developer: Reload Window');
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    await waitUntil('the restored panel to trace its saved scenario again', () => readEvents(log).filter((e) => e.type === 'requestTrace').slice(before)
      .some((e) => (e.scenario as { externalTrafficPolicy?: string }).externalTrafficPolicy === 'Local'), 120_000).catch(async (e: Error) => {
      await page.screenshot({ path: join(screenshots, 'code-server-reload-failure.png') });
      throw new Error(`${e.message}\nhost events: ${readFileSync(log, 'utf8')}\nframes: ${page.frames().map((f) => f.url()).join('\n')}`);
    });
    frame = await findPanelFrame(page, local.title, 60_000);
    assert.equal(await frame.inputValue('#kpp-etp'), 'Local');
    assert.equal(await frame.textContent('.branch .verdict.end'), 'DROPPED');

    // Live updates: a manifest changing on disk makes the open panel trace again.
    const beforeEdit = readEvents(log).filter((e) => e.type === 'requestTrace').length;
    writeFileSync(join((profile as Profile).workspace, 'nginx', 'extra-service.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\nspec:\n  ports:\n  - port: 80\n');
    await waitUntil('a trace request after the manifest changed', () => readEvents(log).filter((e) => e.type === 'requestTrace').length > beforeEdit, 30_000);
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    profile?.dispose();
    rmSync(work, { recursive: true, force: true });
  }
  assert.deepEqual(consoleErrors, []);
});
