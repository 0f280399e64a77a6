/* eslint-disable @typescript-eslint/no-explicit-any -- Services are plain JSON of any shape; every read is guarded. */
import type { Ruleset } from '../iptables/model';
import type { ProxierConfig } from '../kubeproxy/types';
import { buildNodeRules, type NodeRules } from '../cluster/nodeRules';
import { synthesizeCluster, type Cluster, type KubeObject, type SynthesizedNode, type SynthesizedPod } from '../cluster/synthesizeCluster';
import { tracePacket } from '../simulator/tracePacket';
import type { Hop, Outcome, Packet, PacketOrigin, Protocol } from '../simulator/types';
import type { Span } from '../text/span';
import { matchIngress, type IngressMatch } from './matchIngress';
import type { PathTrace, SourceRef, TraceBranch, TraceScenario, TraceStep } from './types';

/**
 * Turns a scenario ("an external client to the nginx LoadBalancer, arriving on node 0") into the
 * packet path the trace panel and `kpp trace --service/--ingress` show. Every hop through
 * iptables comes from the simulator (`tracePacket`) running on real rules: generated for the node
 * from the manifests, or a dump loaded for that node. This module only adds what happens outside
 * netfilter (client, load balancer, routing, the pod, the ingress controller) and the words.
 */

/** Where a manifest object (or one of its fields) is written, for "reveal". Supplied by the caller. */
export type LocateObject = (kind: string, namespace: string, name: string, path?: readonly (string | number)[]) => SourceRef | undefined;

export interface TraceEnvironment {
  readonly cluster: Cluster;
  /** Generated rules per node and overrides; callers may cache. Default: `buildNodeRules`. */
  readonly nodeRules?: (cluster: Cluster, nodeName: string, overrides?: Partial<ProxierConfig>) => NodeRules;
  /** A dump to use instead of generated rules, when the scenario asks for one. */
  readonly dump?: { readonly uri: string; readonly ruleset: Ruleset; readonly lineSpans?: (line: number) => Span | undefined };
  /** The uri of the generated-rules document for a node (its text is `NodeRules.nodeRestore`). */
  readonly generatedRulesUri?: (nodeName: string) => string;
  readonly locate?: LocateObject;
  /** Span of a 0-based line in a node's generated restore text (for reveal). */
  readonly generatedLineSpan?: (nodeName: string, line: number) => Span | undefined;
}

const DEFAULT_CLIENT = '203.0.113.10';
const CLIENT_PORT = 51234;

function nsOf(o: KubeObject): string {
  return (o.metadata?.namespace as string) || 'default';
}

function portsOf(svc: KubeObject): any[] {
  return Array.isArray(svc.spec?.ports) ? svc.spec.ports : [];
}

function proto(p: any): Protocol {
  const v = typeof p?.protocol === 'string' ? p.protocol.toLowerCase() : 'tcp';
  return v === 'udp' || v === 'sctp' ? v : 'tcp';
}

function endpointText(ip: string, port: number): string {
  return (ip.includes(':') ? `[${ip}]` : ip) + ':' + port;
}

function targetOf(rule: string | undefined): string | undefined {
  if (!rule) return undefined;
  const m = /\s-[jg]\s+(\S+)/.exec(rule);
  return m?.[1];
}

function commentOf(rule: string | undefined): string | undefined {
  if (!rule) return undefined;
  const m = /--comment\s+("((?:[^"\\]|\\.)*)"|(\S+))/.exec(rule);
  return m ? (m[2] ?? m[3]) : undefined;
}

function probabilityOf(rule: string | undefined): number | undefined {
  const m = rule ? /--probability\s+([0-9.]+)/.exec(rule) : null;
  return m ? Number(m[1]) : undefined;
}

function rewrites(before: Packet, after: Packet): TraceStep['rewrites'] {
  const r: ('src' | 'sport' | 'dst' | 'dport')[] = [];
  if (before.src !== after.src) r.push('src');
  if (before.sport !== after.sport) r.push('sport');
  if (before.dst !== after.dst) r.push('dst');
  if (before.dport !== after.dport) r.push('dport');
  return r;
}

function markText(mark: number): string | undefined {
  return mark ? '0x' + mark.toString(16) : undefined;
}

/** What kube-proxy's (and the kubelet's) filter chains are for, in one sentence each. */
const FILTER_CHAIN_WORDS: Readonly<Record<string, string>> = {
  'KUBE-SERVICES': 'filter KUBE-SERVICES rejects traffic to Services that have no endpoints, and drops internalTrafficPolicy Local traffic when this node has no local endpoint.',
  'KUBE-EXTERNAL-SERVICES': 'KUBE-EXTERNAL-SERVICES rejects external traffic (NodePort, LoadBalancer and external IPs) to Services with no endpoints, and drops it for externalTrafficPolicy Local Services with no endpoint on this node.',
  'KUBE-NODEPORTS': 'filter KUBE-NODEPORTS accepts the health-check NodePort of externalTrafficPolicy Local Services.',
  'KUBE-PROXY-FIREWALL': 'KUBE-PROXY-FIREWALL drops clients outside a LoadBalancer Service\'s loadBalancerSourceRanges.',
  'KUBE-FIREWALL': "The kubelet's KUBE-FIREWALL drops packets to 127.0.0.0/8 that do not come from the node itself.",
};

