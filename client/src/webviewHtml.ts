/**
 * The trace panel's HTML shell. Pure (no `vscode` import) so tests can check it: a strict
 * Content-Security-Policy with a nonce, one script (the bundle from `asWebviewUri`), one
 * stylesheet, no inline handlers, no inline styles, no data in the markup (the script draws
 * everything from messages).
 */

export interface WebviewHtmlParts {
  /** A fresh random nonce per page load ([A-Za-z0-9+/=_-] only). */
  readonly nonce: string;
  /** `webview.asWebviewUri(dist/webview.js)` as a string. */
  readonly scriptUri: string;
  /** `webview.asWebviewUri(dist/webview.css)` as a string. */
  readonly styleUri: string;
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** The page title (escaped here). */
  readonly title?: string;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Whether `webview.cspSource` is a plain CSP source list: space-separated host or scheme sources,
 * or `'self'` (code-server gives `'self' https://*.vscode-cdn.net`). Nothing that could end the
 * directive (`;`, `,`), add a keyword such as `'unsafe-inline'`, or break out of the attribute.
 */
export function isSafeSourceList(sources: string): boolean {
  const tokens = sources.trim().split(/ +/);
  return sources.trim() !== '' && tokens.every((t) => t === "'self'" || /^(?:[a-z][a-z0-9+.-]*:)?(?:\/\/)?[A-Za-z0-9*][A-Za-z0-9*._~%+-]*(?::(?:\d+|\*))?(?:\/[^\s;,'"<>]*)?$|^[a-z][a-z0-9+.-]*:$/.test(t) && t !== '*');
}

/** The Content-Security-Policy of the page. */
export function getContentSecurityPolicy(nonce: string, cspSource: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ') + ';';
}

/** The page. Throws nothing; a nonce or URI with characters that could break out is refused by replacing it. */
export function getWebviewHtml(parts: WebviewHtmlParts): string {
  // The nonce and the CSP source are put inside the CSP: keep them to their expected alphabets.
  const nonce = /^[A-Za-z0-9+/=_-]{16,}$/.test(parts.nonce) ? parts.nonce : 'invalid-nonce-refused';
  const cspSource = isSafeSourceList(parts.cspSource) ? parts.cspSource : "'none'";
  const csp = getContentSecurityPolicy(nonce, cspSource);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(parts.styleUri)}">
<title>${escapeHtml(parts.title ?? 'Packet path')}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(parts.scriptUri)}"></script>
</body>
</html>
`;
}

/** A nonce from a cryptographic random source: 32 base64url characters. */
export function makeNonce(random: (bytes: Uint8Array) => Uint8Array = (b) => globalThis.crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(24));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_');
}
