import type { Span } from '../text/span';

/** Plain JSON, as a manifest object's `value`. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** A path into an object's value: mapping keys and sequence indexes, e.g. `['spec', 'ports', 0, 'targetPort']`. */
export type FieldPath = readonly (string | number)[];

/**
 * Where one node of an object sits in the source. Mapping entries have a `keySpan`; sequence items
 * and the object's root do not. `valueSpan` is the value node (empty, right after the key, when the
 * value is missing, as in `labels:`). Scalars written with quotes have `quoted: true`, and their
 * `valueSpan` includes the quotes.
 */
export interface FieldNode {
  readonly keySpan?: Span;
  readonly valueSpan: Span;
  readonly quoted?: boolean;
  /** For mappings: one entry per key (the last one wins when a key repeats). */
  readonly fields?: ReadonlyMap<string, FieldNode>;
  /** For sequences: one per item. */
  readonly items?: readonly FieldNode[];
}

/** One Kubernetes object found in a file: a YAML document, or an item of a `kind: List`. */
export interface ManifestObject {
  readonly uri: string;
  /** Position among the file's objects (0-based), stable for a given text. */
  readonly index: number;
  readonly apiVersion: string;
  readonly kind: string;
  /** `metadata.name`, or '' when absent (for example a KubeProxyConfiguration). */
  readonly name: string;
  /** `metadata.namespace`, `default` when absent; undefined for cluster-scoped kinds (Namespace, Node, IngressClass, ...). */
  readonly namespace: string | undefined;
  /** The whole object's node in the source. */
  readonly span: Span;
  /** The object as plain JSON. */
  readonly value: JsonObject;
  /** Source spans for every field of `value`; use `fieldSpan` / `fieldNode` to read it. */
  readonly root: FieldNode;
  /** The object's exact source text (used to fingerprint it). */
  readonly source: string;
  /**
   * True when the YAML document holding the object has syntax errors: the object is what the
   * parser recovered. It stays in the model (lookups still find it), but diagnostics other than
   * `yaml-syntax` are not reported on it.
   */
  readonly inBrokenDocument: boolean;
}

export interface ManifestError {
  readonly span: Span;
  readonly message: string;
  /** The yaml package's error code (e.g. `BAD_INDENT`), when it gave one. */
  readonly code?: string;
}

/** Why a file was not analysed. */
export type SkipReason = 'helm-template' | 'not-kubernetes';

export interface ManifestNote {
  readonly reason: SkipReason;
  readonly span: Span;
  readonly message: string;
}

export interface ManifestFile {
  readonly uri: string;
  readonly text: string;
  readonly objects: readonly ManifestObject[];
  /** YAML/JSON syntax errors, each once, at its position. */
  readonly errors: readonly ManifestError[];
  /** Set when the file was skipped (Helm template, not Kubernetes): at most one note per file. */
  readonly note?: ManifestNote;
}
