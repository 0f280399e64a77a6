import type { Span } from '../text/span';
import type { FieldNode, FieldPath, JsonObject, JsonValue, ManifestObject } from './types';

/** The source node at `path` inside an object, or undefined when the path does not exist. */
export function fieldNode(obj: Pick<ManifestObject, 'root'>, path: FieldPath): FieldNode | undefined {
  let node: FieldNode | undefined = obj.root;
  for (const step of path) {
    if (!node) return undefined;
    node = typeof step === 'number' ? node.items?.[step] : node.fields?.get(step);
  }
  return node;
}

/**
 * The key and value spans of the field at `path`, e.g. `fieldSpan(svc, ['spec', 'selector', 'app'])`.
 * `key` is undefined for sequence items and the root.
 */
export function fieldSpan(obj: Pick<ManifestObject, 'root'>, path: FieldPath): { readonly key?: Span; readonly value: Span } | undefined {
  const node = fieldNode(obj, path);
  if (!node) return undefined;
  return node.keySpan ? { key: node.keySpan, value: node.valueSpan } : { value: node.valueSpan };
}

/** The span to point a diagnostic at for `path`: from the key (if any) to the end of the value. */
export function entrySpan(obj: Pick<ManifestObject, 'root'>, path: FieldPath): Span | undefined {
  const node = fieldNode(obj, path);
  if (!node) return undefined;
  const start = node.keySpan ? node.keySpan.start : node.valueSpan.start;
  return { start, end: Math.max(start, node.valueSpan.end, node.keySpan?.end ?? 0) };
}

/**
 * The span of the deepest existing field along `path` (key and value), falling back to the object:
 * always gives somewhere sensible to point at.
 */
export function nearestSpan(obj: Pick<ManifestObject, 'root' | 'span'>, path: FieldPath): Span {
  for (let n = path.length; n > 0; n--) {
    const s = entrySpan(obj, path.slice(0, n));
    if (s) return s;
  }
  return obj.span;
}

/** The value at `path` in plain JSON, or undefined. */
export function valueAt(value: JsonValue | undefined, path: FieldPath): JsonValue | undefined {
  let v: JsonValue | undefined = value;
  for (const step of path) {
    if (v === null || v === undefined || typeof v !== 'object') return undefined;
    if (typeof step === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = (v as readonly JsonValue[])[step];
    } else {
      if (Array.isArray(v)) return undefined;
      const o = v as JsonObject;
      v = Object.prototype.hasOwnProperty.call(o, step) ? o[step] : undefined;
    }
  }
  return v;
}

/** A string-to-string map at `path` (labels, selectors); non-string values are stringified like the API server would reject them, so they are kept as text. */
export function stringMapAt(value: JsonValue | undefined, path: FieldPath): Readonly<Record<string, string>> | undefined {
  const v = valueAt(value, path);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as JsonObject)) {
    if (x === null || typeof x === 'object') continue;
    Object.defineProperty(out, k, { value: String(x), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
