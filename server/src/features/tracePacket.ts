// `kpp/tracePacket` (TraceScenario → PathTrace, with buildTrace on the current snapshot),
// `kpp/traceTargets` (Services and Ingresses for the quick pick) and `kpp/scenarioOptions` (what the
// trace panel's controls offer). Generated rules come from the same cache as the hover and the
// `kpp-rules:` document, and trace hops point into that document (`node-restore` format); a dump
// the scenario names is read from the open document, or from disk.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { locatorOf, nodeRulesOfSnapshot } from '../core/cluster/clusterOfSnapshot';
import { buildNodeRules, type NodeRules } from '../core/cluster/nodeRules';
import type { Cluster, KubeObject } from '../core/cluster/synthesizeCluster';
import { parseDump } from '../core/iptables/parseDump';
import type { Ruleset } from '../core/iptables/model';
import { buildTrace, defaultScenario, type TraceEnvironment } from '../core/trace/buildTrace';
import type { Entry, PathTrace, SourceKind, TraceScenario } from '../core/trace/types';
import type { Span } from '../core/text/span';
import {
  formatRulesUri,
  ScenarioOptionsMethod,
  TracePacketMethod,
  TraceTargetsMethod,
  type ScenarioOptionsResult,
  type TraceTargetItem,
} from '../protocol';
import { canonicalUri } from '../host/workspaceFiles';
import { defineCustomRequest } from './customRequests';
import type { FeatureContext } from './featureContext';
import { currentRules } from './generatedRules';
import { currentSettings, nodeRulesOptions } from './settings';

const SOURCES: readonly SourceKind[] = ['external', 'pod-same-node', 'pod-other-node', 'node', 'pod-self'];
const ENTRIES: readonly Entry[] = ['loadbalancer', 'nodeport', 'clusterip', 'externalip'];
const MAX = 4096;

type Rec = Record<string, unknown>;
function rec(v: unknown): Rec | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX ? v : undefined;
}

/**
 * A scenario from untrusted params: the target is required (kind, name; namespace default
 * `default`); every other field that is missing or malformed is taken from the default scenario
 * for that target. Undefined when there is no usable target.
 */
export function readScenario(cluster: Cluster, objects: readonly KubeObject[], raw: unknown): TraceScenario | undefined {
  const p = rec(raw);
  const t = rec(p?.target);
  const kind = t?.kind === 'Service' || t?.kind === 'Ingress' ? t.kind : undefined;
  const name = str(t?.name);
  if (!p || !kind || !name) return undefined;
  const namespace = str(t?.namespace) ?? 'default';
  const port = typeof t?.port === 'number' ? String(t.port) : str(t?.port);
  const base = defaultScenario(cluster, objects, kind, namespace, name, kind === 'Service' ? port : undefined);
  const dumpUri = str(rec(p.rules)?.dumpUri);
  const policy = (v: unknown) => (v === 'Cluster' || v === 'Local' ? v : undefined);
  const etp = policy(p.externalTrafficPolicy);
  const itp = policy(p.internalTrafficPolicy);
  const sourceAddress = str(p.sourceAddress);
  const host = str(p.host);
  const path = str(p.path);
  const d = rec(p.destination);
  const destination = d && str(d.address) && typeof d.port === 'number' && Number.isInteger(d.port) && d.port >= 1 && d.port <= 65535 ? { address: str(d.address)!, port: d.port } : undefined;
  return {
    ...base,
    source: SOURCES.includes(p.source as SourceKind) ? (p.source as SourceKind) : base.source,
    via: ENTRIES.includes(p.via as Entry) ? (p.via as Entry) : base.via,
    node: str(p.node) ?? base.node,
    rules: dumpUri ? { dumpUri } : 'generated',
    ...(sourceAddress ? { sourceAddress } : {}),
    ...(etp ? { externalTrafficPolicy: etp } : {}),
    ...(itp ? { internalTrafficPolicy: itp } : {}),
    ...(p.returningClient === true ? { returningClient: true } : {}),
    ...(kind === 'Ingress' && host ? { host } : {}),
    ...(kind === 'Ingress' && path ? { path } : {}),
    ...(destination ? { destination } : {}),
  };
}

