// The trace panel's bundle (dist/webview.js + dist/webview.css) in real Chromium, with a stand-in
// for the VS Code API, fed the recorded traces of test/fixtures/traces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, BrowserContext } from 'playwright-core';
import { ensureWebviewBundle, launchChromium, posted, repoRoot, sendToWebview, startHarness, type Harness } from './harness';
import { loadTrace } from '../unit/webview/fixtures';
import type { PathTrace } from '../../server/src/core/trace/types';
import type { ScenarioOptions } from '../../client/webview/messages';
import { traceToSvg } from '../../client/webview/svg';
import type { TraceStep } from '../../server/src/core/trace/types';

const screenshots = join(repoRoot, 'test-results', 'webview');
const nginx = loadTrace('nginx-loadbalancer-external');
const local = loadTrace('nginx-etp-local-drop');
const ingress = loadTrace('ingress-hello-world-two');
const hostile = loadTrace('hostile-strings');
// The nodes the recorded traces name (the what-if one was recorded on a 4-node cluster).
const nodes = [...new Set([nginx.scenario.node, ...nginx.branches.map((b) => b.endpoint?.node ?? ''), local.scenario.node].filter(Boolean))].sort();
const dumpUri = `file:///workspace/dumps/${nginx.scenario.node}.iptables`;
const options: ScenarioOptions = {
  nodes,
  dumps: [{ uri: dumpUri, label: `${nginx.scenario.node}.iptables`, node: nginx.scenario.node }],
  ports: ['http'],
  hosts: [],
};
/** Where the recorded nginx branches part: the first step whose rule differs between them (the statistic fork). */
const fork = nginx.branches[0].steps.findIndex((s, i) => nginx.branches.some((b) => b.steps[i]?.rule !== s.rule));
const fieldNames = { src: 'source', sport: 'source port', dst: 'destination', dport: 'destination port' } as const;
const fieldValue = (s: TraceStep, f: keyof typeof fieldNames) => String(s.packet[f]);
/** What the panel highlights for a step's rewrites: one mark per rewritten field, in the step's order. */
const rewriteMarks = (s: TraceStep) => s.rewrites.map((f) => `${fieldNames[f]} rewritten to ${fieldValue(s, f)}`);
/** What its accessible name announces about them. */
const rewriteAnnouncement = (s: TraceStep) => `Rewrites ${s.rewrites.map((f) => `${fieldNames[f]} to ${fieldValue(s, f)}`).join(', ')}.`;
const reEscape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const X = '<img src=x onerror=alert(1)>';

