/**
 * Drift: where a node's dump disagrees with the rules kube-proxy would write on that node for the
 * workspace's manifests. Both sides are read the same way (a "shape" per Service port: which of
 * its chains exist, the endpoints its SVC/SVL chains reach, session affinity, the NodePorts that
 * lead to it, and "has no endpoints" REJECTs), then compared. Pure; never throws.
 */
import type { Chain, Rule, Ruleset } from '../iptables/model';
import type { GeneratedRules, GeneratedServicePort } from '../kubeproxy/types';
import type { Span } from '../text/span';
import type { Assumption } from '../cluster/synthesizeCluster';
import { assumedLabel, indexAssumptions } from './assumedValues';
import { splitAddress } from './describeAddress';
import { findServiceFrontends, type ServiceFrontend } from './serviceFrontends';
import { dnatDestination, mapChains, type ChainMap, type ServiceChainKind } from './mapChains';

export type DriftCode =
  | 'drift-service-missing'
  | 'drift-service-not-in-workspace'
  | 'drift-endpoints-differ'
  | 'drift-traffic-policy'
  | 'drift-session-affinity'
  | 'drift-node-port'
  | 'drift-service-address'
  | 'drift-no-endpoints';

export const DRIFT_CODES: readonly DriftCode[] = [
  'drift-service-missing', 'drift-service-not-in-workspace', 'drift-endpoints-differ', 'drift-traffic-policy',
  'drift-session-affinity', 'drift-node-port', 'drift-service-address', 'drift-no-endpoints',
];

export interface DriftFinding {
  readonly code: DriftCode;
  readonly severity: 'error' | 'warning' | 'information';
  readonly message: string;
  /** Where in the dump (the chain, the rule, or the `*nat` line when the node has nothing). */
  readonly span: Span;
  /** The Service port concerned, for related information / links to the manifest. */
  readonly service?: { readonly namespace: string; readonly name: string; readonly svcPortName: string };
  /** For drift-no-endpoints: whether the workspace agrees that the Service has no endpoints. */
  readonly workspaceAgrees?: boolean;
}

/** What the rules of one ruleset do for one Service port. */
export interface ServicePortShape {
  readonly kinds: ReadonlySet<ServiceChainKind>;
  /** Chain name per kind, as found in the ruleset. */
  readonly chains: ReadonlyMap<ServiceChainKind, Chain>;
  /** Endpoints (`ip:port`) reached from the SVC/SVL chains. */
  readonly endpoints: ReadonlySet<string>;
  readonly affinity: boolean;
  /** --dport of the nat KUBE-NODEPORTS rules that jump to one of its chains. */
  readonly nodePorts: ReadonlySet<string>;
  readonly noEndpointsRejects: readonly Rule[];
  /** Kinds of the Service's own chains its KUBE-EXT chain jumps to (svc for Cluster policy, svl for Local). */
  readonly externalVia: ReadonlySet<ServiceChainKind>;
  /** filter rules "has no local endpoints" (externalTrafficPolicy: Local without a local endpoint). */
  readonly noLocalEndpointsDrops: number;
}

function natChains(ruleset: Ruleset): Map<string, Chain> {
  const out = new Map<string, Chain>();
  for (const t of ruleset.tables) if (t.name === 'nat') for (const c of t.chains) out.set(c.name, c);
  return out;
}

function optionValue(rule: Rule, ...names: string[]): string | undefined {
  for (const m of rule.matches) for (const o of m.options) if (names.includes(o.name) && !o.negated) return o.values[0];
  return undefined;
}