/** One or two sentences for a hop the simulator reports. */
function explainHop(h: Hop, before: Packet, svcLabel: string): { kind: TraceStep['kind']; title: string; explanation: string } {
  const target = targetOf(h.rule);
  const comment = commentOf(h.rule);
  const where = `${h.table} ${h.chain}`;
  switch (h.action) {
    case 'dnat':
      return { kind: 'dnat', title: `DNAT in ${h.chain}`, explanation: `DNAT rewrites the destination from ${endpointText(before.dst, before.dport)} to the endpoint ${endpointText(h.packet.dst, h.packet.dport)}. conntrack records the translation, so every later packet of this connection, and every reply, is rewritten the same way without walking the rules again.` };
    case 'masquerade':
    case 'snat':
      return { kind: 'masquerade', title: `${h.action === 'snat' ? 'SNAT' : 'MASQUERADE'} in ${h.chain}`, explanation: `The packet carries the 0x4000 masquerade mark, so ${h.action === 'snat' ? 'SNAT' : 'MASQUERADE'} replaces its source ${endpointText(before.src, before.sport)} with the node's address ${h.packet.src}. The pod will see the node, not the client; replies come back to this node, which undoes both translations.` };
    case 'mark':
      if (h.chain === 'KUBE-MARK-MASQ') return { kind: 'mark-masq', title: 'KUBE-MARK-MASQ', explanation: `The packet is marked with 0x4000 (${markText(h.mark) ?? '0'} now). Nothing changes yet: the mark asks KUBE-POSTROUTING to masquerade the packet when it leaves the node.` };
      if (h.chain === 'KUBE-POSTROUTING') return { kind: 'rule', title: 'KUBE-POSTROUTING clears the mark', explanation: 'The masquerade mark is cleared (XOR 0x4000) so it does not leak to other rules; the next rule masquerades the packet.' };
      return { kind: 'rule', title: `MARK in ${h.chain}`, explanation: `The packet mark becomes ${markText(h.mark) ?? '0'}.` };
    case 'accept':
      return { kind: 'accept', title: where, explanation: comment ? `Accepted by the rule "${comment}".` : `Accepted in ${where}.` };
    case 'drop':
      return { kind: 'drop', title: where, explanation: comment ? `Dropped: ${comment}. The client sees no answer and times out.` : `Dropped in ${where}; the client sees no answer and times out.` };
    case 'reject':
      return { kind: 'reject', title: where, explanation: comment ? `Rejected: ${comment}. The client gets an ICMP error at once (connection refused).` : `Rejected in ${where}; the client gets an ICMP error at once.` };
    case 'policy':
      return { kind: 'rule', title: `${where} policy`, explanation: `No rule in ${h.chain} decided, so the chain's policy applies.` };
    case 'return':
      if (h.chain === 'KUBE-POSTROUTING') return { kind: 'rule', title: 'KUBE-POSTROUTING: no masquerade', explanation: 'The packet does not carry the 0x4000 masquerade mark, so KUBE-POSTROUTING returns without touching it: the source address is kept.' };
      return { kind: 'rule', title: `RETURN from ${h.chain}`, explanation: `The packet returns to the chain that jumped to ${h.chain}.` };
    default:
      break;
  }
  // Jumps and gotos.
  const t = target ?? '';
  const p = probabilityOf(h.rule);
  if (t.startsWith('KUBE-SEP-')) {
    const share = p !== undefined ? `With probability ${p} of the packets that reach this rule it` : 'The last rule takes every packet that reached it and';
    const endpoint = comment?.split(' -> ')[1];
    const overall = `${(Math.round(h.probability * 1000) / 10).toFixed(1)}%`;
    return { kind: 'chain', title: t, explanation: `${h.chain} picks an endpoint. ${share} jumps to ${t}${endpoint ? `, the endpoint ${endpoint}` : ''}: ${overall} of new connections to ${svcLabel} end up here.` };
  }
  if (t.startsWith('KUBE-SVC-') || t.startsWith('KUBE-SVL-')) {
    const local = t.startsWith('KUBE-SVL-');
    return { kind: 'chain', title: t, explanation: local ? `${t} holds only the endpoints on this node (traffic policy Local): no extra hop, the client address is kept.` : `${t} is the Service's load-balancing chain: one rule per endpoint, each taking its share of new connections.` };
  }
  if (t.startsWith('KUBE-EXT-')) return { kind: 'chain', title: t, explanation: `The destination ${endpointText(before.dst, before.dport)} is an external address of ${svcLabel} (${comment ?? 'external'}); ${t} decides about masquerading before load balancing.` };
  if (t.startsWith('KUBE-FW-')) return { kind: 'chain', title: t, explanation: `${t} checks loadBalancerSourceRanges: only the allowed client ranges go on.` };
  if (t === 'KUBE-MARK-MASQ') return { kind: 'mark-masq', title: 'KUBE-MARK-MASQ', explanation: `${comment ? `Marked for masquerade (${comment}): ` : ''}KUBE-MARK-MASQ sets the 0x4000 bit of the packet mark. Nothing changes yet; KUBE-POSTROUTING will masquerade the packet as it leaves the node.` };
  if (h.table === 'filter' && FILTER_CHAIN_WORDS[t]) return { kind: 'chain', title: t, explanation: FILTER_CHAIN_WORDS[t] };
  if (h.table === 'filter' && t === 'KUBE-FORWARD') return { kind: 'chain', title: t, explanation: 'KUBE-FORWARD accepts forwarded packets that carry the masquerade mark or belong to a known connection, and drops packets conntrack finds INVALID.' };
  if (t === 'KUBE-SERVICES' || t === 'KUBE-NODEPORTS') return { kind: 'chain', title: t, explanation: t === 'KUBE-SERVICES' ? `${where} hands every packet to KUBE-SERVICES, which compares its destination with every Service address: a linear scan, one rule after another.` : `The destination is one of the node's own addresses, so KUBE-NODEPORTS looks for a NodePort ${before.dport}.` };
  if (t === 'KUBE-POSTROUTING') return { kind: 'chain', title: t, explanation: 'On its way out of the node the packet passes KUBE-POSTROUTING, which masquerades it if it carries the 0x4000 mark.' };
  return { kind: 'chain', title: t || where, explanation: comment ? `${where}: ${comment}.` : `${where} jumps to ${t}.` };
}

interface Resolved {
  readonly svc: KubeObject;
  readonly port: any;
  readonly portLabel: string;
}

function resolveService(cluster: Cluster, ns: string, name: string, port: string | undefined): Resolved | string {
  const svc = cluster.services.find((s) => nsOf(s) === ns && s.metadata?.name === name);
  if (!svc) return `No Service ${ns}/${name} in the workspace.`;
  const ports = portsOf(svc);
  if (ports.length === 0) return `Service ${ns}/${name} has no ports.`;
  const p = port === undefined ? ports[0] : ports.find((x) => x?.name === port || String(x?.port) === port);
  if (!p) return `Service ${ns}/${name} has no port ${port}.`;
  return { svc, port: p, portLabel: typeof p.name === 'string' && p.name !== '' ? p.name : String(p.port) };
}

