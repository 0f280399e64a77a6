import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, visit, type Document, type Node as YamlNode } from 'yaml';
import type { Span } from '../text/span';
import type { FieldNode, JsonObject, JsonValue, ManifestError, ManifestFile, ManifestNote, ManifestObject } from './types';

/** Kinds that live outside namespaces (and so get no `namespace`). */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'Node', 'IngressClass', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding',
  'CustomResourceDefinition', 'PriorityClass', 'RuntimeClass', 'APIService', 'CSIDriver', 'CSINode',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'VolumeAttachment', 'ClusterIssuer', 'GatewayClass', 'ServiceCIDR', 'IPAddress',
  // Component configuration files (not API objects, no metadata): never namespaced.
  'KubeProxyConfiguration', 'KubeletConfiguration', 'KubeSchedulerConfiguration',
]);

/** Helm/Go template actions; a file containing one is a template, not a manifest. */
const TEMPLATE_ACTION = /\{\{[\s\S]*?\}\}/;
/** A line that looks like the top of a Kubernetes object, to tell broken manifests from other YAML/JSON. */
const LOOKS_KUBERNETES = /^[\s-]*["']?(apiVersion|kind)["']?\s*:/m;
/** Every Kubernetes object has these keys; a file without either is not parsed at all (package-lock.json, CI workflows...). */
const MENTIONS_KUBERNETES = /(apiVersion|kind)["']?\s*:/;
const NOT_KUBERNETES_MESSAGE = 'Skipped: no Kubernetes object here (no document has both apiVersion and kind).';
/** Guard against alias bombs: stop expanding after this many nodes per document. */
const MAX_NODES_PER_DOCUMENT = 200_000;

export function isClusterScopedKind(kind: string): boolean {
  return CLUSTER_SCOPED_KINDS.has(kind);
}

/**
 * Parses a YAML (or JSON) file into the Kubernetes objects it holds, with exact source spans for
 * every object and field. Multi-document files and `kind: List` items are flattened in source
 * order. Never throws: syntax problems come back in `errors`, and files that are Helm templates or
 * hold no Kubernetes object come back with no objects and one `note`.
 */
export function parseManifests(uri: string, text: string): ManifestFile {
  try {
    return parseUnsafe(uri, text);
  } catch (e) {
    // The yaml package is robust, but a parser must never take its caller down.
    const message = e instanceof Error ? e.message : String(e);
    return { uri, text, objects: [], errors: [{ span: { start: 0, end: Math.min(1, text.length) }, message: `could not parse: ${message}` }] };
  }
}

function parseUnsafe(uri: string, text: string): ManifestFile {
  const hasTemplateAction = TEMPLATE_ACTION.test(text);
  if (!hasTemplateAction && !MENTIONS_KUBERNETES.test(text)) return skipWithoutParsing(uri, text);

  const docs = parseAllDocuments(text, { keepSourceTokens: true, merge: true, prettyErrors: false });
  const documents: readonly Document.Parsed[] = Array.isArray(docs) ? docs : [];
  if (hasTemplateAction) {
    const action = templateActionOutsideStrings(text, documents);
    if (action) {
      const note: ManifestNote = {
        reason: 'helm-template',
        span: action,
        message: 'Skipped: this file contains template syntax ({{ }}), so it is a Helm/Go template rather than a manifest. Render it (helm template) to check the result.',
      };
      return { uri, text, objects: [], errors: [], note };
    }
    if (!MENTIONS_KUBERNETES.test(text)) return skipWithoutParsing(uri, text);
  }

  const objects: ManifestObject[] = [];
  const errors: ManifestError[] = [];
  const seen = new Set<string>();
  let nonEmptyDocuments = 0;
  let firstContent: Span | undefined;

  for (const doc of documents) {
    for (const err of doc.errors) {
      const [start, end] = err.pos;
      // One error per position: the yaml package sometimes adds follow-on errors at the same spot.
      const key = String(start);
      if (seen.has(key)) continue;
      seen.add(key);
      const s = Math.max(0, Math.min(start, text.length));
      let e = Math.max(s, Math.min(end, text.length));
      let message = firstLine(err.message);
      if (err.code === 'DUPLICATE_KEY') {
        // yaml points at the key's first character: cover the whole key and name it.
        const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*?)\s*:/.exec(text.slice(s));
        if (key) {
          e = s + key[1].length;
          message = `duplicate key ${key[1].startsWith('"') || key[1].startsWith("'") ? key[1] : `"${key[1]}"`}: a key may appear only once in a mapping (kubectl rejects the file)`;
        }
      }
      errors.push({ span: { start: s, end: e > s ? e : Math.min(s + 1, text.length) }, message, code: err.code });
    }
    const contents = doc.contents as YamlNode | null;
    if (!contents) continue;
    nonEmptyDocuments++;
    const ctx: ConvertContext = { doc, text, budget: { nodes: MAX_NODES_PER_DOCUMENT } };
    const converted = convertNode(contents, ctx, 0);
    firstContent ??= converted.field.valueSpan;
    collectObjects(uri, text, converted, doc.errors.length > 0, objects);
  }

  const looksKubernetes = objects.length > 0 || LOOKS_KUBERNETES.test(text);
  if (!looksKubernetes) {
    // Not ours (a CI workflow, a tsconfig.json, ...): no syntax errors from us, at most one note for YAML.
    const isJson = /\.json$/i.test(uri);
    if (nonEmptyDocuments === 0 || isJson) return { uri, text, objects: [], errors: [] };
    const at = firstContent ?? { start: 0, end: 0 };
    const note: ManifestNote = {
      reason: 'not-kubernetes',
      span: { start: at.start, end: Math.min(at.end, lineEnd(text, at.start)) },
      message: NOT_KUBERNETES_MESSAGE,
    };
    return { uri, text, objects: [], errors: [], note };
  }
  errors.sort((a, b) => a.span.start - b.span.start);
  return { uri, text, objects, errors };
}

/** A file that cannot hold a Kubernetes object: nothing for JSON, one note at the first content line for YAML. */
function skipWithoutParsing(uri: string, text: string): ManifestFile {
  if (/\.json$/i.test(uri)) return { uri, text, objects: [], errors: [] };
  const line = /^[ \t]*([^\s#].*?)[ \t]*$/m.exec(text.replace(/^(---|\.\.\.)[ \t]*$/gm, (m) => ' '.repeat(m.length)));
  if (!line) return { uri, text, objects: [], errors: [] };
  const start = line.index + line[0].indexOf(line[1]);
  const note: ManifestNote = { reason: 'not-kubernetes', span: { start, end: start + line[1].length }, message: NOT_KUBERNETES_MESSAGE };
  return { uri, text, objects: [], errors: [], note };
}

interface Converted {
  readonly value: JsonValue;
  readonly field: FieldNode;
}

/**
 * The first `{{ }}` that makes the file a template, or undefined when every one sits inside a
 * quoted or block string of valid YAML (Prometheus alert texts, Argo Workflows parameters...:
 * real manifests whose strings hold template text for another tool).
 */
function templateActionOutsideStrings(text: string, documents: readonly Document.Parsed[]): Span | undefined {
  const actions = [...text.matchAll(new RegExp(TEMPLATE_ACTION.source, 'g'))].map((m) => ({ start: m.index ?? 0, end: (m.index ?? 0) + m[0].length }));
  if (actions.length === 0) return undefined;
  if (documents.some((d) => d.errors.length > 0)) return actions[0];
  const strings: Span[] = [];
  for (const doc of documents) {
    visit(doc, {
      Scalar(_key, node) {
        if (node.type !== 'PLAIN' && node.range) strings.push({ start: node.range[0], end: node.range[1] });
      },
    });
  }
  return actions.find((a) => !strings.some((s) => s.start <= a.start && a.end <= s.end));
}

function collectObjects(uri: string, text: string, root: Converted, broken: boolean, out: ManifestObject[]): void {
  const value = root.value;
  if (!isJsonObject(value)) return;
  const kind = value.kind;
  const apiVersion = value.apiVersion;
  if (typeof kind !== 'string' || typeof apiVersion !== 'string') return;
  const items = value.items;
  if (kind.endsWith('List') && Array.isArray(items)) {
    const itemFields = root.field.fields?.get('items')?.items ?? [];
    items.forEach((item, i) => {
      const field = itemFields[i];
      if (field && isJsonObject(item) && typeof item.kind === 'string' && typeof item.apiVersion === 'string') {
        out.push(makeObject(uri, text, out.length, item, field, broken));
      }
    });
    return;
  }
  out.push(makeObject(uri, text, out.length, value, root.field, broken));
}

function makeObject(uri: string, text: string, index: number, value: JsonObject, root: FieldNode, inBrokenDocument: boolean): ManifestObject {
  const kind = value.kind as string;
  const metadata = isJsonObject(value.metadata) ? value.metadata : undefined;
  const name = typeof metadata?.name === 'string' ? metadata.name : '';
  const ns = metadata?.namespace;
  const namespace = isClusterScopedKind(kind) ? undefined : typeof ns === 'string' && ns !== '' ? ns : 'default';
  const span = root.valueSpan;
  return { uri, index, apiVersion: value.apiVersion as string, kind, name, namespace, span, value, root, source: text.slice(span.start, span.end), inBrokenDocument };
}

interface ConvertContext {
  readonly doc: Document.Parsed;
  readonly text: string;
  readonly budget: { nodes: number };
}

function convertNode(node: YamlNode | null | undefined, ctx: ConvertContext, depth: number, keySpan?: Span, fallbackAt = 0): Converted {
  const valueSpan = rangeSpan(node, fallbackAt, ctx.text);
  if (!node || ctx.budget.nodes-- <= 0 || depth > 200) return { value: null, field: withKey({ valueSpan }, keySpan) };
  if (isAlias(node)) {
    const target = node.resolve(ctx.doc) as YamlNode | undefined;
    const inner = convertNode(target, ctx, depth + 1, undefined, valueSpan.start);
    // Fields of an alias point at the anchored node; the alias itself is where the value is written.
    return { value: inner.value, field: withKey({ ...inner.field, valueSpan }, keySpan) };
  }
  if (isScalar(node)) {
    const v = node.value;
    let value: JsonValue;
    if (v === null || v === undefined) value = null;
    else if (typeof v === 'string' || typeof v === 'boolean') value = v;
    else if (typeof v === 'number') value = Number.isFinite(v) ? v : String(node.source ?? v);
    else if (typeof v === 'bigint') value = Number(v);
    else if (v instanceof Date) value = node.source ?? v.toISOString();
    else value = String(v);
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    return { value, field: withKey(quoted ? { valueSpan, quoted } : { valueSpan }, keySpan) };
  }
  if (isMap(node)) {
    const value: Record<string, JsonValue> = {};
    const fields = new Map<string, FieldNode>();
    const merges: Converted[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') continue;
      // With merge keys on, yaml gives `<<` as a symbol.
      const isMerge = typeof keyNode.value === 'symbol' || (keyNode.value === '<<' && keyNode.type === 'PLAIN');
      const key = isMerge ? '<<' : String(keyNode.value);
      const kSpan = rangeSpan(keyNode, valueSpan.start, ctx.text);
      const child = convertNode(pair.value as YamlNode | null, ctx, depth + 1, kSpan, kSpan.end);
      if (isMerge) {
        merges.push(child);
        continue;
      }
      defineField(value, key, child.value);
      fields.set(key, child.field);
    }
    for (const merge of merges) mergeInto(value, fields, merge);
    return { value, field: withKey({ valueSpan, fields }, keySpan) };
  }
  if (isSeq(node)) {
    const value: JsonValue[] = [];
    const items: FieldNode[] = [];
    for (const item of node.items) {
      const child = convertNode(item as YamlNode | null, ctx, depth + 1, undefined, valueSpan.start);
      value.push(child.value);
      items.push(child.field);
    }
    return { value, field: withKey({ valueSpan, items }, keySpan) };
  }
  return { value: null, field: withKey({ valueSpan }, keySpan) };
}

/** YAML merge keys (`<<: *base`, `<<: [*a, *b]`): copy the fields not set explicitly. */
function mergeInto(value: Record<string, JsonValue>, fields: Map<string, FieldNode>, merge: Converted): void {
  const sources: { v: JsonValue; f: FieldNode | undefined }[] = Array.isArray(merge.value)
    ? merge.value.map((v, i) => ({ v, f: merge.field.items?.[i] }))
    : [{ v: merge.value, f: merge.field }];
  for (const { v, f } of sources) {
    if (!isJsonObject(v)) continue;
    for (const [k, inner] of Object.entries(v)) {
      if (Object.prototype.hasOwnProperty.call(value, k)) continue;
      defineField(value, k, inner);
      const innerField = f?.fields?.get(k);
      if (innerField) fields.set(k, innerField);
    }
  }
}

function defineField(obj: Record<string, JsonValue>, key: string, v: JsonValue): void {
  // defineProperty so that a `__proto__` key is data, never a prototype change.
  Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
}

function withKey(field: FieldNode, keySpan: Span | undefined): FieldNode {
  return keySpan ? { ...field, keySpan } : field;
}

/** The node's source range, without the line breaks and blanks a block collection ends with. */
function rangeSpan(node: YamlNode | null | undefined, fallbackAt: number, text: string): Span {
  const r = node?.range;
  if (!r) return { start: fallbackAt, end: fallbackAt };
  let end = Math.max(r[0], r[1]);
  while (end > r[0] && /\s/.test(text[end - 1])) end--;
  return { start: r[0], end };
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).trim();
}

function lineEnd(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  return i < 0 ? text.length : i;
}
