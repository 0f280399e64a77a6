/**
 * The trace panel's protocol: one typed union per direction, and the validation the extension
 * applies to everything the webview posts (the webview is an untrusted page: it shows names,
 * labels and comments taken from manifests and dumps).
 *
 * Pure: no `vscode`, no DOM. Imported by the webview bundle and by `client/src/tracePanel.ts`.
 */
import type { PathTrace, SourceRef, TraceScenario, SourceKind, Entry } from '../../server/src/core/trace/types';

/** What the panel offers in its scenario controls besides what the trace itself says. */
export interface ScenarioOptions {
  /** Node names the packet may arrive on. */
  readonly nodes: readonly string[];
  /** iptables-save dumps known in the workspace, by node when known. */
  readonly dumps: readonly { readonly uri: string; readonly label: string; readonly node?: string }[];
  /** Service ports (names or numbers) of the target, when it is a Service. */
  readonly ports: readonly string[];
  /** Hosts known from the Ingress rules, when the target is an Ingress. */
  readonly hosts: readonly string[];
}

export const emptyScenarioOptions: ScenarioOptions = { nodes: [], dumps: [], ports: [], hosts: [] };

/** Extension → webview. */
export type ToWebviewMessage =
  | { readonly type: 'trace'; readonly trace: PathTrace; readonly options: ScenarioOptions }
  | { readonly type: 'loading'; readonly scenario: TraceScenario }
  | { readonly type: 'error'; readonly scenario: TraceScenario; readonly message: string }
  | { readonly type: 'notice'; readonly message: string };

/** Webview → extension. */
export type FromWebviewMessage =
  /** The script has started; `scenario` is what it restored from its saved state, if anything. */
  | { readonly type: 'ready'; readonly scenario?: TraceScenario }
  /** The user changed a control: trace this scenario instead. */
  | { readonly type: 'setScenario'; readonly scenario: TraceScenario }
  /** Show the YAML field or rule line a hop came from. */
  | { readonly type: 'reveal'; readonly source: SourceRef }
  | { readonly type: 'copyMarkdown' }
  | { readonly type: 'saveSvg' }
  /** A trace was drawn: what the page now shows (read back from the DOM), so the extension knows the round trip completed. */
  | { readonly type: 'rendered'; readonly title: string; readonly branches: number; readonly hops: number };

export const sourceKinds: readonly SourceKind[] = ['external', 'pod-same-node', 'pod-other-node', 'node', 'pod-self'];
export const entries: readonly Entry[] = ['loadbalancer', 'nodeport', 'clusterip', 'externalip'];

/** Limits on strings posted by the webview. Kubernetes names are at most 253 characters. */
export const limits = { name: 253, address: 253, uri: 4096, host: 253, path: 4096, port: 63, offset: 1 << 30, title: 500 } as const;

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isText(v: unknown, max: number): v is string {
  // No control characters: nothing a user types in the panel needs them.
  // eslint-disable-next-line no-control-regex
  return typeof v === 'string' && v.length <= max && !/[\u0000-\u001f\u007f]/.test(v);
}

function isOptionalText(v: unknown, max: number): boolean {
  return v === undefined || isText(v, max);
}

function onlyKeys(r: Rec, keys: readonly string[]): boolean {
  return Object.keys(r).every((k) => keys.includes(k));
}

/** A `TraceScenario` with exactly the documented fields and sane values, or undefined. */
export function validateScenario(raw: unknown): TraceScenario | undefined {
  if (!isRecord(raw)) return undefined;
  const keys = ['target', 'source', 'sourceAddress', 'via', 'node', 'externalTrafficPolicy', 'internalTrafficPolicy', 'returningClient', 'rules', 'host', 'path', 'destination'];
  if (!onlyKeys(raw, keys)) return undefined;
  const t = raw.target;
  if (!isRecord(t) || !onlyKeys(t, ['kind', 'namespace', 'name', 'port'])) return undefined;
  if (t.kind !== 'Service' && t.kind !== 'Ingress') return undefined;
  if (!isText(t.namespace, limits.name) || !isText(t.name, limits.name) || t.name === '') return undefined;
  if (!isOptionalText(t.port, limits.port)) return undefined;
  if (!sourceKinds.includes(raw.source as SourceKind)) return undefined;
  if (!isOptionalText(raw.sourceAddress, limits.address)) return undefined;
  if (!entries.includes(raw.via as Entry)) return undefined;
  if (!isText(raw.node, limits.name)) return undefined;
  for (const p of [raw.externalTrafficPolicy, raw.internalTrafficPolicy]) {
    if (p !== undefined && p !== 'Cluster' && p !== 'Local') return undefined;
  }
  if (raw.returningClient !== undefined && typeof raw.returningClient !== 'boolean') return undefined;
  let rules: TraceScenario['rules'];
  if (raw.rules === 'generated') rules = 'generated';
  else if (isRecord(raw.rules) && onlyKeys(raw.rules, ['dumpUri']) && isText(raw.rules.dumpUri, limits.uri) && raw.rules.dumpUri !== '') rules = { dumpUri: raw.rules.dumpUri };
  else return undefined;
  if (!isOptionalText(raw.host, limits.host) || !isOptionalText(raw.path, limits.path)) return undefined;
  let destination: TraceScenario['destination'];
  if (raw.destination !== undefined) {
    const d = raw.destination;
    if (!isRecord(d) || !onlyKeys(d, ['address', 'port']) || !isText(d.address, limits.address) || d.address === '') return undefined;
    if (typeof d.port !== 'number' || !Number.isInteger(d.port) || d.port < 1 || d.port > 65535) return undefined;
    destination = { address: d.address, port: d.port };
  }
  // Rebuild rather than pass through: nothing but the known fields reaches the extension.
  const scenario: TraceScenario = {
    target: { kind: t.kind, namespace: t.namespace, name: t.name, ...(t.port !== undefined ? { port: t.port as string } : {}) },
    source: raw.source as SourceKind,
    ...(raw.sourceAddress !== undefined ? { sourceAddress: raw.sourceAddress as string } : {}),
    via: raw.via as Entry,
    node: raw.node,
    ...(raw.externalTrafficPolicy !== undefined ? { externalTrafficPolicy: raw.externalTrafficPolicy as 'Cluster' | 'Local' } : {}),
    ...(raw.internalTrafficPolicy !== undefined ? { internalTrafficPolicy: raw.internalTrafficPolicy as 'Cluster' | 'Local' } : {}),
    ...(raw.returningClient !== undefined ? { returningClient: raw.returningClient } : {}),
    rules,
    ...(raw.host !== undefined ? { host: raw.host as string } : {}),
    ...(raw.path !== undefined ? { path: raw.path as string } : {}),
    ...(destination ? { destination } : {}),
  };
  return scenario;
}