const themes = {
  light: {
    className: 'vscode-light',
    vars: {
      '--vscode-foreground': '#3b3b3b', '--vscode-editor-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-focusBorder': '#005fb8',
      '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b', '--vscode-errorForeground': '#f85149', '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-orange': '#d18616', '--vscode-textBlockQuote-background': '#f8f8f8', '--vscode-textBlockQuote-border': '#e5e5e5',
      '--vscode-editor-findMatchHighlightBackground': '#ea5c0055', '--vscode-descriptionForeground': '#717171', '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff', '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-input-border': '#cecece',
      '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-foreground': '#3b3b3b', '--vscode-textCodeBlock-background': '#f8f8f8',
      '--vscode-textPreformat-foreground': '#3b3b3b', '--vscode-widget-border': '#e5e5e5', '--vscode-progressBar-background': '#005fb8',
      '--vscode-list-activeSelectionBackground': '#e8e8e8', '--vscode-list-activeSelectionForeground': '#000000', '--vscode-editorWarning-foreground': '#bf8803',
      '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px', '--vscode-editor-font-family': 'monospace', '--vscode-editor-font-size': '13px',
    },
  },
  dark: {
    className: 'vscode-dark',
    vars: {
      '--vscode-foreground': '#cccccc', '--vscode-editor-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f', '--vscode-focusBorder': '#0078d4',
      '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8', '--vscode-errorForeground': '#f85149', '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#d18616', '--vscode-textBlockQuote-background': '#2b2b2b', '--vscode-textBlockQuote-border': '#616161',
      '--vscode-editor-findMatchHighlightBackground': '#9e6a03', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff', '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-input-border': '#3c3c3c',
      '--vscode-dropdown-background': '#313131', '--vscode-dropdown-foreground': '#cccccc', '--vscode-textCodeBlock-background': '#2b2b2b',
      '--vscode-textPreformat-foreground': '#d0d0d0', '--vscode-widget-border': '#313131', '--vscode-progressBar-background': '#0078d4',
      '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-editorWarning-foreground': '#cca700',
      '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px', '--vscode-editor-font-family': 'monospace', '--vscode-editor-font-size': '13px',
    },
  },
  'high-contrast': {
    className: 'vscode-high-contrast',
    vars: {
      '--vscode-foreground': '#ffffff', '--vscode-editor-foreground': '#ffffff', '--vscode-editor-background': '#000000', '--vscode-focusBorder': '#f38518',
      '--vscode-contrastBorder': '#6fc3df', '--vscode-contrastActiveBorder': '#f38518',
      '--vscode-badge-background': '#000000', '--vscode-badge-foreground': '#ffffff', '--vscode-errorForeground': '#f48771', '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#d18616', '--vscode-textBlockQuote-background': '#000000', '--vscode-textBlockQuote-border': '#ffffff',
      '--vscode-editor-findMatchHighlightBackground': '#000000', '--vscode-descriptionForeground': '#ffffff', '--vscode-button-background': '#000000',
      '--vscode-button-foreground': '#ffffff', '--vscode-button-border': '#6fc3df', '--vscode-input-background': '#000000', '--vscode-input-foreground': '#ffffff', '--vscode-input-border': '#6fc3df',
      '--vscode-dropdown-background': '#000000', '--vscode-dropdown-foreground': '#ffffff', '--vscode-textCodeBlock-background': '#000000',
      '--vscode-textPreformat-foreground': '#ffffff', '--vscode-widget-border': '#6fc3df', '--vscode-progressBar-background': '#6fc3df',
      '--vscode-list-activeSelectionBackground': '#000000', '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-editorWarning-foreground': '#ffd700',
      '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px', '--vscode-editor-font-family': 'monospace', '--vscode-editor-font-size': '13px',
    },
  },
  'high-contrast-light': {
    className: 'vscode-high-contrast-light',
    vars: {
      '--vscode-foreground': '#292929', '--vscode-editor-foreground': '#292929', '--vscode-editor-background': '#ffffff', '--vscode-focusBorder': '#006bbd',
      '--vscode-contrastBorder': '#0f4a85', '--vscode-contrastActiveBorder': '#006bbd',
      '--vscode-badge-background': '#0f4a85', '--vscode-badge-foreground': '#ffffff', '--vscode-errorForeground': '#b5200d', '--vscode-charts-blue': '#0f4a85',
      '--vscode-charts-orange': '#8f3d00', '--vscode-textBlockQuote-background': '#ffffff', '--vscode-textBlockQuote-border': '#292929',
      '--vscode-editor-findMatchHighlightBackground': '#ffffff', '--vscode-descriptionForeground': '#292929', '--vscode-button-background': '#0f4a85',
      '--vscode-button-foreground': '#ffffff', '--vscode-button-border': '#0f4a85', '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#292929', '--vscode-input-border': '#0f4a85',
      '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-foreground': '#292929', '--vscode-textCodeBlock-background': '#ffffff',
      '--vscode-textPreformat-foreground': '#292929', '--vscode-widget-border': '#0f4a85', '--vscode-progressBar-background': '#0f4a85',
      '--vscode-list-activeSelectionBackground': '#ffffff', '--vscode-list-activeSelectionForeground': '#292929', '--vscode-editorWarning-foreground': '#895503',
      '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px', '--vscode-editor-font-family': 'monospace', '--vscode-editor-font-size': '13px',
    },
  },
} as const;

let harness: Harness;
let browser: Browser;

before(async () => {
  ensureWebviewBundle();
  mkdirSync(screenshots, { recursive: true });
  harness = await startHarness();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

interface Opened { readonly page: Page; readonly context: BrowserContext; readonly dialogs: string[]; readonly errors: string[] }

async function open(theme: keyof typeof themes = 'light'): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  // Nothing may leave loopback.
  await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
  await page.goto(harness.url);
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  // VS Code sets the theme's class and --vscode-* variables on the body.
  await page.evaluate((t) => {
    document.body.classList.add(t.className);
    for (const [k, v] of Object.entries(t.vars)) document.body.style.setProperty(k, v);
  }, themes[theme]);
  return { page, context, dialogs, errors };
}

async function showTrace(page: Page, trace: PathTrace): Promise<void> {
  await sendToWebview(page, { type: 'trace', trace, options });
  await page.waitForFunction((title) => document.getElementById('kpp-title')?.textContent === title, trace.title);
}

async function finish(o: Opened): Promise<void> {
  assert.deepEqual(o.dialogs, [], 'no dialog fired');
  assert.deepEqual(o.errors, [], 'no script errors');
  assert.deepEqual(await o.page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), [], 'no CSP violations');
  await o.context.close();
}