function nodeByName(cluster: Cluster, name: string | undefined): SynthesizedNode {
  return cluster.nodes.find((n) => n.name === name) ?? cluster.nodes[0];
}

function podByIp(cluster: Cluster, ip: string): SynthesizedPod | undefined {
  return cluster.pods.find((p) => p.ip === ip);
}

function backingPods(cluster: Cluster, svc: KubeObject): SynthesizedPod[] {
  const sel = svc.spec?.selector;
  if (!sel || typeof sel !== 'object' || Object.keys(sel).length === 0) return [];
  return cluster.pods.filter((p) => p.namespace === nsOf(svc) && Object.entries(sel).every(([k, v]) => p.labels[k] === String(v)));
}

function assumedClientPod(node: SynthesizedNode): string {
  // .250 of the node's pod CIDR: a client pod that is not in the manifests.
  const base = node.podCIDR.split('/')[0].split('.');
  return `${base[0]}.${base[1]}.${base[2]}.250`;
}

interface Start {
  readonly packet: Packet;
  readonly from: PacketOrigin;
  readonly node: SynthesizedNode;
  readonly prefix: TraceStep[];
  readonly assumptions: string[];
  readonly clientLabel: string;
}

/** Where the packet starts and which node's rules see it first. */
function startOf(env: TraceEnvironment, scenario: TraceScenario, r: Resolved): Start | string {
  const { cluster } = env;
  const svcKey = `${nsOf(r.svc)}/${r.svc.metadata?.name}`;
  const chosen = nodeByName(cluster, scenario.node);
  const assumptions: string[] = [];
  const p = proto(r.port);
  let dst: string | undefined;
  let dport: number = r.port.port;
  const lbIPs: string[] = (Array.isArray(r.svc.status?.loadBalancer?.ingress) ? r.svc.status.loadBalancer.ingress : []).map((i: any) => i?.ip).filter((x: unknown) => typeof x === 'string');
  switch (scenario.via) {
    case 'loadbalancer':
      dst = lbIPs[0];
      if (!dst && !scenario.destination) return `Service ${svcKey} has no LoadBalancer IP (type ${r.svc.spec?.type ?? 'ClusterIP'}).`;
      break;
    case 'nodeport':
      if (!Number.isInteger(r.port.nodePort)) return `Service ${svcKey} port ${r.portLabel} has no NodePort (type ${r.svc.spec?.type ?? 'ClusterIP'}).`;
      dport = r.port.nodePort;
      break;
    case 'externalip':
      dst = Array.isArray(r.svc.spec?.externalIPs) ? r.svc.spec.externalIPs[0] : undefined;
      if (!dst && !scenario.destination) return `Service ${svcKey} has no externalIPs.`;
      break;
    case 'clusterip':
      dst = r.svc.spec?.clusterIP;
      if ((!dst || dst === 'None') && !scenario.destination) return `Service ${svcKey} has no ClusterIP (headless or ExternalName): DNS returns the pod addresses directly and kube-proxy writes no rules.`;
      break;
  }

  let src: string;
  let from: PacketOrigin;
  let node = chosen;
  let clientLabel: string;
  const prefix: TraceStep[] = [];
  switch (scenario.source) {
    case 'external':
      src = scenario.sourceAddress || DEFAULT_CLIENT;
      from = 'outside';
      clientLabel = `external client ${src}`;
      if (!scenario.sourceAddress) assumptions.push(`External client ${src} (assumed: TEST-NET-3 documentation address)`);
      break;
    case 'node':
      src = chosen.internalIP;
      from = 'node';
      clientLabel = `node ${chosen.name}`;
      break;
    case 'pod-same-node':
    case 'pod-other-node': {
      // A pod the user named (by IP or ns/name) wins; otherwise some other pod on the right node.
      const named = scenario.sourceAddress ? cluster.pods.find((pod) => pod.ip === scenario.sourceAddress || `${pod.namespace}/${pod.name}` === scenario.sourceAddress) : undefined;
      const clientNode = named ? nodeByName(cluster, named.nodeName) : scenario.source === 'pod-same-node' ? chosen : cluster.nodes.find((n) => n.name !== chosen.name) ?? chosen;
      const real = named ?? (scenario.sourceAddress ? undefined : cluster.pods.find((pod) => pod.nodeName === clientNode.name && !backingPods(cluster, r.svc).includes(pod)));
      src = real?.ip ?? scenario.sourceAddress ?? assumedClientPod(clientNode);
      clientLabel = real ? `pod ${real.namespace}/${real.name} on ${clientNode.name}` : `a client pod ${src} on ${clientNode.name}`;
      if (!real && !scenario.sourceAddress) assumptions.push(`Client pod ${src} on ${clientNode.name} (assumed: no other pod runs there)`);
      if (!real && scenario.sourceAddress) assumptions.push(`Client pod ${src} on ${clientNode.name} (not in the manifests)`);
      from = 'pod';
      // A pod's packets to a ClusterIP are translated on the pod's own node; to a node or LB address they travel to the chosen node first.
      if (scenario.via === 'clusterip') node = clientNode;
      else if (clientNode.name !== chosen.name) from = 'outside';
      break;
    }
    case 'pod-self': {
      const own = backingPods(cluster, r.svc);
      const pod = own.find((x) => x.nodeName === chosen.name) ?? own[0];
      if (!pod) return `Service ${svcKey} selects no pods, so no pod can call it from inside.`;
      src = pod.ip;
      from = 'pod';
      clientLabel = `pod ${pod.namespace}/${pod.name} (one of the Service's own endpoints)`;
      node = nodeByName(cluster, pod.nodeName);
      break;
    }
  }
  if (scenario.via === 'nodeport') dst = node.internalIP;
  if (scenario.destination) {
    // Known from a real node (a dump's rule): wins over the manifests' possibly assumed address.
    dst = scenario.destination.address;
    dport = scenario.destination.port;
  }
  const packet: Packet = { src, sport: CLIENT_PORT, dst: dst!, dport, proto: p };
  assumptions.push(`Client source port ${CLIENT_PORT} (assumed)`);

  prefix.push({ kind: 'client', title: clientLabel, packet, rewrites: [], explanation: `${clientLabel[0].toUpperCase() + clientLabel.slice(1)} opens a ${p.toUpperCase()} connection to ${endpointText(packet.dst, packet.dport)} (${scenario.via === 'loadbalancer' ? 'the LoadBalancer IP' : scenario.via === 'nodeport' ? `NodePort ${dport} on ${node.name}` : scenario.via === 'clusterip' ? 'the ClusterIP' : 'an external IP'} of ${svcKey}).`, source: env.locate?.('Service', nsOf(r.svc), String(r.svc.metadata?.name), ['spec', 'ports']) });
  if (scenario.via === 'loadbalancer') {
    const local = r.svc.spec?.externalTrafficPolicy === 'Local';
    prefix.push({
      kind: 'loadbalancer',
      title: `load balancer ${packet.dst}`,
      packet,
      rewrites: [],
      explanation: local
        ? backingPods(cluster, r.svc).some((pod) => pod.nodeName === node.name)
          ? `The cloud load balancer sends the packet, destination unchanged, to a node whose health check on port ${r.svc.spec?.healthCheckNodePort ?? '(healthCheckNodePort)'} passes: with externalTrafficPolicy Local only nodes running an endpoint pass it. ${node.name} runs one.`
          : `With externalTrafficPolicy Local the load balancer's health check on port ${r.svc.spec?.healthCheckNodePort ?? '(healthCheckNodePort)'} fails on ${node.name}, which runs no endpoint, so a healthy load balancer stops sending here. This is what happens to a packet that arrives anyway (before the probe notices, or from a load balancer that ignores it).`
        : `The cloud load balancer sends the packet to any healthy node, here ${node.name}, keeping the destination ${packet.dst} (floating IP), so the node's rules see the LoadBalancer IP.`,
      source: env.locate?.('Service', nsOf(r.svc), String(r.svc.metadata?.name), ['spec', 'type']),
    });
  }
  if (from !== 'node') {
    prefix.push({ kind: 'node', title: `node ${node.name} (${node.internalIP})`, packet, rewrites: [], explanation: `The packet arrives on ${node.name}${from === 'pod' ? ' from a pod interface' : ' from the network'} and enters netfilter at nat PREROUTING.` });
  } else {
    prefix.push({ kind: 'node', title: `node ${node.name} (${node.internalIP})`, packet, rewrites: [], explanation: `A process on ${node.name} sends the packet; it enters netfilter at nat OUTPUT.` });
  }
  return { packet, from, node, prefix, assumptions, clientLabel };
}