/** Offsets of each line of `text`, for "reveal this rule line". */
export function lineSpansOf(text: string): (line: number) => Span | undefined {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (line) => {
    if (!Number.isInteger(line) || line < 0 || line >= starts.length) return undefined;
    const start = starts[line];
    let end = line + 1 < starts.length ? starts[line + 1] - 1 : text.length;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    return { start, end };
  };
}

const spansCache = new WeakMap<NodeRules, (line: number) => Span | undefined>();
function nodeRestoreSpans(rules: NodeRules): (line: number) => Span | undefined {
  let s = spansCache.get(rules);
  if (!s) {
    s = lineSpansOf(rules.nodeRestore);
    spansCache.set(rules, s);
  }
  return s;
}

/** The dump a scenario names: the open document's text, else the file on disk (file: URIs only). */
function readDump(ctx: FeatureContext, uri: string): { text: string } | { error: string } {
  const open = ctx.openDocument(uri);
  if (open) return { text: open.text };
  if (!uri.startsWith('file:')) return { error: `The dump ${uri} is not open and not a file.` };
  try {
    return { text: readFileSync(fileURLToPath(uri), 'utf8') };
  } catch (err) {
    return { error: `Cannot read the dump ${uri}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function failedTrace(raw: unknown, error: string): PathTrace {
  const t = rec(rec(raw)?.target);
  const scenario: TraceScenario = {
    target: { kind: t?.kind === 'Ingress' ? 'Ingress' : 'Service', namespace: str(t?.namespace) ?? 'default', name: str(t?.name) ?? '' },
    source: 'external',
    via: 'clusterip',
    node: '',
    rules: 'generated',
  };
  return { title: 'No trace', scenario, assumptions: [], branches: [], errors: [error] };
}

/** The trace for untrusted params on the current snapshot. Never throws on content. */
export function traceScenario(ctx: FeatureContext, raw: unknown): PathTrace {
  const { cluster, objects } = currentRules(ctx.snapshot);
  const scenario = readScenario(cluster, objects, raw);
  if (!scenario) return failedTrace(raw, 'The request names no Service or Ingress to trace (params: a TraceScenario with target.kind, target.namespace, target.name).');
  const settings = currentSettings();
  const snapshot = ctx.snapshot;
  const whatIf = scenario.externalTrafficPolicy !== undefined || scenario.internalTrafficPolicy !== undefined;
  const env: { -readonly [K in keyof TraceEnvironment]: TraceEnvironment[K] } = {
    cluster,
    locate: locatorOf(snapshot),
    // The workspace's cluster: the cached rules the hover and the document show. A what-if cluster
    // (changed traffic policy) gets its own rules, which no document shows.
    nodeRules: (c, nodeName, overrides) => (c === cluster && !overrides ? nodeRulesOfSnapshot(snapshot, settings.cluster, nodeRulesOptions(settings, nodeName)) : buildNodeRules(c, { nodeName, overrides: { ...settings.kubeProxy, ...overrides } })),
  };
  if (!whatIf) {
    env.generatedRulesUri = (nodeName) => formatRulesUri(nodeName, 'node-restore');
    env.generatedLineSpan = (nodeName, line) => nodeRestoreSpans(nodeRulesOfSnapshot(snapshot, settings.cluster, nodeRulesOptions(settings, nodeName)))(line);
  }
  const extraErrors: string[] = [];
  if (scenario.rules !== 'generated') {
    const dump = readDump(ctx, scenario.rules.dumpUri);
    if ('error' in dump) return { ...failedTrace(raw, dump.error), scenario };
    const ruleset: Ruleset = parseDump(dump.text);
    const errors = ruleset.errors.filter((e) => e.severity === 'error');
    if (errors.length > 0) extraErrors.push(`The dump has ${errors.length} error${errors.length === 1 ? '' : 's'}; the first: ${errors[0].message}`);
    env.dump = { uri: scenario.rules.dumpUri, ruleset, lineSpans: lineSpansOf(dump.text) };
  }
  const trace = buildTrace(env, objects, scenario, settings.ingressControllerService ? { ingressController: settings.ingressControllerService } : {});
  return extraErrors.length > 0 ? { ...trace, errors: [...trace.errors, ...extraErrors] } : trace;
}

function nsOf(o: KubeObject): string {
  return typeof o.metadata?.namespace === 'string' && o.metadata.namespace !== '' ? o.metadata.namespace : 'default';
}

/** Every Service and Ingress, with the scenario a trace of it starts from. */
export function listTraceTargets(ctx: FeatureContext, raw?: unknown): TraceTargetItem[] {
  const { cluster, objects } = currentRules(ctx.snapshot);
  // With `{uri, offset}` (the editor's context menu): only the Service or Ingress under the cursor.
  const at = rec(raw);
  const atUri = typeof at?.uri === 'string' ? canonicalUri(at.uri) : undefined;
  const atOffset = typeof at?.offset === 'number' && Number.isInteger(at.offset) && at.offset >= 0 ? at.offset : undefined;
  const out: TraceTargetItem[] = [];
  for (const o of ctx.snapshot.objects()) {
    if ((o.kind !== 'Service' && o.kind !== 'Ingress') || !o.name || o.inBrokenDocument) continue;
    if (atUri !== undefined && (canonicalUri(o.uri) !== atUri || atOffset === undefined || atOffset < o.span.start || atOffset > o.span.end)) continue;
    const ns = o.namespace ?? 'default';
    const scenario = defaultScenario(cluster, objects, o.kind, ns, o.name);
    const type = o.kind === 'Service' ? (typeof o.value.spec === 'object' && o.value.spec !== null && !Array.isArray(o.value.spec) && typeof (o.value.spec as Rec).type === 'string' ? String((o.value.spec as Rec).type) : 'ClusterIP') : 'Ingress';
    out.push({ label: `${o.kind} ${ns}/${o.name}`, description: type, detail: ctx.displayPath(o.uri), scenario });
  }
  return out;
}

/** Nodes, open dumps, the Service's ports and the Ingress's hosts. */
export function listScenarioOptions(ctx: FeatureContext, raw: unknown): ScenarioOptionsResult {
  const { cluster, objects } = currentRules(ctx.snapshot);
  const nodes = cluster.nodes.map((n) => n.name);
  const dumps = ctx.openDocuments().filter((d) => d.languageId === 'iptables').map((d) => ({ uri: d.uri, label: ctx.displayPath(d.uri) }));
  const scenario = readScenario(cluster, objects, raw);
  if (!scenario) return { nodes, dumps, ports: [], hosts: [] };
  const t = scenario.target;
  const obj = objects.find((o) => o.kind === t.kind && nsOf(o) === t.namespace && o.metadata?.name === t.name);
  const ports: string[] = [];
  const hosts: string[] = [];
  if (t.kind === 'Service' && Array.isArray(obj?.spec?.ports)) {
    for (const p of obj.spec.ports as unknown[]) {
      const r = rec(p);
      const label = str(r?.name) ?? (typeof r?.port === 'number' ? String(r.port) : undefined);
      if (label && !ports.includes(label)) ports.push(label);
    }
  }
  if (t.kind === 'Ingress' && Array.isArray(obj?.spec?.rules)) {
    for (const r of obj.spec.rules as unknown[]) {
      const h = str(rec(r)?.host);
      if (h && !hosts.includes(h)) hosts.push(h);
    }
  }
  return { nodes, dumps, ports, hosts };
}

export const tracePacketRequest = defineCustomRequest<unknown, PathTrace>({
  method: TracePacketMethod,
  defaultResult: failedTrace(undefined, 'The trace failed (see the server log).'),
  handle: (ctx, params) => traceScenario(ctx, params),
});

export const traceTargetsRequest = defineCustomRequest<unknown, readonly TraceTargetItem[]>({
  method: TraceTargetsMethod,
  defaultResult: [],
  handle: (ctx, params) => listTraceTargets(ctx, params),
});

export const scenarioOptionsRequest = defineCustomRequest<unknown, ScenarioOptionsResult>({
  method: ScenarioOptionsMethod,
  defaultResult: { nodes: [], dumps: [], ports: [], hosts: [] },
  handle: (ctx, params) => listScenarioOptions(ctx, params),
});