const activeKey = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.key ?? null);

test('on load the panel says ready and draws an empty state', async () => {
  const o = await open();
  assert.deepEqual(await posted(o.page), [{ type: 'ready' }]);
  assert.equal(await o.page.textContent('#kpp-title'), 'Packet path');
  assert.equal(await o.page.isHidden('form.controls'), true);
  await finish(o);
});

test('nginx LoadBalancer: three paths of a third each, masquerade, DNAT highlighted, conntrack, reply', async () => {
  const o = await open();
  const { page } = o;
  await showTrace(page, nginx);
  // Shared hops before the statistic fork, as a list.
  const shared = await page.$$eval('ol.shared[role="list"] > li[role="listitem"]', (els) => els.map((e) => e.querySelector('.title')?.textContent));
  assert.ok(fork > 3, `the recorded branches share their first hops (${fork})`);
  assert.deepEqual(shared, nginx.branches[0].steps.slice(0, fork).map((s) => s.title));
  assert.deepEqual(shared.slice(0, 3), [`external client ${nginx.branches[0].steps[0].packet.src}`, `load balancer ${nginx.branches[0].steps[0].packet.dst}`, nginx.branches[0].steps[2].title]);
  assert.ok(shared.includes('KUBE-MARK-MASQ') && shared.includes('KUBE-EXT-P4Q3KNUAWJVP4ILH'), shared.join(', '));
  // Then a tree of three branches, each with its share.
  const branches = await page.$$eval('ul.branches[role="tree"] > li[role="treeitem"][aria-level="1"]', (els) => els.map((e) => ({
    share: e.querySelector('.branch-head .share')?.textContent,
    end: e.querySelector('.branch-head .endpoint')?.textContent,
    expanded: e.getAttribute('aria-expanded'),
    masq: e.querySelector('.facts .masq')?.textContent,
    conntrack: e.querySelector('.conntrack pre')?.textContent,
    dnat: Array.from(e.querySelectorAll('.k-dnat:not(.reply) mark.rw')).map((m) => m.textContent),
    replyHops: e.querySelectorAll('ul.reply > li[role="treeitem"]').length,
  })));
  assert.equal(branches.length, 3);
  nginx.branches.forEach((b, i) => {
    assert.equal(branches[i].share, '33.3%');
    assert.equal(branches[i].end, `forwarded to ${b.endpoint?.pod} (${b.endpoint?.ip}:80) on ${b.endpoint?.node}${b.endpoint?.assumed ? ' (assumed)' : ''}`);
    assert.equal(branches[i].expanded, 'true');
    assert.equal(branches[i].masq, 'masqueraded');
    assert.equal(branches[i].conntrack, b.conntrack);
    assert.deepEqual(branches[i].dnat, [`destination rewritten to ${b.endpoint?.ip}`]);
    assert.equal(branches[i].replyHops, b.reply.length);
  });
  // The masquerade mark, and the MASQUERADE rewrite of the source (the engine keeps the port).
  assert.equal(await page.textContent('ol.shared .k-mark-masq .mark.masq'), 'mark 0x4000');
  const masqStep = nginx.branches[0].steps.find((s) => s.kind === 'masquerade')!;
  assert.deepEqual(masqStep.rewrites, ['src'], 'the recorded MASQUERADE rewrites the source');
  const masq = await page.$$eval('.branch:first-child .k-masquerade:not(.reply) mark.rw', (els) => els.map((e) => e.textContent));
  assert.deepEqual(masq, rewriteMarks(masqStep));
  assert.deepEqual(masq, [`source rewritten to ${masqStep.packet.src}`]);
  // Rewrites are announced in the hop's accessible name.
  const label = await page.getAttribute('.branch:first-child .k-dnat', 'aria-label');
  assert.match(label ?? '', new RegExp(`Rewrites destination to ${reEscape(nginx.branches[0].endpoint!.ip)}\\.`));
  const masqLabel = await page.getAttribute('.branch:first-child .k-masquerade:not(.reply)', 'aria-label');
  assert.ok((masqLabel ?? '').includes(rewriteAnnouncement(masqStep)), masqLabel ?? '');
  // Assumptions are labelled.
  const assumptions = await page.$$eval('.assumptions li', (els) => els.map((e) => e.textContent));
  assert.equal(assumptions.length, nginx.assumptions.length);
  assert.ok(assumptions.every((a) => a?.startsWith('assumed ')));
  // The live region announces the new trace.
  assert.ok((await page.textContent('#kpp-live') ?? '').includes(`3 paths: ${nginx.branches[0].endpoint?.pod} (33.3%)`));
  // The controls show the scenario.
  assert.equal(await page.inputValue('#kpp-source'), 'external');
  assert.equal(await page.inputValue('#kpp-via'), 'loadbalancer');
  assert.equal(await page.inputValue('#kpp-node'), nginx.scenario.node);
  assert.equal(await page.inputValue('#kpp-etp'), '');
  await finish(o);
});