function conntrackLine(original: Packet, final: Packet): string {
  const name = original.proto;
  const num = name === 'tcp' ? 6 : name === 'udp' ? 17 : 132;
  const state = name === 'tcp' ? ' ESTABLISHED' : '';
  const timeout = name === 'tcp' ? 431999 : name === 'udp' ? 119 : 431999;
  return `${name.padEnd(8)} ${num} ${timeout}${state} src=${original.src} dst=${original.dst} sport=${original.sport} dport=${original.dport} src=${final.dst} dst=${final.src} sport=${final.dport} dport=${final.sport} [ASSURED] mark=0 use=1`;
}

function stepsFromOutcome(env: TraceEnvironment, o: Outcome, start: Start, svcLabel: string, rulesUri: string | undefined, lineSpan: ((line: number) => Span | undefined) | undefined): TraceStep[] {
  const steps: TraceStep[] = [];
  let before = start.packet;
  let routed = false;
  for (const h of o.hops) {
    // The routing decision sits between nat PREROUTING/OUTPUT and the filter chains.
    if (!routed && h.table === 'filter') {
      routed = true;
      const local = h.chain === 'INPUT' || (h.chain !== 'FORWARD' && h.chain !== 'OUTPUT');
      steps.push({ kind: 'routing', title: 'routing decision', packet: before, rewrites: [], explanation: local ? `${before.dst} is one of the node's own addresses: the packet is delivered locally (filter INPUT).` : `${before.dst} is not an address of this node: the packet is forwarded (filter ${h.chain}) towards ${podByIp(env.cluster, before.dst) ? 'the pod' : 'its destination'}.`, probability: h.probability });
    }
    // A jump to KUBE-MARK-MASQ and the MARK inside it are one step for people.
    if (h.action === 'mark' && h.chain === 'KUBE-MARK-MASQ' && steps.length > 0 && steps[steps.length - 1].kind === 'mark-masq') {
      const prev = steps[steps.length - 1];
      steps[steps.length - 1] = { ...prev, ...(markText(h.mark) ? { mark: markText(h.mark)! } : {}) };
      before = h.packet;
      continue;
    }
    const e = explainHop(h, before, svcLabel);
    // Plain jumps from built-in chains into kube-proxy's top chains are kept; so is every decision.
    const span = h.line !== undefined ? lineSpan?.(h.line) : undefined;
    steps.push({
      kind: e.kind,
      title: e.title,
      table: h.table,
      chain: h.chain,
      ...(h.rule !== undefined ? { rule: h.rule } : {}),
      ...(h.line !== undefined ? { line: h.line } : {}),
      packet: h.packet,
      rewrites: rewrites(before, h.packet),
      ...(markText(h.mark) ? { mark: markText(h.mark)! } : {}),
      probability: h.probability,
      explanation: e.explanation,
      ...(rulesUri && span ? { source: { uri: rulesUri, span } } : {}),
    });
    before = h.packet;
  }
  return steps;
}