/** The shape of every Service port of `servicePorts` in `ruleset`, keyed by svcPortName. */
export function shapeServicePorts(ruleset: Ruleset, map: ChainMap, servicePorts: readonly GeneratedServicePort[]): Map<string, ServicePortShape> {
  const nat = natChains(ruleset);
  const shapes = new Map<string, { kinds: Set<ServiceChainKind>; chains: Map<ServiceChainKind, Chain>; endpoints: Set<string>; affinity: boolean; nodePorts: Set<string>; noEndpointsRejects: Rule[]; externalVia: Set<ServiceChainKind>; noLocalEndpointsDrops: number }>();
  const shapeOf = (sp: GeneratedServicePort) => {
    let s = shapes.get(sp.svcPortName);
    if (!s) {
      s = { kinds: new Set(), chains: new Map(), endpoints: new Set(), affinity: false, nodePorts: new Set(), noEndpointsRejects: [], externalVia: new Set(), noLocalEndpointsDrops: 0 };
      shapes.set(sp.svcPortName, s);
    }
    return s;
  };
  for (const sp of servicePorts) shapeOf(sp);
  for (const owner of map.owners) {
    const sp = owner.servicePort;
    const ch = nat.get(owner.chain);
    if (!sp || !ch || !shapes.has(sp.svcPortName)) continue;
    const s = shapeOf(sp);
    s.kinds.add(owner.kind);
    if (!s.chains.has(owner.kind)) s.chains.set(owner.kind, ch);
    if (ch.rules.some((r) => r.matches.some((m) => m.module === 'recent'))) s.affinity = true;
    if (owner.kind === 'ext') {
      for (const r of ch.rules) {
        const target = r.target ? map.byChain.get(r.target.name) : undefined;
        if (target && target.servicePort === sp && (target.kind === 'svc' || target.kind === 'svl')) s.externalVia.add(target.kind);
      }
    }
    if (owner.kind === 'svc' || owner.kind === 'svl') {
      for (const r of ch.rules) {
        const target = r.target?.name;
        if (!target || !target.startsWith('KUBE-SEP-')) continue;
        const sep = nat.get(target);
        const ep = (sep && dnatDestination(sep)) ?? map.byChain.get(target)?.endpoint ?? target;
        s.endpoints.add(ep);
      }
    }
  }
  const nodePorts = nat.get('KUBE-NODEPORTS');
  for (const r of nodePorts?.rules ?? []) {
    const owner = r.target ? map.byChain.get(r.target.name) : undefined;
    const sp = owner?.servicePort;
    const port = optionValue(r, '--dport', '--destination-port');
    if (sp && port && shapes.has(sp.svcPortName)) shapeOf(sp).nodePorts.add(port);
  }
  for (const t of ruleset.tables) {
    if (t.name !== 'filter') continue;
    for (const c of t.chains) {
      for (const r of c.rules) {
        if (r.comment?.endsWith(' has no local endpoints')) {
          const local = shapes.get(r.comment.slice(0, -' has no local endpoints'.length));
          if (local) local.noLocalEndpointsDrops++;
          continue;
        }
        if (r.target?.name !== 'REJECT' || !r.comment?.endsWith(' has no endpoints')) continue;
        const name = r.comment.slice(0, -' has no endpoints'.length);
        const s = shapes.get(name) ?? shapes.get(name.endsWith(':') ? name.slice(0, -1) : name);
        if (s) s.noEndpointsRejects.push(r);
      }
    }
  }
  return shapes;
}

const KIND_CHAIN: Record<ServiceChainKind, string> = { svc: 'KUBE-SVC', svl: 'KUBE-SVL', ext: 'KUBE-EXT', fw: 'KUBE-FW', sep: 'KUBE-SEP' };

function list(set: Iterable<string>): string {
  const a = [...set].sort();
  return a.length === 0 ? 'none' : a.join(', ');
}

export interface DriftInput {
  /** The node's dump. */
  readonly dump: Ruleset;
  /** What kube-proxy would generate on that node for the workspace. */
  readonly generated: GeneratedRules;
  /** `generated` parsed (the node ruleset; NodeRules.ruleset). */
  readonly expected: Ruleset;
  /** The dump's chain map (computed when not given). */
  readonly map?: ChainMap;
  /** The node's name, for messages. */
  readonly nodeName?: string;
  /**
   * What the workspace's cluster made up (`cluster.assumptions`). Assumed endpoint addresses are
   * not compared (only their count and target port are), nor are assumed NodePorts.
   */
  readonly assumptions?: readonly Assumption[];
}

