import { LineIndex } from '../core/text/lineIndex';
import type { Span } from '../core/text/span';
import type { Diagnostic, Severity } from '../core/diagnostics/types';
import { RULES, SKIPPED_NOTE_CODE } from '../core/diagnostics/rules';

/** What `kpp check` found, ready to print. */
export interface CheckReport {
  readonly diagnostics: readonly Diagnostic[];
  /** Files checked (uri -> text), for turning offsets into lines and columns. */
  readonly texts: ReadonlyMap<string, string>;
  /** How a uri is shown: a path relative to the working folder, with `/`. */
  readonly display: (uri: string) => string;
  readonly objectCount: number;
  readonly toolVersion: string;
}

/** 1-based line/column range; `endColumn` is the column just after the last character (as in SARIF). */
export interface Region {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export function toRegion(report: CheckReport, uri: string, span: Span, cache: Map<string, LineIndex>): Region {
  let index = cache.get(uri);
  if (!index) {
    index = new LineIndex(report.texts.get(uri) ?? '');
    cache.set(uri, index);
  }
  const s = index.positionAt(span.start);
  const e = index.positionAt(span.end);
  return { line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 };
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const d of diagnostics) counts[d.severity]++;
  return counts;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', blue: '\x1b[34m', cyan: '\x1b[36m' };
const SEVERITY_COLOUR: Record<Severity, string> = { error: ANSI.red, warning: ANSI.yellow, information: ANSI.blue, hint: ANSI.dim };

/** For people: `file:line:col severity code message`, grouped by file, then a summary line. */
export function formatText(report: CheckReport, options: { color?: boolean } = {}): string {
  const paint = (code: string, text: string) => (options.color ? `${code}${text}${ANSI.reset}` : text);
  const cache = new Map<string, LineIndex>();
  const lines: string[] = [];
  let currentFile: string | undefined;
  for (const d of report.diagnostics) {
    if (d.uri !== currentFile) {
      if (currentFile !== undefined) lines.push('');
      currentFile = d.uri;
    }
    const r = toRegion(report, d.uri, d.span, cache);
    lines.push(`${paint(ANSI.bold, `${report.display(d.uri)}:${r.line}:${r.column}`)} ${paint(SEVERITY_COLOUR[d.severity], d.severity)} ${paint(ANSI.dim, d.code)} ${d.message}`);
    for (const rel of d.related) {
      const rr = toRegion(report, rel.uri, rel.span, cache);
      lines.push(paint(ANSI.dim, `    related ${report.display(rel.uri)}:${rr.line}:${rr.column} ${rel.message}`));
    }
    for (const fix of d.fixes ?? []) lines.push(paint(ANSI.cyan, `    quick fix: ${fix.title}`));
  }
  const counts = countBySeverity(report.diagnostics);
  const files = new Set(report.diagnostics.map((d) => d.uri)).size;
  const checked = `${plural(report.texts.size, 'file')} checked, ${plural(report.objectCount, 'Kubernetes object')}`;
  if (report.diagnostics.length === 0) {
    lines.push(`No problems found (${checked}).`);
  } else {
    if (lines.length > 0) lines.push('');
    lines.push(
      `${plural(report.diagnostics.length, 'problem')} in ${plural(files, 'file')}: ` +
        `${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')}, ${plural(counts.information, 'information', 'information')}, ${plural(counts.hint, 'hint')} (${checked}).`,
    );
  }
  return lines.join('\n') + '\n';
}

/** `{"diagnostics":[{"file","line","column","endLine","endColumn","severity","code","message"}]}`, 1-based. */
export function formatJson(report: CheckReport): string {
  const cache = new Map<string, LineIndex>();
  const diagnostics = report.diagnostics.map((d) => {
    const r = toRegion(report, d.uri, d.span, cache);
    return { file: report.display(d.uri), line: r.line, column: r.column, endLine: r.endLine, endColumn: r.endColumn, severity: d.severity, code: d.code, message: d.message };
  });
  return JSON.stringify({ diagnostics }, null, 2) + '\n';
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** SARIF 2.1.0 for code scanning: the rule catalog as the driver's rules, one result per diagnostic. */
export function formatSarif(report: CheckReport): string {
  const cache = new Map<string, LineIndex>();
  const descriptors = [
    ...RULES.map((r) => ({ id: r.code, title: r.title, level: r.defaultSeverity, docs: r.docs })),
    { id: SKIPPED_NOTE_CODE, title: 'A file that was not analysed (a Helm template, or not Kubernetes YAML).', level: 'information' as Severity, docs: '' },
  ];
  const ruleIndex = new Map(descriptors.map((r, i) => [r.id, i]));
  const location = (uri: string, span: Span) => {
    const r = toRegion(report, uri, span, cache);
    return {
      physicalLocation: {
        artifactLocation: { uri: encodeURI(report.display(uri)), uriBaseId: '%SRCROOT%' },
        region: { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn },
      },
    };
  };
  const results = report.diagnostics.map((d) => ({
    ruleId: d.code,
    ...(ruleIndex.has(d.code) ? { ruleIndex: ruleIndex.get(d.code) } : {}),
    level: SARIF_LEVEL[d.severity],
    message: { text: d.message },
    locations: [location(d.uri, d.span)],
    ...(d.related.length > 0
      ? { relatedLocations: d.related.map((rel, i) => ({ id: i + 1, ...location(rel.uri, rel.span), message: { text: rel.message } })) }
      : {}),
    ...(d.severity === 'hint' ? { rank: 10 } : {}),
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kpp',
            fullName: 'Kubernetes Packet Path (kpp check)',
            version: report.toolVersion,
            rules: descriptors.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              defaultConfiguration: { level: SARIF_LEVEL[r.level] },
              ...(r.docs ? { properties: { documentation: r.docs } } : {}),
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The folder kpp check was run from.' } } },
        results,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
