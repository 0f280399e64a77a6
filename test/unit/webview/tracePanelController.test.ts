import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TracePanelController, svgFileName, type TracePanelHost } from '../../../client/src/tracePanelController';
import type { ToWebviewMessage } from '../../../client/webview/messages';
import type { PathTrace, TraceScenario } from '../../../server/src/core/trace/types';
import type { Span } from '../../../server/src/core/text/span';
import { formatTraceMarkdown } from '../../../server/src/core/trace/formatMarkdown';
import { traceToSvg } from '../../../client/webview/svg';
import { loadTrace } from './fixtures';

const nginx = loadTrace('nginx-loadbalancer-external');
const local = loadTrace('nginx-etp-local-drop');
const ingress = loadTrace('ingress-hello-world-two');

interface Token { cancelled: boolean; id: number }

/** A fake editor: records what the controller does; requests resolve when the test says so. */
function setup(opts: { scenario?: TraceScenario; visible?: boolean; folders?: string[] } = {}) {
  const posts: ToWebviewMessage[] = [];
  const titles: string[] = [];
  const reveals: { uri: string; span: Span }[] = [];
  const clipboard: string[] = [];
  const saved: { name: string; content: string }[] = [];
  const requests: { scenario: TraceScenario; token: Token; resolve: (t: PathTrace) => void; reject: (e: Error) => void }[] = [];
  let visible = opts.visible ?? true;
  let tokens = 0;
  const host: TracePanelHost<Token> = {
    postMessage: async (m) => { posts.push(m); return true; },
    isVisible: () => visible,
    setTitle: (t) => { titles.push(t); },
    workspaceFolders: () => opts.folders ?? ['file:///work/project'],
    writeClipboard: async (text) => { clipboard.push(text); },
    saveFile: async (name, content) => { saved.push({ name, content }); return name; },
    newCancellation: () => {
      const token = { cancelled: false, id: ++tokens };
      return { token, cancel: () => { token.cancelled = true; }, dispose: () => undefined };
    },
  };
  const controller = new TracePanelController<Token>(host, {
    requestTrace: (scenario, token) => new Promise<PathTrace>((resolve, reject) => requests.push({ scenario, token, resolve, reject })),
    reveal: (uri, span) => { reveals.push({ uri, span }); },
  }, opts.scenario);
  return { controller, posts, titles, reveals, clipboard, saved, requests, setVisible: (v: boolean) => { visible = v; } };
}

const tick = () => new Promise((r) => setImmediate(r));

test('ready: a restored scenario is traced; loading, then the trace', async () => {
  const t = setup();
  const done = t.controller.receive({ type: 'ready', scenario: nginx.scenario });
  await tick();
  assert.equal(t.requests.length, 1);
  assert.deepEqual(t.requests[0].scenario, nginx.scenario);
  t.requests[0].resolve(nginx);
  await done;
  assert.deepEqual(t.posts.map((p) => p.type), ['loading', 'trace']);
  assert.deepEqual(t.posts[1], { type: 'trace', trace: nginx, options: { nodes: [], dumps: [], ports: [], hosts: [] } });
  assert.equal(t.titles.at(-1), 'Trace: nginx');
});

test('ready: the scenario from the command wins over the restored one; no scenario, no request', async () => {
  const t = setup({ scenario: ingress.scenario });
  void t.controller.receive({ type: 'ready', scenario: nginx.scenario });
  await tick();
  assert.deepEqual(t.requests.map((r) => r.scenario), [ingress.scenario]);
  const e = setup();
  await e.controller.receive({ type: 'ready' });
  assert.equal(e.requests.length, 0);
  assert.deepEqual(e.posts, []);
});

test('malformed messages do nothing', async () => {
  const t = setup({ scenario: nginx.scenario });
  for (const raw of [null, {}, { type: 'setScenario', scenario: { ...nginx.scenario, via: 'x' } }, { type: 'reveal', source: { uri: 'file:///work/project/a', span: { start: 2, end: 1 } } }, { type: 'saveSvg', svg: '<svg/>' }, { type: 'run', command: 'rm' }]) {
    await t.controller.receive(raw);
  }
  assert.equal(t.requests.length, 0);
  assert.deepEqual(t.posts, []);
  assert.deepEqual(t.reveals, []);
  assert.deepEqual(t.saved, []);
});

