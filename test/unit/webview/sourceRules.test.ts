// Guards over the webview's sources: no HTML built from strings, colours only from the theme.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const webviewDir = join(__dirname, '..', '..', '..', 'client', 'webview');

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Lines of `text` that match `pattern`, as `file:line: text`. */
function offenders(file: string, text: string, pattern: RegExp): string[] {
  return stripComments(text).split('\n').flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}

test('the webview never parses strings as HTML', () => {
  const files = readdirSync(webviewDir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.includes('render.ts') && files.includes('main.ts'));
  const found = files.flatMap((f) => offenders(f, readFileSync(join(webviewDir, f), 'utf8'), /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|eval|new Function)\b|setAttribute\(\s*['"](on\w+|style|href|src)['"]/));
  assert.deepEqual(found, []);
  // The check itself can fail:
  assert.equal(offenders('x.ts', "el.innerHTML = name;\n// el.innerHTML in a comment", /\binnerHTML\b/).length, 1);
});

/** Declarations of colour properties whose value has a colour that is not a --vscode-* variable. */
function hardCodedColours(css: string): string[] {
  const bad: string[] = [];
  for (const m of stripComments(css).matchAll(/(?:^|[{;\s])(color|background(?:-color)?|border(?:-(?:top|bottom|left|right))?(?:-color)?|outline(?:-color)?|fill|stroke|box-shadow|text-decoration(?:-color)?)\s*:\s*([^;{}]+)/g)) {
    const withoutVars = m[2].replace(/var\(--vscode-[\w-]+(,\s*var\(--vscode-[\w-]+\))?\)/g, '');
    if (/#[0-9a-f]{3,8}\b|\b(rgba?|hsla?|hwb|lab|lch|oklch|color)\(|\b(white|black|red|green|blue|gray|grey|yellow|orange|transparent|currentcolor)\b/i.test(withoutVars)) bad.push(`${m[1]}: ${m[2].trim()}`);
  }
  return bad;
}

test('the stylesheet takes every colour from a --vscode-* variable', () => {
  const css = readFileSync(join(webviewDir, 'trace.css'), 'utf8');
  assert.ok((css.match(/var\(--vscode-/g) ?? []).length > 50);
  assert.deepEqual(hardCodedColours(css), []);
  assert.match(css, /body\.vscode-high-contrast/);
  // The check itself can fail:
  assert.deepEqual(hardCodedColours('.a { color: var(--vscode-foreground); } .b{background-color:#fff} .c { border: 1px solid rgb(0 0 0); outline: 1px solid var(--vscode-focusBorder) }'),
    ['background-color: #fff', 'border: 1px solid rgb(0 0 0)']);
});
