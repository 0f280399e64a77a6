// A stand-in for the VS Code webview host: a static http server on 127.0.0.1 (random port) that
// serves the page `getWebviewHtml` makes (same CSP, sent as a header too), `dist/webview.js` and
// `dist/webview.css`, and a small script defining `acquireVsCodeApi` that records every posted
// message and keeps `setState` in localStorage (so a reload behaves like a restored panel).
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { getContentSecurityPolicy, getWebviewHtml } from '../../client/src/webviewHtml';

export const repoRoot = join(__dirname, '..', '..');
const dist = join(repoRoot, 'dist');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

/** Makes sure dist/webview.js and dist/webview.css are built from the current sources. */
export function ensureWebviewBundle(): void {
  const js = join(dist, 'webview.js');
  const css = join(dist, 'webview.css');
  const sources = Math.max(newestMtime(join(repoRoot, 'client', 'webview')), newestMtime(join(repoRoot, 'server', 'src', 'core', 'trace')));
  if (existsSync(js) && existsSync(css) && statSync(js).mtimeMs >= sources && statSync(css).mtimeMs >= sources) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status === 0 && existsSync(js) && existsSync(css)) return;
  // Another bundle failing to build must not hide the webview's own results: build just these two.
  const esbuild = join(repoRoot, 'node_modules', '.bin', 'esbuild');
  for (const args of [['client/webview/main.ts', '--bundle', '--platform=browser', '--format=iife', '--target=es2022', `--outfile=${js}`], ['client/webview/trace.css', '--bundle', `--outfile=${css}`]]) {
    const w = spawnSync(esbuild, args, { cwd: repoRoot, encoding: 'utf8' });
    if (w.status !== 0) throw new Error('webview build failed: ' + w.stderr + '\n(full build: ' + r.stderr + ')');
  }
}

// The stand-in for VS Code's webview API. Runs before the bundle (it carries the nonce too).
const stubScript = `
(() => {
  const posted = [];
  const violations = [];
  window.__posted = posted;
  window.__violations = violations;
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m) => posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => { const s = localStorage.getItem('kpp-state'); return s === null ? undefined : JSON.parse(s); },
      setState: (s) => { localStorage.setItem('kpp-state', JSON.stringify(s)); return s; },
    };
  };
})();
`;

export interface Harness {
  readonly url: string;
  readonly nonce: string;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const nonce = 'harnessNonce0123456789AB';
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    if (url.pathname === '/') {
      let html = getWebviewHtml({ nonce, scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/dist/webview.css`, cspSource: origin });
      // The host's own script goes first, as VS Code injects its API before the page's scripts.
      html = html.replace('<script nonce=', `<script nonce="${nonce}" src="${origin}/harness.js"></script>\n<script nonce=`);
      send('text/html; charset=utf-8', html, { 'content-security-policy': getContentSecurityPolicy(nonce, origin) });
    } else if (url.pathname === '/harness.js') {
      send('text/javascript', stubScript);
    } else if (url.pathname === '/dist/webview.js' || url.pathname === '/dist/webview.css') {
      const file = join(dist, url.pathname.slice('/dist/'.length));
      send(url.pathname.endsWith('.js') ? 'text/javascript' : 'text/css', readFileSync(file));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin + '/',
    nonce,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Messages the page has posted so far. */
export function posted(page: Page): Promise<unknown[]> {
  return page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted.slice());
}

/** Sends a message to the page as the extension would (`webview.postMessage`). */
export function sendToWebview(page: Page, message: unknown): Promise<void> {
  return page.evaluate((m) => window.postMessage(m, '*'), message);
}
