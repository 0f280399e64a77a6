// Test harness for the diagnostics: loads a fixture folder into a WorkspaceIndex and renders the
// diagnostics as readable, line/column based data to compare with a golden file.
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import assert from 'node:assert/strict';
import { WorkspaceIndex } from '../../../server/src/core/workspace/workspaceIndex';
import { LineIndex } from '../../../server/src/core/text/lineIndex';
import type { Span } from '../../../server/src/core/text/span';
import type { Diagnostic, TextEdit } from '../../../server/src/core/diagnostics/types';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'manifests');
export const EXPECTED_FILE = 'expected.json';

export interface RenderedDiagnostic {
  readonly file: string;
  /** `line:col-line:col`, 1-based, end exclusive. */
  readonly range: string;
  readonly text: string;
  readonly severity: string;
  readonly code: string;
  readonly message: string;
  readonly related?: readonly string[];
  readonly fixes?: readonly { readonly title: string; readonly edits: readonly string[] }[];
}

/** Every file of a fixture folder (except the golden), keyed by its path relative to the folder. */
export function loadFixture(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name !== EXPECTED_FILE) files.set(relative(dir, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

export function indexOf(files: ReadonlyMap<string, string>): WorkspaceIndex {
  const index = new WorkspaceIndex();
  for (const [uri, text] of files) index.setFile(uri, text, 1);
  return index;
}

function where(files: ReadonlyMap<string, string>, uri: string, span: Span): string {
  const li = new LineIndex(files.get(uri) ?? '');
  const s = li.positionAt(span.start);
  const e = li.positionAt(span.end);
  return `${s.line + 1}:${s.character + 1}-${e.line + 1}:${e.character + 1}`;
}

function renderEdit(files: ReadonlyMap<string, string>, e: TextEdit): string {
  return `${e.uri}:${where(files, e.uri, e.span)} ${JSON.stringify((files.get(e.uri) ?? '').slice(e.span.start, e.span.end))} => ${JSON.stringify(e.newText)}`;
}

export function render(files: ReadonlyMap<string, string>, diagnostics: readonly Diagnostic[]): RenderedDiagnostic[] {
  return diagnostics.map((d) => {
    const text = (files.get(d.uri) ?? '').slice(d.span.start, d.span.end);
    const r: RenderedDiagnostic = {
      file: d.uri,
      range: where(files, d.uri, d.span),
      text: text.length > 60 ? `${text.slice(0, 57)}...` : text,
      severity: d.severity,
      code: d.code,
      message: d.message,
      ...(d.related.length ? { related: d.related.map((x) => `${x.uri}:${where(files, x.uri, x.span)} ${x.message}`) } : {}),
      ...(d.fixes?.length ? { fixes: d.fixes.map((f) => ({ title: f.title, edits: f.edits.map((e) => renderEdit(files, e)) })) } : {}),
    };
    return r;
  });
}

/** Applies edits (from one fix) to the files, last edit first. */
export function applyEdits(files: ReadonlyMap<string, string>, edits: readonly TextEdit[]): Map<string, string> {
  const out = new Map(files);
  const sorted = [...edits].sort((a, b) => (a.uri === b.uri ? b.span.start - a.span.start : a.uri < b.uri ? -1 : 1));
  for (const e of sorted) {
    const t = out.get(e.uri) ?? '';
    out.set(e.uri, t.slice(0, e.span.start) + e.newText + t.slice(e.span.end));
  }
  return out;
}

/** Compares with `expected.json` in the folder; UPDATE_GOLDEN=1 rewrites it on purpose. */
export function checkGolden(dir: string, actual: readonly RenderedDiagnostic[]): void {
  const file = join(dir, EXPECTED_FILE);
  const json = JSON.stringify(actual, null, 2) + '\n';
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`missing golden ${file} (run with UPDATE_GOLDEN=1 to create it, then review it)`);
    writeFileSync(file, json);
    return;
  }
  assert.deepEqual(actual, JSON.parse(readFileSync(file, 'utf8')) as unknown);
}