test('keyboard: one tab stop in the picture, arrows move between hops, Enter reveals, Left/Right fold', async () => {
  const o = await open();
  const { page } = o;
  await showTrace(page, nginx);
  const tabbable = await page.$$eval('[data-key]', (els) => els.filter((e) => e.getAttribute('tabindex') === '0').map((e) => (e as HTMLElement).dataset.key));
  assert.deepEqual(tabbable, ['s0'], 'roving tabindex: one row in the tab order');
  // Tab through the controls to the picture.
  const visited: string[] = [];
  for (let i = 0; i < 30 && (await activeKey(page)) === null; i++) {
    await page.keyboard.press('Tab');
    visited.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''));
  }
  assert.equal(await activeKey(page), 's0');
  for (const id of ['kpp-source', 'kpp-via', 'kpp-node', 'kpp-etp', 'kpp-copy', 'kpp-save']) assert.ok(visited.includes(id), `${id} is in the tab order (${visited.join(',')})`);
  // Visible focus.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
  assert.equal(outline, 'solid');
  await page.keyboard.press('ArrowDown');
  assert.equal(await activeKey(page), 's1');
  await page.keyboard.press('End');
  const last = await activeKey(page);
  assert.equal(last, `b2.r${nginx.branches[2].reply.length - 1}`);
  await page.keyboard.press('Home');
  assert.equal(await activeKey(page), 's0');
  // Enter on a hop with a source posts reveal with that source.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await activeKey(page), 's3');
  await page.keyboard.press('Enter');
  assert.deepEqual((await posted(page)).at(-1), { type: 'reveal', source: nginx.branches[0].steps[3].source });
  // Down into the first branch; Left folds it, Right unfolds it.
  for (let i = 3; i < fork; i++) await page.keyboard.press('ArrowDown');
  assert.equal(await activeKey(page), 'b0');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.getAttribute('[data-key="b0"]', 'aria-expanded'), 'false');
  assert.equal(await page.$$eval('[data-key^="b0."]', (els) => els.length), 0);
  await page.keyboard.press('ArrowDown');
  assert.equal(await activeKey(page), 'b1', 'a folded branch is skipped');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('[data-key="b0"]', 'aria-expanded'), 'true');
  await page.keyboard.press('ArrowRight');
  assert.equal(await activeKey(page), `b0.${fork}`);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await activeKey(page), 'b0');
  // Clicking a hop also reveals.
  const b1 = nginx.branches[1].steps;
  const withSource = b1.findIndex((s, i) => i > fork && s.source !== undefined);
  const withoutSource = b1.findIndex((s, i) => i > fork && s.source === undefined);
  assert.ok(withSource > 0 && withoutSource > 0, `branch 1 has hops with and without a source (${withSource}, ${withoutSource})`);
  const before = (await posted(page)).length;
  await page.click(`[data-key="b1.${withSource}"]`);
  const after = await posted(page);
  assert.equal(after.length, before + 1);
  assert.deepEqual(after.at(-1), { type: 'reveal', source: b1[withSource].source });
  // A hop without a source posts nothing.
  await page.click(`[data-key="b1.${withoutSource}"]`);
  assert.equal((await posted(page)).length, before + 1);
  await finish(o);
});