function finishBranch(env: TraceEnvironment, o: Outcome, start: Start, steps: TraceStep[], extraUnevaluated: string[] = []): TraceBranch {
  const pod = podByIp(env.cluster, o.packet.dst);
  const unevaluated = [...o.unevaluated.map((u) => `${u.table} ${u.chain} line ${u.line + 1}: ${u.rule} (${u.reason})`), ...(o.notes ?? []).map((n) => `note: ${n}`), ...extraUnevaluated];
  const base = { probability: o.probability, verdict: o.verdict, masqueraded: o.masqueraded, rulesEvaluated: o.rulesEvaluated, unevaluated };
  if (o.verdict === 'dropped' || o.verdict === 'rejected') {
    const last = [...steps].reverse().find((s) => s.kind === 'drop' || s.kind === 'reject');
    return { ...base, steps, reply: [], reason: o.reason ?? last?.explanation ?? o.verdict };
  }
  const all = [...steps];
  if (pod) {
    all.push({ kind: 'pod', title: `pod ${pod.namespace}/${pod.name}`, packet: o.packet, rewrites: [], probability: o.probability, explanation: `The pod ${pod.name} on ${pod.nodeName} receives the packet from ${endpointText(o.packet.src, o.packet.sport)}${o.packet.src !== start.packet.src ? ' — the node\'s address, not the client\'s, because the packet was masqueraded' : ' — the client\'s own address'}.`, source: env.locate?.(pod.owner.split('/')[0], pod.namespace, pod.owner.split('/')[1], ['spec', 'template']) });
  }
  const reply: TraceStep[] = [];
  if (o.packet.dst !== start.packet.dst || o.packet.src !== start.packet.src) {
    const r1: Packet = { src: o.packet.dst, sport: o.packet.dport, dst: o.packet.src, dport: o.packet.sport, proto: o.packet.proto };
    const r2: Packet = { src: start.packet.dst, sport: start.packet.dport, dst: start.packet.src, dport: start.packet.sport, proto: o.packet.proto };
    reply.push({ kind: 'pod', title: pod ? `pod ${pod.name} replies` : 'the endpoint replies', packet: r1, rewrites: [], explanation: `The reply goes to ${endpointText(r1.dst, r1.dport)}${o.masqueraded ? ', the node that masqueraded the request' : ''}.` });
    reply.push({ kind: 'node', title: `conntrack on ${start.node.name}`, packet: r2, rewrites: rewrites(r1, r2), explanation: `conntrack on ${start.node.name} finds the entry and reverses the NAT without consulting iptables: the source becomes ${endpointText(r2.src, r2.sport)} again and the destination the client ${endpointText(r2.dst, r2.dport)}.` });
    reply.push({ kind: 'client', title: start.clientLabel, packet: r2, rewrites: [], explanation: 'The client sees the reply come from the address it connected to, so the connection works.' });
  }
  return {
    ...base,
    ...(pod || o.verdict === 'forwarded' || o.verdict === 'delivered' ? { endpoint: { ip: o.packet.dst, port: o.packet.dport, ...(pod ? { pod: pod.name, node: pod.nodeName, assumed: pod.assumed } : {}) } } : {}),
    steps: all,
    reply,
    conntrack: conntrackLine(start.packet, o.packet),
  };
}

function rulesFor(env: TraceEnvironment, scenario: TraceScenario, cluster: Cluster, node: SynthesizedNode): { ruleset: Ruleset; uri?: string; lineSpan?: (line: number) => Span | undefined; nodeRules?: NodeRules } {
  if (scenario.rules !== 'generated' && env.dump && env.dump.uri === scenario.rules.dumpUri) {
    return { ruleset: env.dump.ruleset, uri: env.dump.uri, lineSpan: env.dump.lineSpans };
  }
  const nr = (env.nodeRules ?? ((c, n) => buildNodeRules(c, { nodeName: n })))(cluster, node.name);
  return { ruleset: nr.ruleset, uri: env.generatedRulesUri?.(node.name), lineSpan: (line) => env.generatedLineSpan?.(node.name, line), nodeRules: nr };
}

/**
 * The cluster with the what-if traffic policies applied to the target Service: the workspace's
 * objects with that Service changed, synthesized again (allocations are stable, so every other
 * value stays where it was; a health-check NodePort a Local policy needs is allocated and labelled).
 */
function withWhatIf(cluster: Cluster, objects: readonly KubeObject[], scenario: TraceScenario, svc: KubeObject): Cluster {
  if (!scenario.externalTrafficPolicy && !scenario.internalTrafficPolicy) return cluster;
  const key = `${nsOf(svc)}/${svc.metadata?.name}`;
  const changed = objects.map((o) => {
    if (o.kind !== 'Service' || `${nsOf(o)}/${o.metadata?.name}` !== key) return o;
    const spec = { ...(o.spec ?? {}) };
    if (scenario.externalTrafficPolicy) spec.externalTrafficPolicy = scenario.externalTrafficPolicy;
    if (scenario.internalTrafficPolicy) spec.internalTrafficPolicy = scenario.internalTrafficPolicy;
    return { ...o, spec };
  });
  return synthesizeCluster(changed, cluster.settings);
}

function whatIfWords(scenario: TraceScenario): string {
  const parts: string[] = [];
  if (scenario.externalTrafficPolicy) parts.push(`externalTrafficPolicy ${scenario.externalTrafficPolicy}`);
  if (scenario.internalTrafficPolicy) parts.push(`internalTrafficPolicy ${scenario.internalTrafficPolicy}`);
  if (scenario.returningClient) parts.push('returning client');
  return parts.length > 0 ? ` (what-if: ${parts.join(', ')})` : '';
}

/** The controller-Service sub-trace ends at the controller pod; the ingress-controller step takes its place. */
function withoutFinalPod(steps: readonly TraceStep[]): TraceStep[] {
  return steps.length > 0 && steps[steps.length - 1].kind === 'pod' ? steps.slice(0, -1) : [...steps];
}

