import { distance } from 'fastest-levenshtein';
import { entrySpan, fieldNode, nearestSpan, valueAt } from '../manifests/fieldSpan';
import { isJsonObject } from '../manifests/parseManifests';
import type { FieldPath, JsonValue, ManifestObject } from '../manifests/types';
import type { Span } from '../text/span';
import { findRule, formatMessage } from './rules';
import type { Diagnostic, Fix, RelatedInformation, Severity, TextEdit } from './types';

/** Builds a diagnostic from the catalog: default severity and templated message unless overridden. */
export function makeDiagnostic(
  code: string,
  obj: ManifestObject,
  span: Span,
  params: Readonly<Record<string, string | number>>,
  extra: { severity?: Severity; related?: readonly RelatedInformation[]; fixes?: readonly Fix[] } = {},
): Diagnostic {
  const severity = extra.severity ?? findRule(code)?.defaultSeverity ?? 'warning';
  const d: Diagnostic = { uri: obj.uri, span, severity, code, message: formatMessage(code, params), related: extra.related ?? [] };
  return extra.fixes && extra.fixes.length > 0 ? { ...d, fixes: extra.fixes } : d;
}

/** A related location at `path` of `obj` (the nearest existing field, else the object). */
export function relatedAt(obj: ManifestObject, path: FieldPath, message: string): RelatedInformation {
  return { uri: obj.uri, span: nearestSpan(obj, path), message };
}

/**
 * Where to point a diagnostic for `path`: the field (key and value) when it fits on one line, just
 * its key when the value is a multi-line block (the first line of a multi-line sequence item),
 * else the nearest parent, else the object.
 */
export function spanAt(obj: ManifestObject, path: FieldPath): Span {
  const node = fieldNode(obj, path);
  const entry = entrySpan(obj, path);
  if (!node || !entry) return nearestSpan(obj, path);
  const inside = obj.source.slice(entry.start - obj.span.start, entry.end - obj.span.start);
  const newline = inside.indexOf('\n');
  if (newline < 0) return entry;
  if (node.keySpan) return node.keySpan;
  // A multi-line sequence item: its first line.
  return { start: entry.start, end: entry.start + inside.slice(0, newline).trimEnd().length };
}

/** `Deployment "web"` (and the namespace when asked). */
export function describe(obj: Pick<ManifestObject, 'kind' | 'name' | 'namespace'>, withNamespace = false): string {
  const ns = withNamespace && obj.namespace !== undefined ? ` in namespace "${obj.namespace}"` : '';
  return `${obj.kind} "${obj.name}"${ns}`;
}

/** Is `b` plausibly a typo of `a`? (Edit distance 1-2, and smaller than the shorter word.) */
export function isLikelyTypo(a: string, b: string): boolean {
  if (a === b) return false;
  const d = distance(a, b);
  return d <= 2 && d < Math.min(a.length, b.length);
}

