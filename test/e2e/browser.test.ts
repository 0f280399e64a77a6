// What users see, in a real browser: code-server with the packaged .vsix installed (not the source
// tree), driven by Playwright in Debian's Chromium, in a dark, a light and a high-contrast theme.
// The Problems panel lists the broken/ example's diagnostics; hovering the nginx Service shows what
// it selects and the chains kube-proxy writes for it; its CodeLenses peek the pods' workload and
// open the trace panel, where the packet path renders (three endpoints, a third each), themed.
// Screenshots go to test-results/e2e/ on every run and, with KPP_UPDATE_SCREENSHOTS=1, to
// docs/screenshots/ (the README shows those).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { ensurePackagedVsix, repoRoot } from './lib/vsix';
import { createProfile, ensureCodeServer, installVsix, launchChromium, startCodeServer, waitUntil, type CodeServer, type Profile } from './lib/codeServer';
import { countDiagnostics, EXPECTED_DIAGNOSTICS } from './expected';

const THEMES = [
  { name: 'dark', colorTheme: 'Default Dark Modern', workbenchClass: 'vs-dark' },
  { name: 'light', colorTheme: 'Default Light Modern', workbenchClass: 'vs' },
  { name: 'high-contrast', colorTheme: 'Default High Contrast', workbenchClass: 'hc-black' },
] as const;
const WEBVIEW_BODY_CLASS = { dark: /\bvscode-dark\b/, light: /\bvscode-light\b/, 'high-contrast': /\bvscode-high-contrast\b/ } as const;

const RESULTS_DIR = join(repoRoot, 'test-results', 'e2e');
const SCREENSHOTS_DIR = join(repoRoot, 'docs', 'screenshots');
const UPDATE_SCREENSHOTS = process.env.KPP_UPDATE_SCREENSHOTS === '1';

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path });
  if (UPDATE_SCREENSHOTS) {
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    copyFileSync(path, join(SCREENSHOTS_DIR, `${name}.png`));
  }
}

async function openFile(page: Page, relativePath: string, expectText: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(relativePath);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: relativePath.split('/').pop()! }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.editor-instance .view-line', { hasText: expectText }).first().waitFor({ timeout: 30_000 });
}

/** The webview frame (VS Code nests it in two iframes) whose trace title matches. */
async function findTraceFrame(page: Page, title: RegExp, timeoutMs: number): Promise<Frame> {
  let found: Frame | undefined;
  await waitUntil('the trace panel to render', async () => {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => document.getElementById('kpp-title')?.textContent ?? null).catch(() => null);
      if (text && title.test(text)) {
        found = frame;
        return true;
      }
    }
    return false;
  }, timeoutMs, 500);
  return found!;
}

/**
 * Hovers `target` until a hover containing `text` shows. CodeLenses arrive after the text and push
 * lines down, so a first hover can land on another line: move away and hover again.
 */
async function hoverUntil(page: Page, target: Locator, text: string | RegExp): Promise<Locator> {
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: text });
  for (let attempt = 1; ; attempt++) {
    await page.mouse.move(5, 5);
    await target.hover();
    try {
      await hover.waitFor({ state: 'visible', timeout: 5_000 });
      return hover;
    } catch (e) {
      if (attempt >= 6) throw e;
    }
  }
}

const SHOWN = Object.values(EXPECTED_DIAGNOSTICS).flat().filter((d) => d[1] !== 'hint'); // the Problems panel hides hints

