import type { JsonValue } from '../manifests/types';

export type Labels = Readonly<Record<string, string>>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** A metav1.LabelSelector: every matchLabels pair and every requirement must hold. */
export interface LabelSelector {
  readonly matchLabels: Labels;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

/** Why a selector is not usable as written (unknown operator, values with Exists, ...). */
export interface SelectorProblem {
  readonly index: number;
  readonly message: string;
}

function has(labels: Labels, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

/** Does one requirement hold for `labels`? (The semantics of k8s.io/apimachinery labels.Requirement.) */
export function matchesRequirement(req: LabelSelectorRequirement, labels: Labels): boolean {
  const present = has(labels, req.key);
  switch (req.operator) {
    case 'In':
      return present && req.values.includes(labels[req.key]);
    case 'NotIn':
      return !present || !req.values.includes(labels[req.key]);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
  }
}

/** matchLabels and matchExpressions. An empty selector matches everything. */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels)) {
    if (!has(labels, k) || labels[k] !== v) return false;
  }
  return selector.matchExpressions.every((req) => matchesRequirement(req, labels));
}

/**
 * A Service's `spec.selector` (a plain map). Unlike a LabelSelector, an empty or missing selector
 * selects NO pods: the Service then gets its endpoints from hand-made Endpoints/EndpointSlices.
 */
export function matchesServiceSelector(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector) return false;
  const entries = Object.entries(selector);
  if (entries.length === 0) return false;
  return entries.every(([k, v]) => has(labels, k) && labels[k] === v);
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

const OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Reads a metav1.LabelSelector from JSON. Non-objects give undefined. Unknown operators and
 * malformed requirements are reported in `problems` and left out of the selector.
 */
export function readLabelSelector(v: JsonValue | undefined): { selector: LabelSelector; problems: readonly SelectorProblem[] } | undefined {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as { readonly [k: string]: JsonValue };
  const matchLabels: Record<string, string> = {};
  const ml = o.matchLabels;
  if (ml && typeof ml === 'object' && !Array.isArray(ml)) {
    for (const [k, x] of Object.entries(ml as { readonly [k: string]: JsonValue })) {
      if (x === null || typeof x === 'object') continue;
      Object.defineProperty(matchLabels, k, { value: String(x), enumerable: true, writable: true, configurable: true });
    }
  }
  const matchExpressions: LabelSelectorRequirement[] = [];
  const problems: SelectorProblem[] = [];
  const me = o.matchExpressions;
  if (Array.isArray(me)) {
    me.forEach((item: JsonValue, index: number) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        problems.push({ index, message: 'a matchExpressions item must be a mapping with key and operator' });
        return;
      }
      const r = item as { readonly [k: string]: JsonValue };
      const key = typeof r.key === 'string' ? r.key : undefined;
      const operator = typeof r.operator === 'string' ? r.operator : undefined;
      const values = Array.isArray(r.values) ? (r.values as readonly JsonValue[]).filter((x) => x !== null && typeof x !== 'object').map(String) : [];
      if (!key || !operator || !OPERATORS.has(operator)) {
        problems.push({ index, message: `matchExpressions[${index}] needs a key and an operator of In, NotIn, Exists or DoesNotExist` });
        return;
      }
      matchExpressions.push({ key, operator: operator as SelectorOperator, values });
    });
  }
  return { selector: { matchLabels, matchExpressions }, problems };
}

/** `app=web, tier in (a,b)`: a selector written the way kubectl prints it. */
export function formatSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions) {
    if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${r.values.join(',')})`);
  }
  return parts.join(', ');
}

export function formatLabels(labels: Labels): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');
}