/** The candidate closest to `word` by edit distance if it is a likely typo of it. */
export function closestTypo(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (!isLikelyTypo(word, c)) continue;
    const d = distance(word, c);
    if (d < bestDistance || (d === bestDistance && best !== undefined && c < best)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

export { distance as editDistance };

/** The text to put in place of a scalar so that it still reads back as the string `value`. */
export function formatScalarText(value: string, uri: string, wasQuoted: boolean): string {
  if (wasQuoted || /\.json$/i.test(uri) || needsQuotes(value)) return JSON.stringify(value);
  return value;
}

function needsQuotes(v: string): boolean {
  if (v === '' || v.trim() !== v) return true;
  if (/^(true|false|yes|no|on|off|y|n|null|~)$/i.test(v)) return true;
  if (/^[-+.]?[0-9]/.test(v)) return true;
  return /[:#{}[\],&*!|>'"%@`]/.test(v);
}

/** A fix replacing the value at `path` of `obj` with `text`, or undefined if the value is not there. */
export function replaceValueFix(obj: ManifestObject, path: FieldPath, text: string, title: string): Fix | undefined {
  const node = fieldNode(obj, path);
  if (!node) return undefined;
  return { title, edits: [{ uri: obj.uri, span: node.valueSpan, newText: text }] };
}

export function wasQuoted(obj: ManifestObject, path: FieldPath): boolean {
  return fieldNode(obj, path)?.quoted === true;
}

/** One entry of a Service's `spec.ports`, read leniently. */
export interface ServicePort {
  readonly index: number;
  readonly name?: string;
  readonly port?: number;
  readonly protocol: string;
  /** As written; undefined when absent (it then defaults to `port`). */
  readonly targetPort?: number | string;
  readonly nodePort?: number;
}

export function readServicePorts(service: ManifestObject): readonly ServicePort[] {
  const ports = valueAt(service.value, ['spec', 'ports']);
  if (!Array.isArray(ports)) return [];
  const out: ServicePort[] = [];
  ports.forEach((p: JsonValue, index: number) => {
    if (!isJsonObject(p)) return;
    const tp = p.targetPort;
    out.push({
      index,
      ...(typeof p.name === 'string' && p.name !== '' ? { name: p.name } : {}),
      ...(typeof p.port === 'number' ? { port: p.port } : {}),
      protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP',
      ...(typeof tp === 'number' || typeof tp === 'string' ? { targetPort: tp } : {}),
      ...(typeof p.nodePort === 'number' ? { nodePort: p.nodePort } : {}),
    });
  });
  return out;
}

export function serviceType(service: ManifestObject): string {
  const t = valueAt(service.value, ['spec', 'type']);
  return typeof t === 'string' && t !== '' ? t : 'ClusterIP';
}

/** `http=80/TCP, 443/TCP`: ports the way messages list them. */
export function formatServicePorts(ports: readonly ServicePort[]): string {
  return ports.map((p) => `${p.name ? `${p.name}=` : ''}${p.port ?? '?'}/${p.protocol}`).join(', ') || 'none';
}

/**
 * An edit adding `entries` to the mapping at `path` (block or flow style, YAML or JSON), keeping
 * its indentation. Undefined when the mapping is not written in the object (nothing to add to).
 */
export function addMapEntriesEdit(obj: ManifestObject, path: FieldPath, entries: readonly (readonly [string, string])[]): TextEdit | undefined {
  const node = fieldNode(obj, path);
  if (!node?.fields || entries.length === 0) return undefined;
  const json = /\.json$/i.test(obj.uri);
  const at = (offset: number) => obj.source.charAt(offset - obj.span.start);
  const pair = ([k, v]: readonly [string, string]) => `${formatScalarText(k, obj.uri, json)}: ${formatScalarText(v, obj.uri, json)}`;
  const children = [...node.fields.values()];
  const lastEnd = Math.max(...children.map((c) => Math.max(c.valueSpan.end, c.keySpan?.end ?? 0)));
  if (at(node.valueSpan.start) === '{') {
    if (children.length === 0) return { uri: obj.uri, span: { start: node.valueSpan.start + 1, end: node.valueSpan.start + 1 }, newText: entries.map(pair).join(', ') };
    return { uri: obj.uri, span: { start: lastEnd, end: lastEnd }, newText: entries.map((e) => `, ${pair(e)}`).join('') };
  }
  const first = children[0]?.keySpan;
  if (!first) return undefined;
  const before = obj.source.slice(0, first.start - obj.span.start);
  const lineStart = before.lastIndexOf('\n');
  if (lineStart < 0) return undefined;
  const indent = before.slice(lineStart + 1);
  if (!/^[ ]*$/.test(indent)) return undefined;
  const eol = obj.source.includes('\r\n') ? '\r\n' : '\n';
  return { uri: obj.uri, span: { start: lastEnd, end: lastEnd }, newText: entries.map((e) => `${eol}${indent}${pair(e)}`).join('') };
}