function validateSourceRef(raw: unknown): SourceRef | undefined {
  if (!isRecord(raw) || !onlyKeys(raw, ['uri', 'span'])) return undefined;
  if (!isText(raw.uri, limits.uri) || raw.uri === '') return undefined;
  const s = raw.span;
  if (!isRecord(s) || !onlyKeys(s, ['start', 'end'])) return undefined;
  const { start, end } = s;
  if (!Number.isInteger(start) || !Number.isInteger(end)) return undefined;
  if ((start as number) < 0 || (end as number) < (start as number) || (end as number) > limits.offset) return undefined;
  return { uri: raw.uri, span: { start: start as number, end: end as number } };
}

/**
 * Checks the shape, types and lengths of a message posted by the webview. Returns a fresh,
 * well-typed copy, or undefined for anything unexpected (which the extension ignores).
 */
export function validateWebviewMessage(raw: unknown): FromWebviewMessage | undefined {
  if (!isRecord(raw) || typeof raw.type !== 'string') return undefined;
  switch (raw.type) {
    case 'ready': {
      if (!onlyKeys(raw, ['type', 'scenario'])) return undefined;
      if (raw.scenario === undefined) return { type: 'ready' };
      const scenario = validateScenario(raw.scenario);
      // A stale or damaged saved state is not an error: start without it.
      return scenario ? { type: 'ready', scenario } : { type: 'ready' };
    }
    case 'setScenario': {
      if (!onlyKeys(raw, ['type', 'scenario'])) return undefined;
      const scenario = validateScenario(raw.scenario);
      return scenario ? { type: 'setScenario', scenario } : undefined;
    }
    case 'reveal': {
      if (!onlyKeys(raw, ['type', 'source'])) return undefined;
      const source = validateSourceRef(raw.source);
      return source ? { type: 'reveal', source } : undefined;
    }
    case 'copyMarkdown':
    case 'saveSvg':
      return onlyKeys(raw, ['type']) ? { type: raw.type } : undefined;
    case 'rendered': {
      if (!onlyKeys(raw, ['type', 'title', 'branches', 'hops'])) return undefined;
      const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1_000_000;
      if (!isText(raw.title, limits.title) || !count(raw.branches) || !count(raw.hops)) return undefined;
      return { type: 'rendered', title: raw.title as string, branches: raw.branches as number, hops: raw.hops as number };
    }
    default:
      return undefined;
  }
}

/** Splits `scheme://authority/path?query#fragment` far enough to compare locations; undefined if not a URI. */
function splitUri(uri: string): { scheme: string; authority: string; path: string } | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)/.exec(uri);
  if (!m) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(m[3]);
  } catch {
    return undefined;
  }
  return { scheme: m[1].toLowerCase(), authority: (m[2] ?? '').toLowerCase(), path };
}

/** Resolves `.` and `..` segments; undefined when `..` climbs above the root. */
function normalizePath(path: string): string | undefined {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return '/' + out.join('/');
}

/**
 * Whether the webview may ask to reveal `uri`: only documents inside one of the workspace folders
 * (same scheme and authority, a path below the folder's path after resolving `..`), or any
 * document of one of our own virtual schemes (the generated-rules documents).
 */
export function isRevealAllowed(uri: string, workspaceFolders: readonly string[], ownSchemes: readonly string[]): boolean {
  const target = splitUri(uri);
  if (!target) return false;
  if (ownSchemes.map((s) => s.toLowerCase()).includes(target.scheme)) return true;
  const targetPath = normalizePath(target.path);
  if (targetPath === undefined) return false;
  for (const folder of workspaceFolders) {
    const f = splitUri(folder);
    if (!f || f.scheme !== target.scheme || f.authority !== target.authority) continue;
    const folderPath = normalizePath(f.path);
    if (folderPath === undefined) continue;
    const prefix = folderPath.endsWith('/') ? folderPath : folderPath + '/';
    if (targetPath === folderPath || targetPath.startsWith(prefix)) return true;
  }
  return false;
}