function portsOf(endpoints: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const e of endpoints) {
    const { port } = splitAddress(e);
    out.add(port === undefined ? '?' : String(port));
  }
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Compares a node's dump with the rules generated for it; findings in dump order of their spans. */
export function detectDrift(input: DriftInput): DriftFinding[] {
  const { dump, generated, expected } = input;
  const sps = generated.servicePorts;
  const dumpMap = input.map ?? mapChains(dump, sps);
  const expectedMap = mapChains(expected, sps);
  const actual = shapeServicePorts(dump, dumpMap, sps);
  const wanted = shapeServicePorts(expected, expectedMap, sps);
  const natTable = dump.tables.find((t) => t.name === 'nat');
  const fallbackSpan: Span = natTable?.span ?? dump.tables[0]?.span ?? { start: 0, end: 0 };
  const node = input.nodeName ? ` on node ${input.nodeName}` : ' on this node';
  const findings: DriftFinding[] = [];
  const dumpHasFilter = dump.tables.some((t) => t.name === 'filter');
  const dumpHasComments = dump.tables.some((t) => t.chains.some((c) => c.rules.some((r) => r.comment !== undefined)));
  const assumedOf = indexAssumptions(input.assumptions);

  for (const sp of sps) {
    const a = actual.get(sp.svcPortName)!;
    const w = wanted.get(sp.svcPortName)!;
    const service = { namespace: sp.namespace, name: sp.name, svcPortName: sp.svcPortName };
    const assumed = assumedOf(sp);
    const manifestEndpoints = assumed.endpoints
      ? `${plural(w.endpoints.size, 'endpoint')} (the pods its selector matches; their addresses are assumed)`
      : list(w.endpoints);
    const svcChain = a.chains.get('svc') ?? a.chains.get('svl') ?? a.chains.get('ext') ?? a.chains.get('fw');
    const at: Span = svcChain?.nameSpan ?? svcChain?.declSpan ?? fallbackSpan;

    for (const r of a.noEndpointsRejects) {
      const agrees = w.noEndpointsRejects.length > 0;
      findings.push({
        code: 'drift-no-endpoints', severity: agrees ? 'information' : 'warning', span: r.span, service, workspaceAgrees: agrees,
        message: agrees
          ? `${sp.svcPortName} has no endpoints${node}: connections are rejected. The manifests agree (no ready pod matches the Service's selector).`
          : `${sp.svcPortName} has no endpoints${node}, but the manifests give it ${manifestEndpoints}: connections are rejected here.`,
      });
    }

    const wantedChains = [...w.kinds].filter((k) => k !== 'sep');
    const actualChains = [...a.kinds].filter((k) => k !== 'sep');
    if (wantedChains.length > 0 && actualChains.length === 0) {
      if (a.noEndpointsRejects.length === 0) {
        findings.push({
          code: 'drift-service-missing', severity: 'warning', span: fallbackSpan, service,
          message: `${sp.svcPortName} (${sp.protocol} ${sp.clusterIP}:${sp.port}${assumed.clusterIP ? ', ClusterIP assumed' : ''}) is in the manifests but has no chains${node} (expected ${wantedChains.map((k) => KIND_CHAIN[k]).join(', ')}).`,
        });
      }
      continue;
    }
    if (actualChains.length === 0) continue;

    const policy = (s: ServicePortShape): string => (s.kinds.has('svc') && s.kinds.has('svl') ? 'SVC and SVL' : s.kinds.has('svl') ? 'SVL (Local)' : s.kinds.has('svc') ? 'SVC (Cluster)' : 'neither SVC nor SVL');
    // Without comments (large clusters) "has no local endpoints" DROPs cannot be told apart, and a
    // dump of the nat table alone (-t nat -S / -L) has none: then use the EXT jumps only.
    const externalLocal = (s: ServicePortShape): boolean => s.externalVia.has('svl') || (dumpHasComments && dumpHasFilter && s.noLocalEndpointsDrops > 0);
    if (a.kinds.has('ext') && w.kinds.has('ext') && externalLocal(a) !== externalLocal(w)) {
      findings.push({
        code: 'drift-traffic-policy', severity: 'warning', span: at, service,
        message: `${sp.svcPortName}: external traffic is ${externalLocal(a) ? 'kept on local endpoints (Local)' : 'spread over the cluster (Cluster)'} on the node, but the manifests say externalTrafficPolicy: ${externalLocal(w) ? 'Local' : 'Cluster'}.`,
      });
    } else if (a.kinds.has('svc') !== w.kinds.has('svc') || (!assumed.endpoints && a.kinds.has('svl') !== w.kinds.has('svl'))) {
      // An SVL chain exists only with local endpoints: when the pods' nodes are assumed, whether
      // this node has one is not the manifests' word, so only the SVC chain is compared.
      findings.push({
        code: 'drift-traffic-policy', severity: 'warning', span: at, service,
        message: `${sp.svcPortName}: the node has ${policy(a)} chains, the manifests give ${policy(w)} (externalTrafficPolicy / internalTrafficPolicy differ).`,
      });
    }
    if (assumed.endpoints) {
      // The addresses were made up: compare what the manifests do say, how many endpoints (the
      // replicas the selector matches) and the port they are reached on. With only an SVL chain
      // (internalTrafficPolicy: Local) the count depends on which node the pods were assumed on.
      const parts: string[] = [];
      if (w.kinds.has('svc') && a.endpoints.size !== w.endpoints.size) {
        parts.push(`the node has ${plural(a.endpoints.size, 'endpoint')}, the manifests give ${w.endpoints.size} (the pods its selector matches)`);
      }
      const aPorts = portsOf(a.endpoints);
      const wPorts = portsOf(w.endpoints);
      if (a.endpoints.size > 0 && w.endpoints.size > 0 && list(aPorts) !== list(wPorts)) {
        parts.push(`the node sends to port ${list(aPorts)}, the manifests' targetPort gives ${list(wPorts)}`);
      }
      if (parts.length > 0) {
        findings.push({
          code: 'drift-endpoints-differ', severity: 'warning', span: at, service,
          message: `${sp.svcPortName}: ${parts.join('; ')}. The addresses were not compared: the manifests have no EndpointSlice, so the pod IPs are assumed.`,
        });
      }
    } else {
      const missing = [...w.endpoints].filter((e) => !a.endpoints.has(e));
      const extra = [...a.endpoints].filter((e) => !w.endpoints.has(e));
      if (missing.length > 0 || extra.length > 0) {
        const parts: string[] = [];
        if (missing.length > 0) parts.push(`missing on the node: ${list(missing)}`);
        if (extra.length > 0) parts.push(`not in the manifests: ${list(extra)}`);
        findings.push({
          code: 'drift-endpoints-differ', severity: 'warning', span: at, service,
          message: `${sp.svcPortName}: the endpoints differ (${parts.join('; ')}).`,
        });
      }
    }
    if (a.affinity !== w.affinity) {
      findings.push({
        code: 'drift-session-affinity', severity: 'warning', span: at, service,
        message: a.affinity
          ? `${sp.svcPortName}: the node pins clients to endpoints (-m recent, sessionAffinity: ClientIP), the manifests do not.`
          : `${sp.svcPortName}: the manifests ask for sessionAffinity: ClientIP, the node has no -m recent rules for it.`,
      });
    }
    // The addresses KUBE-SERVICES leads to the Service port, where the manifests give them
    // (spec.clusterIP, spec.externalIPs, status.loadBalancer): assumed ones are not compared.
    const aFront = findServiceFrontends(dump, dumpMap, sp.svcPortName);
    const wFront = findServiceFrontends(expected, expectedMap, sp.svcPortName);
    const addresses = (fs: readonly ServiceFrontend[], cluster: boolean): Set<string> =>
      new Set(fs.filter((f) => f.kind !== 'nodePort' && (f.kind === 'clusterIP') === cluster).map((f) => `${f.address ?? '*'}:${f.port ?? '*'}`));
    const compared: [boolean, string][] = [];
    if (!assumed.clusterIP) compared.push([true, 'cluster IP']);
    if (assumed.loadBalancerIPs.size === 0) compared.push([false, 'external and load-balancer IPs']);
    for (const [cluster, words] of compared) {
      const got = addresses(aFront, cluster);
      const want = addresses(wFront, cluster);
      if (list(got) === list(want)) continue;
      findings.push({
        code: 'drift-service-address', severity: 'warning', span: at, service,
        message: `${sp.svcPortName}: KUBE-SERVICES on the node leads ${list(got)} to it, the manifests give ${list(want)} (${words}).`,
      });
    }
    if (list(a.nodePorts) !== list(w.nodePorts)) {
      if (!assumed.nodePort) {
        findings.push({
          code: 'drift-node-port', severity: 'warning', span: at, service,
          message: `${sp.svcPortName}: KUBE-NODEPORTS on the node leads port(s) ${list(a.nodePorts)} to it, the manifests give ${list(w.nodePorts)}.`,
        });
      } else if (a.nodePorts.size === 0) {
        // The number was made up, but that the Service has a NodePort at all is the manifests' word.
        findings.push({
          code: 'drift-node-port', severity: 'warning', span: at, service,
          message: `${sp.svcPortName}: KUBE-NODEPORTS on the node leads no port to it, but its type gives it a NodePort (the manifests set none; ${sp.nodePort}${assumedLabel(true)} was not compared).`,
        });
      }
    }
  }

  const nat = natChains(dump);
  // Endpoint chains jumped to from another per-Service chain are reported with that chain.
  const jumpedFromServiceChain = new Set<string>();
  for (const c of nat.values()) {
    if (!dumpMap.byChain.has(c.name)) continue;
    for (const r of c.rules) if (r.target && r.target.name !== c.name) jumpedFromServiceChain.add(r.target.name);
  }
  const reported = new Set<string>();
  for (const owner of dumpMap.owners) {
    if (owner.servicePort) continue;
    const ch = nat.get(owner.chain);
    if (!ch) continue;
    if (owner.kind === 'sep' && jumpedFromServiceChain.has(owner.chain)) continue;
    const key = owner.svcPortName ?? owner.chain;
    if (reported.has(key)) continue;
    reported.add(key);
    findings.push({
      code: 'drift-service-not-in-workspace', severity: 'warning', span: ch.nameSpan ?? ch.declSpan ?? fallbackSpan,
      message: owner.svcPortName
        ? `${owner.chain} belongs to ${owner.svcPortName} (from its rule comments), which is not in the workspace.`
        : `${owner.chain} matches no Service port of the workspace (its hash is not one of theirs, and it has no comment naming one).`,
    });
  }
  return findings.sort((x, y) => x.span.start - y.span.start || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
}
