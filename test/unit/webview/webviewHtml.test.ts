import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getWebviewHtml, getContentSecurityPolicy, isSafeSourceList, makeNonce } from '../../../client/src/webviewHtml';

const parts = {
  nonce: 'abcDEF0123456789abcdef',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css',
  cspSource: 'https://*.vscode-cdn.net',
};

function cspOf(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'the page has a CSP meta tag');
  return m[1];
}

test('the CSP is strict: nothing by default, scripts by nonce only, styles/images/fonts from the webview source', () => {
  const csp = cspOf(getWebviewHtml(parts));
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name, values.join(' ')];
  }));
  assert.deepEqual(directives, {
    'default-src': "'none'",
    'script-src': `'nonce-${parts.nonce}'`,
    'style-src': parts.cspSource,
    'img-src': `${parts.cspSource} data:`,
    'font-src': parts.cspSource,
  });
  assert.equal(csp, getContentSecurityPolicy(parts.nonce, parts.cspSource));
});

test('the only script carries the nonce and comes from the bundle URI; no inline handlers, no unsafe-', () => {
  const html = getWebviewHtml(parts);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], new RegExp(`nonce="${parts.nonce}"`));
  assert.match(scripts[0][1], /src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\.js"/);
  assert.equal(scripts[0][2].trim(), '', 'no inline script body');
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /unsafe-/);
  assert.doesNotMatch(html, /\sstyle\s*=/i, 'no inline styles');
  assert.doesNotMatch(html, /<style/i);
  assert.match(html, /<link rel="stylesheet" href="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\.css">/);
});

test('values that could break out of the CSP or the markup are refused or escaped', () => {
  const html = getWebviewHtml({ ...parts, nonce: "x' 'unsafe-inline", cspSource: "* 'unsafe-eval'", scriptUri: '"><script>alert(1)</script>', title: '<img src=x onerror=alert(1)>' });
  assert.doesNotMatch(html, /unsafe-/);
  assert.equal([...html.matchAll(/<script\b/g)].length, 1);
  assert.match(html, /<title>&lt;img src=x onerror=alert\(1\)&gt;<\/title>/);
  assert.doesNotMatch(cspOf(html), /\*/);
});

test('makeNonce gives 32 url-safe characters, different each time', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.match(a, /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(a, b);
  assert.equal(makeNonce((bytes) => bytes.fill(255)), '_'.repeat(32));
});

test('the webview CSP source is used as given when it is a plain source list (code-server gives two sources)', () => {
  const cases: [string, boolean][] = [
    ["'self' https://*.vscode-cdn.net", true],
    ['https://*.vscode-cdn.net', true],
    ['http://127.0.0.1:36101', true],
    ['vscode-webview://abc123', true],
    ["* 'unsafe-eval'", false],
    ['*', false],
    ["'unsafe-inline'", false],
    ["'none'", false],
    ['a; script-src *', false],
    ['https://a.example, https://b.example', false],
    ['https://x.example "><script>', false],
    ['', false],
  ];
  for (const [source, ok] of cases) assert.equal(isSafeSourceList(source), ok, source);
  const csp = cspOf(getWebviewHtml({ ...parts, cspSource: "'self' https://*.vscode-cdn.net" }));
  assert.equal(csp, `default-src 'none'; script-src 'nonce-${parts.nonce}'; style-src 'self' https://*.vscode-cdn.net; img-src 'self' https://*.vscode-cdn.net data:; font-src 'self' https://*.vscode-cdn.net;`);
});