test('controls post typed scenario changes; Local shows the drop with its reason', async () => {
  const o = await open();
  const { page } = o;
  await showTrace(page, nginx);
  await page.selectOption('#kpp-etp', 'Local');
  assert.deepEqual((await posted(page)).at(-1), { type: 'setScenario', scenario: { ...nginx.scenario, externalTrafficPolicy: 'Local' } });
  assert.equal(await page.textContent('#kpp-status'), 'Tracing…');
  await page.fill('#kpp-node', local.scenario.node);
  await page.press('#kpp-node', 'Enter');
  assert.deepEqual((await posted(page)).at(-1), { type: 'setScenario', scenario: { ...nginx.scenario, externalTrafficPolicy: 'Local', node: local.scenario.node } });
  // The recorded default scenario names no client address; type the one its trace assumed.
  const clientAddress = nginx.branches[0].steps[0].packet.src;
  assert.equal(nginx.scenario.sourceAddress, undefined);
  await page.fill('#kpp-source-address', clientAddress);
  await page.press('#kpp-source-address', 'Enter');
  assert.deepEqual((await posted(page)).at(-1), { type: 'setScenario', scenario: { ...nginx.scenario, externalTrafficPolicy: 'Local', node: local.scenario.node, sourceAddress: clientAddress } });
  await page.selectOption('#kpp-source', 'pod-other-node');
  await page.selectOption('#kpp-via', 'nodeport');
  await page.check('#kpp-returning');
  await page.selectOption('#kpp-rules', dumpUri);
  const last = (await posted(page)).at(-1) as { scenario: Record<string, unknown> };
  assert.ok(!('sourceAddress' in last.scenario), 'the typed client address is dropped with the source kind');
  assert.deepEqual(last.scenario, { ...nginx.scenario, externalTrafficPolicy: 'Local', node: local.scenario.node, source: 'pod-other-node', via: 'nodeport', returningClient: true, rules: { dumpUri } });
  assert.equal(await page.inputValue('#kpp-source-address'), '', 'the client address is cleared when the source kind changes');
  await showTrace(page, local);
  assert.equal(await page.textContent('.branch .verdict.end'), 'DROPPED');
  const dropStep = local.branches[0].steps.at(-1)!;
  assert.deepEqual([dropStep.kind, dropStep.table, dropStep.chain], ['drop', 'filter', 'KUBE-EXTERNAL-SERVICES']);
  assert.equal(await page.textContent('.branch .branch-head .endpoint'), `at ${dropStep.title}`);
  assert.equal(await page.textContent('.branch .reason'), `Why it is dropped: ${local.branches[0].reason}`);
  assert.match(await page.textContent('.hop.k-drop code.rule') ?? '', /has no local endpoints" .* -j DROP$/);
  assert.equal(await page.inputValue('#kpp-etp'), 'Local');
  assert.equal(await page.inputValue('#kpp-node'), local.scenario.node);
  assert.match(await page.textContent('#kpp-live') ?? '', /1 path: dropped \(100\.0%\)/);
  // Copy and save are requests to the extension, nothing more.
  await page.click('#kpp-copy');
  await page.click('#kpp-save');
  assert.deepEqual((await posted(page)).slice(-2), [{ type: 'copyMarkdown' }, { type: 'saveSvg' }]);
  // An error from the extension is shown.
  await sendToWebview(page, { type: 'error', scenario: local.scenario, message: `no dump for node ${local.scenario.node}` });
  await page.waitForFunction(() => document.getElementById('kpp-status')?.textContent?.startsWith('Trace failed'));
  assert.equal(await page.textContent('#kpp-status'), `Trace failed: no dump for node ${local.scenario.node}`);
  await finish(o);
});

test('ingress: candidate rules with the winner, then the upstream from the controller pod IP', async () => {
  const o = await open();
  const { page } = o;
  await showTrace(page, ingress);
  assert.equal(await page.isVisible('#kpp-host'), true);
  assert.equal(await page.inputValue('#kpp-path'), '/hello-world-two');
  const rows = await page.$$eval('table.candidates tbody tr', (trs) => trs.map((tr) => ({ cls: tr.className, cells: Array.from(tr.querySelectorAll('td')).map((td) => td.textContent) })));
  const candidates = ingress.ingress!.candidates;
  assert.equal(candidates.length, 3, 'the three paths of hello-world-ingress');
  assert.equal(rows.length, candidates.length);
  assert.equal(rows[0].cls, 'winner');
  assert.deepEqual(rows[0].cells.slice(0, 6), ['★ winner', 'ingress-nginx/hello-world-ingress', '*', '/hello-world-two(/|$)(.*)', 'ImplementationSpecific', 'aks-helloworld-two:80']);
  assert.deepEqual(rows.slice(1).map((r) => r.cls), candidates.slice(1).map((c) => (c.winner ? 'winner' : c.matched ? 'matched' : 'nomatch')));
  assert.deepEqual(rows.slice(1).map((r) => r.cells[3]), ['/hello-world-one(/|$)(.*)', '/(.*)']);
  // The upstream hop rewrites all four fields: each is highlighted and announced.
  const steps = ingress.branches[0].steps;
  const upStep = steps.find((s) => s.kind === 'upstream')!;
  const controllerIp = steps.find((s) => s.kind === 'dnat')!.packet.dst;
  assert.equal(upStep.packet.src, controllerIp, 'the upstream leaves from the controller pod the DNAT chose');
  assert.deepEqual(upStep.rewrites, ['src', 'sport', 'dst', 'dport']);
  const upstream = await page.$eval('.hop.k-upstream', (e) => ({ src: e.querySelector('.f-src')?.textContent, srcRewritten: e.querySelector('.f-src')?.tagName, marks: Array.from(e.querySelectorAll('mark.rw')).map((m) => m.textContent), label: e.getAttribute('aria-label') }));
  assert.deepEqual({ src: upstream.src, srcRewritten: upstream.srcRewritten }, { src: `source rewritten to ${controllerIp}`, srcRewritten: 'MARK' });
  assert.deepEqual(upstream.marks, rewriteMarks(upStep));
  assert.ok((upstream.label ?? '').includes(rewriteAnnouncement(upStep)), upstream.label ?? '');
  const lastHop = await page.$eval('.branch > ul.hops:not(.reply) > li:last-child', (e) => ({ title: e.querySelector('.title')?.textContent, src: e.querySelector('.f-src')?.textContent }));
  const lastStep = steps[steps.length - 1];
  assert.ok(lastStep.title.endsWith(ingress.branches[0].endpoint!.pod!), lastStep.title);
  assert.deepEqual(lastHop, { title: lastStep.title, src: controllerIp });
  await page.fill('#kpp-path', '/hello-world-one');
  await page.press('#kpp-path', 'Enter');
  assert.deepEqual((await posted(page)).at(-1), { type: 'setScenario', scenario: { ...ingress.scenario, path: '/hello-world-one' } });
  await finish(o);
});

test('a trace that could not be made shows its problems and no picture', async () => {
  const o = await open();
  const { page } = o;
  await showTrace(page, { ...nginx, branches: [], assumptions: [], errors: ['no Service default/nginxx in the workspace'] });
  assert.deepEqual(await page.$$eval('.errors li', (els) => els.map((e) => e.textContent)), ['no Service default/nginxx in the workspace']);
  assert.equal(await page.$$eval('.picture', (els) => els.length), 0);
  assert.match(await page.textContent('#kpp-live') ?? '', /no trace\. no Service default\/nginxx/);
  await finish(o);
});

test('hostile strings from manifests and dumps show as text and run nothing', async () => {
  const o = await open();
  const { page } = o;
  await showTrace(page, hostile);
  const count = await page.evaluate(() => ({ img: document.querySelectorAll('img').length, script: document.querySelectorAll('script').length, svg: document.querySelectorAll('svg').length }));
  assert.deepEqual(count, { img: 0, script: 2, svg: 0 }, 'only the harness and bundle scripts');
  assert.equal(await page.textContent('#kpp-title'), hostile.title);
  assert.equal(await page.textContent('.target'), `${hostile.scenario.target.kind} evil/${X}`);
  const texts = await page.$$eval('.title, .explanation, code.rule, .endpoint, .errors li, .assumptions li, table.candidates td', (els) => els.map((e) => e.textContent ?? ''));
  assert.ok(texts.filter((t) => t.includes(X)).length >= 10, 'the hostile string appears verbatim as text');
  assert.equal(await page.inputValue('#kpp-node'), `node-${X}`);
  // The SVG export of the same trace parses as XML with only our elements.
  const svg = traceToSvg(hostile);
  const blank = await o.context.newPage();
  const parsed = await blank.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { error: doc.getElementsByTagName('parsererror').length, names: Array.from(new Set(Array.from(doc.getElementsByTagName('*')).map((e) => e.localName))).sort(), text: doc.documentElement.textContent ?? '' };
  }, svg);
  assert.equal(parsed.error, 0);
  assert.deepEqual(parsed.names, ['g', 'rect', 'style', 'svg', 'text', 'title', 'tspan']);
  assert.ok(parsed.text.includes(X));
  await blank.close();
  // A hop whose source is a javascript: URI still only posts a reveal request (the extension refuses it).
  await page.click('.hop.k-chain');
  assert.deepEqual((await posted(page)).at(-1), { type: 'reveal', source: { uri: 'javascript:alert(4)', span: { start: 0, end: 1 } } });
  await page.waitForTimeout(200);
  await finish(o);
});