function serviceTrace(env: TraceEnvironment, objects: readonly KubeObject[], scenario: TraceScenario): { trace: PathTrace; start?: Start } {
  const t = scenario.target;
  const empty = (error: string): { trace: PathTrace } => ({ trace: { title: `${t.namespace}/${t.name}`, scenario, assumptions: [], branches: [], errors: [error] } });
  const first = resolveService(env.cluster, t.namespace, t.name, t.port);
  if (typeof first === 'string') return empty(first);
  const cluster = withWhatIf(env.cluster, objects, scenario, first.svc);
  const r = resolveService(cluster, t.namespace, t.name, t.port) as Resolved;
  const start = startOf({ ...env, cluster }, scenario, r);
  if (typeof start === 'string') return empty(start);
  const rules = rulesFor(env, scenario, cluster, start.node);
  const localAddresses = [start.node.internalIP, '127.0.0.1'];
  const result = tracePacket(rules.ruleset, { packet: start.packet, from: start.from, localAddresses, egressAddress: start.node.internalIP, returningClient: scenario.returningClient ?? false });
  const svcLabel = `${t.namespace}/${t.name}:${r.portLabel}`;
  const branches = result.outcomes.map((o) => finishBranch({ ...env, cluster }, o, start, [...start.prefix, ...stepsFromOutcome({ ...env, cluster }, o, start, svcLabel, rules.uri, rules.lineSpan)]));
  const assumptions = [...start.assumptions];
  const key = `${t.namespace}/${t.name}`;
  for (const a of cluster.assumptions) {
    const onPath = a.owner === key || (a.what === 'node' && a.owner === start.node.name) || (a.what === 'podIP' && branches.some((b) => b.endpoint?.ip === a.value));
    if (onPath) assumptions.push(a.text);
  }
  if (scenario.externalTrafficPolicy) assumptions.push(`externalTrafficPolicy ${scenario.externalTrafficPolicy} (what-if; the manifest says ${first.svc.spec?.externalTrafficPolicy ?? 'Cluster'})`);
  if (scenario.internalTrafficPolicy) assumptions.push(`internalTrafficPolicy ${scenario.internalTrafficPolicy} (what-if; the manifest says ${first.svc.spec?.internalTrafficPolicy ?? 'Cluster'})`);
  const errors = rules.nodeRules?.configErrors ? [...rules.nodeRules.configErrors] : [];
  return {
    trace: { title: `${svcLabel} from ${start.clientLabel} via ${scenario.via} on ${start.node.name}${whatIfWords(scenario)}`, scenario, assumptions, branches, errors },
    start,
  };
}