for (const theme of THEMES) {
  test(`what users see in code-server (${theme.name} theme)`, { timeout: 5 * 60_000 }, async (t) => {
    const vsix = ensurePackagedVsix();
    const entry = ensureCodeServer();
    let profile: Profile | undefined;
    let server: CodeServer | undefined;
    let browser: Browser | undefined;
    try {
      profile = createProfile({ 'workbench.colorTheme': theme.colorTheme, 'editor.hover.delay': 100 });
      installVsix(entry, profile, [vsix]);
      server = await startCodeServer(entry, profile);
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(server.workspaceUrl);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

      await t.test(`the ${theme.colorTheme} theme is applied`, async () => {
        // The workbench paints with a default theme first, then applies the configured one.
        await page.waitForFunction((cls) => document.querySelector('.monaco-workbench')?.classList.contains(cls), theme.workbenchClass, { timeout: 30_000 })
          .catch(() => undefined);
        const classes = (await page.locator('.monaco-workbench').getAttribute('class')) ?? '';
        assert.ok(classes.split(/\s+/).includes(theme.workbenchClass), `workbench classes: ${classes}`);
      });

      await t.test('the status bar counts the broken/ example\'s problems', async () => {
        const expected = `Errors: ${countDiagnostics('error')}, Warnings: ${countDiagnostics('warning')}, Infos: ${countDiagnostics('information')}`;
        const item = page.locator('[id="status.problems"]');
        await page.waitForFunction(
          ([want]) => document.getElementById('status.problems')?.getAttribute('aria-label') === want, [expected], { timeout: 60_000 },
        ).catch(async () => assert.equal(await item.getAttribute('aria-label'), expected));
      });

      await t.test('the Problems panel lists every broken/ file with its problems', async () => {
        await page.keyboard.press('Control+Shift+M');
        const panel = page.locator('.markers-panel');
        await panel.waitFor({ state: 'visible' });
        await page.locator('.markers-panel .monaco-list-row').first().waitFor();
        await screenshot(page, `problems-${theme.name}`);
        assert.equal((await page.locator('.pane-header, .composite.title, .panel').getByText(String(SHOWN.length), { exact: true }).count()) > 0, true,
          `the Problems badge does not read ${SHOWN.length}`);
        // Collapsed, the tree shows one row per file: "N problems in file F of folder broken".
        await page.locator('.markers-panel-container, .panel').getByRole('button', { name: 'Collapse All' }).first().click()
          .catch(() => page.locator('.action-label[aria-label="Collapse All"]').first().click());
        const fileRows = page.locator('.markers-panel .monaco-list-row[aria-level="1"]');
        await page.waitForFunction(() => document.querySelectorAll('.markers-panel .monaco-list-row[aria-level="1"]').length >= 1);
        const labels = await fileRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
        const expectedRows = Object.entries(EXPECTED_DIAGNOSTICS)
          .map(([file, ds]) => [file.split('/').pop()!, ds.filter((d) => d[1] !== 'hint').length] as const)
          .map(([name, n]) => `${n} problems in file ${name} of folder broken`)
          .sort();
        assert.deepEqual([...labels].sort(), expectedRows);
      });

      await t.test('hovering the nginx Service selector shows the pods it selects', async () => {
        await page.keyboard.press('Control+Shift+M'); // hide the panel again
        await openFile(page, 'nginx/service.yaml', 'type: LoadBalancer');
        const selectorLine = page.locator('.editor-instance .view-line', { hasText: 'app: nginx' }).first();
        const hover = await hoverUntil(page, selectorLine.locator('span', { hasText: /^nginx$/ }).last(), '3 pods in 1 workload');
        const text = await hover.innerText();
        assert.match(text, /Service nginx/);
        assert.match(text, /Deployment nginx — 3 replicas — nginx\/deployment\.yaml/);
        await screenshot(page, `hover-${theme.name}`);
        await page.keyboard.press('Escape');
      });

      await t.test('the nginx Service CodeLens opens a peek of its Deployment', async () => {
        const lens = page.locator('.codelens-decoration a', { hasText: '3 pods in 1 workload' });
        await lens.waitFor({ state: 'visible', timeout: 30_000 });
        await lens.click();
        const peek = page.locator('.peekview-widget');
        await peek.waitFor({ state: 'visible', timeout: 30_000 });
        await peek.locator('.peekview-title', { hasText: 'deployment.yaml' }).waitFor({ timeout: 10_000 })
          .catch(async () => {
            await screenshot(page, `codelens-peek-${theme.name}-failed`);
            assert.fail(`the peek does not show deployment.yaml: ${await peek.innerText()}`);
          });
        // The peeked editor shows the Deployment's pod template.
        await peek.locator('.view-line', { hasText: 'replicas: 3' }).first().waitFor({ timeout: 10_000 });
        await screenshot(page, `codelens-peek-${theme.name}`);
        await page.keyboard.press('Escape');
      });

      let svcChain = '';
      let traceFrame: Frame | undefined;
      await t.test('the nginx port CodeLens names the Service chain', async () => {
        const lens = page.locator('.codelens-decoration a', { hasText: /^KUBE-SVC-[A-Z2-7]{16} · 3 endpoints$/ });
        await lens.waitFor({ state: 'visible', timeout: 30_000 });
        svcChain = (await lens.innerText()).split(' ')[0];
      });

      await t.test('hovering the nginx Service name shows the chains kube-proxy writes for it', async () => {
        const nameLine = page.locator('.editor-instance .view-line', { hasText: 'name: nginx' }).first();
        const hover = await hoverUntil(page, nameLine.locator('span', { hasText: /^nginx$/ }).last(), 'KUBE-SEP-');
        const text = await hover.innerText();
        assert.ok(svcChain, 'no chain from the CodeLens');
        assert.ok(text.includes(`${svcChain} → 3 endpoints`), `the hover does not name ${svcChain} with 3 endpoints`);
        assert.equal(new Set(text.match(/KUBE-SEP-[A-Z2-7]{16}/g)).size, 3);
        assert.match(text, /assumed/);
        await screenshot(page, `rules-hover-${theme.name}`);
        await page.keyboard.press('Escape');
      });

      await t.test('the Trace packet path CodeLens opens the panel and the path renders', async () => {
        const lens = page.locator('.codelens-decoration a', { hasText: 'Trace packet path' }).first();
        await lens.waitFor({ state: 'visible', timeout: 30_000 });
        await page.keyboard.press('Control+B'); // hide the side bar: room for the panel
        await lens.click();
        await page.locator('.tab', { hasText: 'Trace: nginx' }).waitFor({ timeout: 30_000 });
        const frame = await findTraceFrame(page, /default\/nginx:http/, 60_000);
        await frame.waitForSelector('.branch-head .share', { timeout: 30_000 });
        const facts = await frame.evaluate(() => ({
          shares: Array.from(document.querySelectorAll('.branch-head .share')).map((e) => e.textContent),
          hops: document.querySelectorAll('.hop').length,
          text: document.body.innerText,
          bodyClass: document.body.className,
        }));
        assert.deepEqual(facts.shares, ['33.3%', '33.3%', '33.3%']);
        assert.ok(facts.hops >= 5, `only ${facts.hops} hops drawn`);
        assert.ok(facts.text.includes(svcChain), `the path does not go through ${svcChain}`);
        assert.match(facts.text, /KUBE-SEP-[A-Z2-7]{16}/);
        assert.match(facts.bodyClass, WEBVIEW_BODY_CLASS[theme.name]);
        await screenshot(page, `trace-panel-${theme.name}`);
        // The fork: one branch per endpoint with its share.
        await frame.evaluate(() => document.querySelector('.branches')?.scrollIntoView({ block: 'start' }));
        await screenshot(page, `trace-branches-${theme.name}`);
        traceFrame = frame;
      });

      await t.test('clicking a hop reveals its rule in the node\'s rules (webview → extension → editor)', async () => {
        assert.ok(traceFrame, 'no trace panel');
        const hop = traceFrame.locator('.hop.has-source', { hasText: 'nat PREROUTING' }).first();
        const rule = (await hop.locator('code.rule').innerText()).trim();
        assert.match(rule, /^-A PREROUTING .*-j KUBE-SERVICES$/);
        await hop.click();
        await page.locator('.tab', { hasText: 'node-restore.iptables' }).waitFor({ timeout: 30_000 });
        // The revealed editor shows that very rule (its selection is on screen).
        await page.locator('.editor-instance .view-line', { hasText: rule }).first().waitFor({ timeout: 30_000 });
      });

      await t.test('a what-if in the panel traces again: externalTrafficPolicy Local keeps the packet on the node', async () => {
        assert.ok(traceFrame, 'no trace panel');
        await traceFrame.selectOption('#kpp-etp', 'Local');
        await traceFrame.waitForFunction(() => document.querySelectorAll('.branch-head .share').length === 1, undefined, { timeout: 30_000 });
        const heads = await traceFrame.evaluate(() => Array.from(document.querySelectorAll('.branch-head')).map((e) => (e as HTMLElement).innerText));
        assert.equal(heads.length, 1);
        assert.match(heads[0], /100\.0%/);
        assert.match(heads[0], /forwarded to nginx-\S+ \(10\.244\.0\.\d+:80\) on aks-nodepool1-12345678-vmss000000/);
        assert.ok(await traceFrame.locator('.hop', { hasText: /KUBE-SVL-[A-Z2-7]{16}/ }).count() > 0, 'no KUBE-SVL hop with Local policy');
        await screenshot(page, `trace-local-${theme.name}`);
      });
    } finally {
      await browser?.close().catch(() => undefined);
      await server?.stop();
      profile?.dispose();
    }
  });
}