test('saved state brings the trace back after a reload, and ready carries the scenario', async () => {
  const o = await open();
  const { page } = o;
  await showTrace(page, nginx);
  await page.click('[data-key="b1"] .branch-head');
  assert.equal(await page.getAttribute('[data-key="b1"]', 'aria-expanded'), 'false');
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  assert.deepEqual(await posted(page), [{ type: 'ready', scenario: nginx.scenario }]);
  assert.equal(await page.textContent('#kpp-title'), nginx.title);
  assert.equal(await page.getAttribute('[data-key="b1"]', 'aria-expanded'), 'false');
  assert.equal(await page.$$eval('ul.branches > li', (els) => els.length), 3);
  await finish(o);
});

function rgb(hex: string): string {
  const n = (i: number) => parseInt(hex.slice(i, i + 2), 16);
  return `rgb(${n(1)}, ${n(3)}, ${n(5)})`;
}

for (const [name, theme] of Object.entries(themes)) {
  test(`theme ${name}: colours follow the --vscode-* variables; screenshot`, async () => {
    const o = await open(name as keyof typeof themes);
    const { page } = o;
    await showTrace(page, name === 'dark' ? ingress : nginx);
    const styles = await page.evaluate(() => ({
      bodyBg: getComputedStyle(document.body).backgroundColor,
      bodyFg: getComputedStyle(document.body).color,
      badgeBg: getComputedStyle(document.querySelector('.badge') as Element).backgroundColor,
      buttonBg: getComputedStyle(document.querySelector('#kpp-copy') as Element).backgroundColor,
      rwBorder: getComputedStyle(document.querySelector('mark.rw') as Element).borderBottomColor,
      hopBorder: getComputedStyle(document.querySelector('.hop.rewrites') as Element).borderLeftColor,
      hopOutline: `${getComputedStyle(document.querySelector('.hop') as Element).outlineStyle} ${getComputedStyle(document.querySelector('.hop') as Element).outlineColor}`,
    }));
    assert.equal(styles.bodyBg, rgb(theme.vars['--vscode-editor-background']));
    assert.equal(styles.bodyFg, rgb(theme.vars['--vscode-foreground']));
    assert.equal(styles.badgeBg, rgb(theme.vars['--vscode-badge-background']));
    assert.equal(styles.buttonBg, rgb(theme.vars['--vscode-button-background']));
    assert.equal(styles.rwBorder, rgb(theme.vars['--vscode-charts-blue']));
    assert.equal(styles.hopBorder, rgb(theme.vars['--vscode-charts-blue']));
    const contrast = name.startsWith('high-contrast') ? themes[name as 'high-contrast' | 'high-contrast-light'].vars : undefined;
    if (contrast) assert.equal(styles.hopOutline, `solid ${rgb(contrast['--vscode-contrastBorder'])}`);
    else assert.match(styles.hopOutline, /^none /);
    // Focus ring colour.
    await page.focus('[data-key="s0"], [data-key="b0"]');
    await page.keyboard.press('ArrowDown');
    const focusColor = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineColor);
    const expected = contrast ? contrast['--vscode-contrastActiveBorder'] : theme.vars['--vscode-focusBorder'];
    assert.equal(focusColor, rgb(expected));
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
    await finish(o);
  });
}