test('reveal only inside the workspace or our generated-rules scheme', async () => {
  const t = setup();
  const span = { start: 10, end: 20 };
  const cases: [string, boolean][] = [
    ['file:///work/project/examples/nginx.yaml', true],
    ['kpp-rules://generated/aks-nodepool1-0.rules', true],
    ['file:///etc/passwd', false],
    ['file:///work/project/../../etc/passwd', false],
    ['javascript:alert(4)', false],
    ['command:workbench.action.openSettings', false],
  ];
  for (const [uri] of cases) await t.controller.receive({ type: 'reveal', source: { uri, span } });
  assert.deepEqual(t.reveals, cases.filter(([, ok]) => ok).map(([uri]) => ({ uri, span })));
});

test('only the latest answer is shown; the older request is cancelled', async () => {
  const t = setup({ scenario: nginx.scenario });
  const first = t.controller.refresh();
  const second = t.controller.receive({ type: 'setScenario', scenario: local.scenario });
  await tick();
  assert.equal(t.requests.length, 2);
  assert.equal(t.requests[0].token.cancelled, true);
  assert.equal(t.requests[1].token.cancelled, false);
  t.requests[1].resolve(local);
  await second;
  t.requests[0].resolve(nginx);
  await first;
  const traces = t.posts.filter((p): p is Extract<ToWebviewMessage, { type: 'trace' }> => p.type === 'trace');
  assert.deepEqual(traces.map((p) => p.trace.title), [local.title]);
  assert.equal(t.controller.currentTrace, local);
  assert.equal(t.titles.at(-1), 'Trace: nginx');
});

test('a failed request is shown as an error', async () => {
  const t = setup({ scenario: nginx.scenario });
  const done = t.controller.refresh();
  await tick();
  t.requests[0].reject(new Error('no rules for node aks-nodepool1-9'));
  await done;
  assert.deepEqual(t.posts.at(-1), { type: 'error', scenario: nginx.scenario, message: 'no rules for node aks-nodepool1-9' });
});

test('copy and save use the trace the extension holds', async () => {
  const t = setup({ scenario: nginx.scenario });
  await t.controller.receive({ type: 'copyMarkdown' });
  await t.controller.receive({ type: 'saveSvg' });
  assert.deepEqual(t.clipboard, [], 'nothing to copy before a trace');
  assert.deepEqual(t.saved, []);
  const done = t.controller.refresh();
  await tick();
  t.requests[0].resolve(nginx);
  await done;
  await t.controller.receive({ type: 'copyMarkdown' });
  await t.controller.receive({ type: 'saveSvg' });
  assert.deepEqual(t.clipboard, [formatTraceMarkdown(nginx)]);
  assert.deepEqual(t.saved, [{ name: 'packet-path-default-nginx.svg', content: traceToSvg(nginx) }]);
  assert.deepEqual(t.posts.slice(-2), [{ type: 'notice', message: 'Trace copied as Markdown.' }, { type: 'notice', message: 'Saved packet-path-default-nginx.svg.' }]);
  assert.equal(svgFileName(loadTrace('hostile-strings')), 'packet-path-evil-img-src-x-onerror-alert-1.svg');
});

test('live updates: a hidden panel waits until it is shown; a disposed one posts nothing', async () => {
  const t = setup({ scenario: nginx.scenario, visible: false });
  await t.controller.refresh({ onlyIfVisible: true });
  assert.equal(t.requests.length, 0);
  t.setVisible(true);
  void t.controller.becameVisible();
  await tick();
  assert.equal(t.requests.length, 1);
  await t.controller.becameVisible();
  assert.equal(t.requests.length, 1, 'not stale any more');
  t.controller.dispose();
  assert.equal(t.requests[0].token.cancelled, true);
  const before = t.posts.length;
  t.requests[0].resolve(nginx);
  await tick();
  assert.equal(t.posts.length, before);
});

test('rendered: what the webview reports having drawn reaches the extension', async () => {
  const seen: unknown[] = [];
  const t = setup();
  const controller = new TracePanelController<Token>({ postMessage: async () => true, isVisible: () => true, setTitle: () => undefined, workspaceFolders: () => [], writeClipboard: async () => undefined, saveFile: async () => undefined, newCancellation: () => ({ token: { cancelled: false, id: 0 }, cancel: () => undefined, dispose: () => undefined }) }, {
    requestTrace: async () => nginx,
    reveal: () => undefined,
    onRendered: (info) => { seen.push(info); },
  });
  await controller.receive({ type: 'rendered', title: nginx.title, branches: 3, hops: 40 });
  assert.deepEqual(seen, [{ title: nginx.title, branches: 3, hops: 40 }]);
  // Without a listener it is simply ignored.
  await t.controller.receive({ type: 'rendered', title: 'x', branches: 0, hops: 0 });
  assert.deepEqual(t.posts, []);
});