/** Finds the ingress-nginx controller's Service for a class: the IngressClass, then the workloads and Service labelled as ingress-nginx. */
export function findIngressController(cluster: Cluster, objects: readonly KubeObject[], className: string | undefined, override?: string): { service?: KubeObject; why: string } {
  if (override) {
    const [ns, name] = override.includes('/') ? override.split('/') : ['ingress-nginx', override];
    const s = cluster.services.find((x) => nsOf(x) === ns && x.metadata?.name === name);
    return s ? { service: s, why: `the setting names ${override}` } : { why: `the setting names ${override}, which is not in the workspace` };
  }
  const classes = objects.filter((o) => o.kind === 'IngressClass');
  const cls = classes.find((c) => c.metadata?.name === className) ?? classes.find((c) => c.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true');
  const isNginx = !cls || cls.spec?.controller === 'k8s.io/ingress-nginx';
  if (!isNginx) return { why: `IngressClass ${cls?.metadata?.name} is served by ${cls?.spec?.controller}, not ingress-nginx` };
  const candidates = cluster.services.filter((s) => {
    const l = (s.metadata?.labels ?? {}) as Record<string, string>;
    const sel = (s.spec?.selector ?? {}) as Record<string, string>;
    const named = l['app.kubernetes.io/name'] === 'ingress-nginx' || sel['app.kubernetes.io/name'] === 'ingress-nginx';
    const component = l['app.kubernetes.io/component'] ?? sel['app.kubernetes.io/component'] ?? 'controller';
    return named && component === 'controller';
  });
  const svc = candidates.find((s) => s.spec?.type === 'LoadBalancer') ?? candidates[0];
  return svc ? { service: svc, why: `IngressClass ${cls?.metadata?.name ?? '(none)'} uses k8s.io/ingress-nginx; the Service ${nsOf(svc)}/${svc.metadata?.name} is labelled app.kubernetes.io/name: ingress-nginx, component controller` } : { why: 'no Service labelled app.kubernetes.io/name: ingress-nginx (component controller) in the workspace' };
}

function ingressTrace(env: TraceEnvironment, objects: readonly KubeObject[], scenario: TraceScenario, controllerOverride?: string): PathTrace {
  const t = scenario.target;
  const ing = objects.find((o) => o.kind === 'Ingress' && nsOf(o) === t.namespace && o.metadata?.name === t.name);
  const fail = (error: string): PathTrace => ({ title: `Ingress ${t.namespace}/${t.name}`, scenario, assumptions: [], branches: [], errors: [error] });
  if (!ing) return fail(`No Ingress ${t.namespace}/${t.name} in the workspace.`);
  const className: string | undefined = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.['kubernetes.io/ingress.class'];
  const controller = findIngressController(env.cluster, objects, className, controllerOverride);
  if (!controller.service) return fail(`No ingress-nginx controller found: ${controller.why}.`);
  const firstRuleHost = Array.isArray(ing.spec?.rules) ? ing.spec.rules.find((x: any) => typeof x?.host === 'string')?.host : undefined;
  const host = scenario.host ?? firstRuleHost ?? '';
  const path = scenario.path ?? '/';
  const match: IngressMatch = matchIngress(objects.filter((o) => o.kind === 'Ingress'), className, host, path);

  const ctrlSvc = controller.service;
  const httpPort = portsOf(ctrlSvc).find((p) => p?.name === 'http' || p?.port === 80) ?? portsOf(ctrlSvc)[0];
  const sub = serviceTrace(env, objects, { ...scenario, target: { kind: 'Service', namespace: nsOf(ctrlSvc), name: String(ctrlSvc.metadata?.name), port: httpPort?.name ?? String(httpPort?.port ?? '') }, via: scenario.via === 'clusterip' ? 'clusterip' : scenario.via });
  const assumptions = [...sub.trace.assumptions, `Request Host "${host}" path "${path}"${scenario.host === undefined || scenario.path === undefined ? ' (assumed)' : ''}`];
  const errors = [...sub.trace.errors];
  const backend = match.winner?.backend ?? match.defaultBackend?.backend;
  const decisionStep = (packet: Packet): TraceStep => ({
    kind: 'ingress-rule',
    title: backend ? `Ingress rule → ${backend.service}:${backend.port ?? ''}` : 'no Ingress rule (404)',
    packet,
    rewrites: [],
    explanation: match.explanation,
    ...(match.winner ? { source: env.locate?.('Ingress', match.winner.ingress.split('/')[0], match.winner.ingress.split('/')[1], ['spec', 'rules', match.winner.ruleIndex, 'http', 'paths', match.winner.pathIndex]) } : {}),
  });
  const winningIngress = match.winner?.object ?? ing;
  const serviceUpstream = backend !== undefined && (winningIngress.metadata?.annotations as Record<string, string> | undefined)?.['nginx.ingress.kubernetes.io/service-upstream'] === 'true';
  const decision = {
    host,
    path,
    candidates: match.candidates.map((c) => ({ ingress: c.ingress, host: c.host, path: c.path, pathType: c.pathType, backend: c.backend ? `${c.backend.service}:${c.backend.port ?? ''}` : '(resource backend)', matched: c.matched, winner: c.winner, why: c.why })),
    serviceUpstream,
  };

  const branches: TraceBranch[] = [];
  for (const b of sub.trace.branches) {
    if (b.verdict === 'dropped' || b.verdict === 'rejected' || !b.endpoint) {
      branches.push(b);
      continue;
    }
    const ctrlPod = podByIp(env.cluster, b.endpoint.ip);
    const ctrlNode = nodeByName(env.cluster, ctrlPod?.nodeName ?? b.endpoint.node);
    const arrive = b.steps[b.steps.length - 1]?.packet ?? sub.start!.packet;
    const ctrlStep: TraceStep = { kind: 'ingress-controller', title: `ingress-nginx controller ${ctrlPod ? ctrlPod.name : b.endpoint.ip}`, packet: arrive, rewrites: [], explanation: `NGINX in the controller pod terminates the client's TCP connection and reads the HTTP request (Host "${host}", path "${path}"). The client address travels on only in the X-Forwarded-For header.`, probability: b.probability };
    if (!backend) {
      branches.push({ ...b, steps: [...withoutFinalPod(b.steps), ctrlStep, decisionStep(arrive)], reply: [], verdict: 'delivered', reason: 'The controller answers 404 from its default backend.' });
      continue;
    }
    const backendSvc = env.cluster.services.find((s) => nsOf(s) === backend.namespace && s.metadata?.name === backend.service);
    if (!backendSvc) {
      branches.push({ ...b, steps: [...withoutFinalPod(b.steps), ctrlStep, decisionStep(arrive)], reply: [], verdict: 'rejected', reason: `The backend Service ${backend.namespace}/${backend.service} does not exist: ingress-nginx answers 503.` });
      continue;
    }
    const svcPort = portsOf(backendSvc).find((p) => p?.port === backend.port || p?.name === backend.port) ?? portsOf(backendSvc)[0];
    if (serviceUpstream) {
      // service-upstream: the controller connects to the backend's ClusterIP, so kube-proxy's rules
      // on the controller pod's node pick the endpoint: a full sub-trace from the controller pod.
      const up = serviceTrace(env, objects, { ...scenario, target: { kind: 'Service', namespace: backend.namespace, name: backend.service, port: svcPort?.name || String(svcPort?.port ?? '') }, source: 'pod-same-node', node: ctrlNode.name, via: 'clusterip', ...(ctrlPod ? { sourceAddress: ctrlPod.ip } : {}), externalTrafficPolicy: undefined, internalTrafficPolicy: undefined });
      errors.push(...up.trace.errors);
      for (const u of up.trace.branches) {
        const first = u.steps[0];
        const connect: TraceStep | undefined = first ? { ...first, kind: 'upstream', title: `upstream ${endpointText(first.packet.dst, first.packet.dport)} (ClusterIP)`, rewrites: ['src', 'sport', 'dst', 'dport'], explanation: `nginx.ingress.kubernetes.io/service-upstream is "true": ingress-nginx opens a new connection from the controller pod ${first.packet.src} to the Service's ClusterIP ${endpointText(first.packet.dst, first.packet.dport)}, so kube-proxy's rules on ${ctrlNode.name} pick the endpoint.` } : undefined;
        branches.push({
          ...u,
          probability: b.probability * u.probability,
          steps: [...withoutFinalPod(b.steps), ctrlStep, decisionStep(arrive), ...(connect ? [connect] : []), ...u.steps.slice(1)],
          reply: [...u.reply.filter((s) => s.kind !== 'client'), ...b.reply.filter((s) => s.kind !== 'pod')],
          ...(b.conntrack || u.conntrack ? { conntrack: [b.conntrack, u.conntrack].filter(Boolean).join('\n') } : {}),
          masqueraded: b.masqueraded || u.masqueraded,
          rulesEvaluated: b.rulesEvaluated + u.rulesEvaluated,
          unevaluated: [...b.unevaluated, ...u.unevaluated],
        });
      }
      continue;
    }
    // Straight to the backend pods' endpoints (ingress-nginx load-balances over the EndpointSlice itself).
    const pods = backingPods(env.cluster, backendSvc);
    if (pods.length === 0) {
      branches.push({ ...b, steps: [...withoutFinalPod(b.steps), ctrlStep, decisionStep(arrive)], reply: [], verdict: 'rejected', reason: `The backend Service ${backend.namespace}/${backend.service} has no endpoints: ingress-nginx answers 503.` });
      continue;
    }
    for (const pod of pods) {
      const tp = svcPort?.targetPort ?? svcPort?.port;
      const port = typeof tp === 'number' ? tp : pod.ports.find((x) => x.name === tp)?.containerPort ?? Number(tp);
      const src = ctrlPod?.ip ?? b.endpoint.ip;
      const packet: Packet = { src, sport: 40000 + (pods.indexOf(pod) % 1000), dst: pod.ip, dport: port, proto: 'tcp' };
      const upstream: TraceStep = { kind: 'upstream', title: `upstream ${endpointText(pod.ip, port)}`, packet, rewrites: ['src', 'sport', 'dst', 'dport'], explanation: `ingress-nginx opens a new connection straight to the endpoint ${endpointText(pod.ip, port)} of ${backend.service}, taken from its EndpointSlice: no ClusterIP, so kube-proxy's rules do not apply. The source is the controller pod's IP ${src}.`, probability: b.probability / pods.length };
      const samePodNode = pod.nodeName === ctrlNode.name;
      // The new connection still crosses netfilter on the controller's node (FORWARD, POSTROUTING):
      // the simulator walks it there, so a NetworkPolicy-style DROP or a masquerade would show.
      const legRules = rulesFor(env, ctrlNode.name === scenario.node ? scenario : { ...scenario, rules: 'generated' }, env.cluster, ctrlNode);
      const leg = tracePacket(legRules.ruleset, { packet, from: 'pod', localAddresses: [ctrlNode.internalIP, '127.0.0.1'], egressAddress: ctrlNode.internalIP });
      const legOutcome = leg.outcomes[0];
      const legStart: Start = { packet, from: 'pod', node: ctrlNode, prefix: [], assumptions: [], clientLabel: `controller pod ${src}` };
      const legSteps = legOutcome ? stepsFromOutcome(env, legOutcome, legStart, `${backend.namespace}/${backend.service}`, legRules.uri, legRules.lineSpan).filter((x) => x.kind !== 'routing').map((x) => ({ ...x, probability: b.probability / pods.length })) : [];
      const legEnds = legOutcome && (legOutcome.verdict === 'dropped' || legOutcome.verdict === 'rejected');
      const delivered = legOutcome?.packet ?? packet;
      const route: TraceStep = { kind: 'routing', title: samePodNode ? 'same node' : `to ${pod.nodeName}`, packet: delivered, rewrites: [], explanation: samePodNode ? 'The backend pod runs on the same node: the packet crosses the node\'s bridge.' : `The backend pod runs on ${pod.nodeName}: the packet is routed there through the pod CIDR route, source unchanged.`, probability: b.probability / pods.length };
      if (legEnds) {
        branches.push({ ...b, probability: b.probability / pods.length, steps: [...withoutFinalPod(b.steps), ctrlStep, decisionStep(arrive), upstream, ...legSteps], reply: [], verdict: legOutcome.verdict, reason: legOutcome.reason ?? legOutcome.verdict, rulesEvaluated: b.rulesEvaluated + legOutcome.rulesEvaluated });
        continue;
      }
      const podStep: TraceStep = { kind: 'pod', title: `pod ${pod.namespace}/${pod.name}`, packet, rewrites: [], explanation: `The backend pod ${pod.name} sees the connection coming from the controller pod ${src}, not from the client; the client address is only in X-Forwarded-For.`, probability: b.probability / pods.length, source: env.locate?.(pod.owner.split('/')[0], pod.namespace, pod.owner.split('/')[1], ['spec', 'template']) };
      branches.push({
        probability: b.probability / pods.length,
        verdict: 'forwarded',
        endpoint: { ip: pod.ip, port, pod: pod.name, node: pod.nodeName, assumed: pod.assumed },
        steps: [...withoutFinalPod(b.steps), ctrlStep, decisionStep(arrive), upstream, ...legSteps, route, podStep],
        reply: [
          { kind: 'pod', title: `pod ${pod.name} replies`, packet: { src: pod.ip, sport: port, dst: src, dport: packet.sport, proto: 'tcp' }, rewrites: [], explanation: 'The backend replies to the controller pod.' },
          ...b.reply,
        ],
        conntrack: b.conntrack,
        masqueraded: b.masqueraded,
        rulesEvaluated: b.rulesEvaluated + (legOutcome?.rulesEvaluated ?? 0),
        unevaluated: [...b.unevaluated, ...(legOutcome?.unevaluated ?? []).map((x) => `${x.table} ${x.chain} line ${x.line + 1}: ${x.rule} (${x.reason})`)],
      });
    }
  }
  return { title: `Ingress ${t.namespace}/${t.name} ${host}${path}`, scenario, assumptions, branches, ingress: decision, errors };
}

/**
 * The packet path for a scenario: a Service (one simulator run on the receiving node's rules) or
 * an Ingress (the controller Service's path, then the Ingress rule and the upstream). `objects`
 * are the workspace's objects (for Ingresses and IngressClasses). Pure; never throws on content.
 */
export function buildTrace(env: TraceEnvironment, objects: readonly KubeObject[], scenario: TraceScenario, options: { readonly ingressController?: string } = {}): PathTrace {
  try {
    if (scenario.target.kind === 'Ingress') return ingressTrace(env, objects, scenario, options.ingressController);
    return serviceTrace(env, objects, scenario).trace;
  } catch (e) {
    return { title: `${scenario.target.namespace}/${scenario.target.name}`, scenario, assumptions: [], branches: [], errors: [`Internal error while tracing: ${e instanceof Error ? e.message : String(e)}`] };
  }
}

/**
 * The scenario a user most likely means: for a Service, from outside through its most external
 * entry (from a pod on another node for a ClusterIP Service); for an Ingress, an external client
 * through the controller's LoadBalancer. With externalTrafficPolicy Local the load balancer only
 * sends to nodes that pass its health check, so the receiving node is one with a local endpoint.
 */
export function defaultScenario(cluster: Cluster, objects: readonly KubeObject[], kind: 'Service' | 'Ingress', namespace: string, name: string, port?: string): TraceScenario {
  let svc = cluster.services.find((s) => nsOf(s) === namespace && s.metadata?.name === name);
  if (kind === 'Ingress') {
    const ing = objects.find((o) => o.kind === 'Ingress' && nsOf(o) === namespace && o.metadata?.name === name);
    const className = (ing?.spec?.ingressClassName ?? ing?.metadata?.annotations?.['kubernetes.io/ingress.class']) as string | undefined;
    svc = findIngressController(cluster, objects, className).service;
  }
  const type = svc?.spec?.type;
  const via: TraceScenario['via'] = type === 'LoadBalancer' ? 'loadbalancer' : type === 'NodePort' ? 'nodeport' : 'clusterip';
  let node = cluster.nodes[0]?.name ?? '';
  if (svc && svc.spec?.externalTrafficPolicy === 'Local' && via !== 'clusterip') {
    const local = backingPods(cluster, svc)[0];
    if (local) node = local.nodeName;
  }
  if (kind === 'Ingress') return { target: { kind, namespace, name }, source: 'external', via: via === 'clusterip' ? 'loadbalancer' : via, node, rules: 'generated' };
  return { target: { kind, namespace, name, ...(port ? { port } : {}) }, source: via === 'clusterip' ? 'pod-other-node' : 'external', via, node, rules: 'generated' };
}
