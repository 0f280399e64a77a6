/**
 * The simulator against the real kernel. The harness builds the dual-stack namespaces of
 * `topology.ts` (an outside client, node-a with routed pods, node-b with a pod), loads a ruleset
 * into node-a, makes real TCP (and UDP) connections, and reads where they landed (the pod's view
 * of the peer address) and node-a's `conntrack -L`. Rulesets, each on both kernel engines
 * (iptables-legacy and iptables-nft, a fresh topology each time):
 *
 * - kube-proxy's rules for node-a as `generateRules` writes them for `cluster.yaml` (IPv4,
 *   `node-a.restore`) and `cluster6.yaml` (IPv6, `node-a6.restore`), completed with kube-proxy's
 *   jump rules: ClusterIP from a pod and from the node, NodePort and LoadBalancer IP from outside,
 *   loadBalancerSourceRanges, eTP Local with and without a local endpoint, hairpin, session
 *   affinity, no endpoints, UDP, IPv6;
 * - a hand-written CNI-shaped ruleset (`cni-shaped.restore`): interfaces, policies, goto, marks,
 *   nth, multiport, SNAT, tcp-reset.
 *
 * For every scenario `tracePacket` on the same ruleset (given the node's real routing table) must
 * agree with the kernel:
 *
 * - the set of endpoints reached;
 * - masquerading: where the simulator says masqueraded, the pod saw exactly the simulator's source
 *   address (one of the node's); otherwise the client's own address; conntrack's reply tuple too;
 * - drops (the client times out) and rejects (the connection is refused);
 * - over N connections, each endpoint's share within 4.5 binomial standard deviations of the
 *   simulator's probability;
 * - and the same trace on the kernel's own `iptables-save` / `ip6tables-save` of the rules.
 *
 * Needs root. Fails with a clear message when not root, unless KPP_SKIP_KERNEL=1. About a minute.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ruleset } from '../../../server/src/core/iptables/model';
import { kernelTestsSkipped, missingKernelPrerequisites } from '../lib/netns';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { tracePacket } from '../../../server/src/core/simulator/tracePacket';
import type { Outcome, PacketOrigin, TraceResult } from '../../../server/src/core/simulator/types';
import {
  BLOCKED_CLIENT_IP, CLIENT_IP, FIXTURES, LB_IP, NODE_ADDRESSES, NODE_ADDRESSES_V6, NODE_EXTERNAL_IP, NODE_IP, PODS, POD_PORT, POD_UDP_PORT, V6, nodeRuleset,
} from './cluster';
import { connectMany, listConntrack, type ConnectionResult } from './connect';
import { buildTopology, destroyTopology, readRoutes, sweepLeftoverNamespaces, type Topology } from './topology';
import type { Route } from '../../../server/src/core/simulator/types';

const skip = kernelTestsSkipped() ? 'KPP_SKIP_KERNEL=1' : false;
const missing = skip ? undefined : missingKernelPrerequisites(['iptables-legacy-restore', 'iptables-nft-restore', 'conntrack']);
/** Both kernel engines behind iptables: the legacy xtables tables and nftables (iptables-nft). */
const FLAVOURS = ['legacy', 'nft'] as const;
/** Binomial tolerance, in standard deviations. */
const SIGMA = 4.5;

let topo: Topology | undefined;
/** The node's routing table, read from the kernel once the topology is built. */
type Family = 'ipv4' | 'ipv6';
interface FamilyState {
  /** The suite's rules for this family, parsed. */
  ruleset: Ruleset;
  /** The same rules as the kernel lists them back (`iptables-save` / `ip6tables-save` in the node), parsed. */
  saved: Ruleset;
  /** The node's routing table for this family, read from the kernel. */
  routes: readonly Route[];
}
const state: Record<Family, FamilyState> = {
  ipv4: { ruleset: parseDump(''), saved: parseDump(''), routes: [] },
  ipv6: { ruleset: parseDump(''), saved: parseDump(''), routes: [] },
};

test('kernel traffic: prerequisites (root, iproute2, iptables, conntrack)', { skip }, () => {
  assert.equal(missing, undefined, missing);
});

const podByIp = new Map(PODS.flatMap((p) => [[p.ip, p.name], [p.ip6, p.name]] as const));
const nodeAddresses = new Set([...NODE_ADDRESSES, NODE_IP, NODE_EXTERNAL_IP, ...NODE_ADDRESSES_V6]);

interface Scenario {
  readonly name: string;
  /** Where the client runs: the outside client, a pod (by name), or the node. */
  readonly from: 'client' | 'node' | string;
  readonly src: string;
  readonly dst: string;
  readonly dport: number;
  readonly count: number;
  readonly timeoutMs?: number;
  /** The interface the packet arrives on at the node, for rules with -i (ext0 from the client, vpN from a pod). */
  readonly inInterface?: string;
  /** Default tcp (the pods' port 8080); udp goes to their port 5353. */
  readonly proto?: 'tcp' | 'udp';
  /** Default ipv4. */
  readonly family?: Family;
}

function targetPort(s: Scenario): number {
  return s.proto === 'udp' ? POD_UDP_PORT : POD_PORT;
}

function originOf(s: Scenario): PacketOrigin {
  return s.from === 'client' ? 'outside' : s.from === 'node' ? 'node' : 'pod';
}

/** What must not depend on where the rules were read from: the outcomes without rule text and lines. */
function outcomeSummary(r: TraceResult): unknown[] {
  return r.outcomes.map((o) => ({ probability: o.probability, verdict: o.verdict, packet: o.packet, masqueraded: o.masqueraded, reason: o.reason, chains: o.hops.map((h) => `${h.table} ${h.chain} ${h.action}`) }));
}

/**
 * Traces the scenario on the suite's ruleset, and on the kernel's own `iptables-save` of it: both
 * must give the same outcomes (the dump as read back from the kernel is what users trace).
 */
function simulate(s: Scenario, extra: { returningClient?: boolean; recentLists?: readonly string[] } = {}): TraceResult {
  const request = {
    packet: { src: s.src, sport: 40000, dst: s.dst, dport: s.dport, proto: s.proto ?? 'tcp' },
    from: originOf(s),
    localAddresses: s.family === 'ipv6' ? NODE_ADDRESSES_V6 : NODE_ADDRESSES,
    routes: state[s.family ?? 'ipv4'].routes,
    ...(s.inInterface !== undefined ? { inInterface: s.inInterface } : {}),
    ...extra,
  };
  const { ruleset, saved } = state[s.family ?? 'ipv4'];
  const r = tracePacket(ruleset, request);
  for (const o of r.outcomes) {
    assert.notEqual(o.verdict, 'error', o.reason);
    assert.deepEqual(o.unevaluated, [], 'every rule on the way was decided');
  }
  assert.deepEqual(outcomeSummary(tracePacket(saved, request)), outcomeSummary(r), 'the same trace on the kernel\'s iptables-save of the rules');
  return r;
}

function runKernel(s: Scenario): ConnectionResult[] {
  assert.ok(topo, 'topology built');
  const ns = s.from === 'client' ? topo.client : s.from === 'node' ? topo.node : topo.pods.get(s.from);
  assert.ok(ns, `namespace for ${s.from}`);
  topo.node.exec(['conntrack', '-F', '-f', 'ipv4']);
  topo.node.exec(['conntrack', '-F', '-f', 'ipv6']);
  return connectMany(ns, { host: s.dst, port: s.dport, count: s.count, localAddress: s.from === 'client' ? s.src : undefined, timeoutMs: s.timeoutMs, proto: s.proto ?? 'tcp' });
}

/** The pod an outcome delivers to (its DNAT target, on the pods' port for the protocol), or undefined. */
function podOf(o: Outcome, port = POD_PORT): string | undefined {
  if (o.verdict !== 'forwarded' && o.verdict !== 'sent' && o.verdict !== 'delivered') return undefined;
  return o.packet.dport === port ? podByIp.get(o.packet.dst) : undefined;
}

function count<T>(xs: readonly T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

/** Compares a delivering scenario: endpoints, shares, masquerade (pod's view and conntrack). */
function compareDelivered(s: Scenario, sim: TraceResult, kernel: readonly ConnectionResult[]): string {
  const answered = kernel.filter((k): k is Extract<ConnectionResult, { kind: 'answered' }> => k.kind === 'answered');
  assert.equal(answered.length, kernel.length, `every connection answered: ${JSON.stringify(kernel.filter((k) => k.kind !== 'answered').slice(0, 3))}`);
  const expected = new Map<string, Outcome>();
  for (const o of sim.outcomes) {
    const pod = podOf(o, targetPort(s));
    assert.ok(pod, `simulator outcome delivers to a pod: ${o.verdict} ${o.packet.dst}:${o.packet.dport}`);
    expected.set(pod, o);
  }
  const got = count(answered.map((a) => a.pod));
  assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), 'the set of endpoints reached');
  const lines: string[] = [];
  for (const [pod, o] of expected) {
    const n = got.get(pod) ?? 0;
    const mean = s.count * o.probability;
    const sd = Math.sqrt(s.count * o.probability * (1 - o.probability));
    assert.ok(Math.abs(n - mean) <= SIGMA * sd + 1e-9, `${pod}: ${n} of ${s.count} connections, simulator says p=${o.probability} (mean ${mean.toFixed(1)} ± ${(SIGMA * sd).toFixed(1)})`);
    const peers = new Set(answered.filter((a) => a.pod === pod).map((a) => a.peer));
    for (const peer of peers) {
      if (o.masqueraded) assert.ok(nodeAddresses.has(o.packet.src), `masqueraded to a node address: ${o.packet.src}`);
      if (o.masqueraded) assert.equal(peer, o.packet.src, `${pod} is masqueraded in the simulator to ${o.packet.src}; the pod saw ${peer}`);
      else assert.equal(peer, s.src, `${pod} is not masqueraded in the simulator, so it must see the client ${s.src}`);
    }
    lines.push(`${pod} ${n}/${s.count} (p=${o.probability.toFixed(3)}) peer ${[...peers].join(',')}${o.masqueraded ? ' masq' : ''}`);
  }
  // conntrack on the node: one entry per connection (a client source port used again reuses its
  // entry), reply from the endpoint, to the node when masqueraded.
  assert.ok(topo);
  const entries = listConntrack(topo.node, s.dst, s.dport, s.proto ?? 'tcp', s.family ?? 'ipv4').filter((e) => e.original.src === s.src || s.from === 'node');
  assert.equal(entries.length, new Set(answered.map((a) => a.localPort)).size, `conntrack entries for ${s.dst}:${s.dport}, one per client source port`);
  for (const e of entries) {
    const pod = podByIp.get(e.reply.src);
    assert.ok(pod && expected.has(pod), `conntrack reply source ${e.reply.src} is an expected endpoint: ${e.line}`);
    const o = expected.get(pod) as Outcome;
    assert.equal(e.reply.sport, targetPort(s));
    if (o.masqueraded) assert.equal(e.reply.dst, o.packet.src, `SNAT to the simulator's address: ${e.line}`);
    else assert.equal(e.reply.dst, e.original.src, `no SNAT: ${e.line}`);
  }
  return lines.join('; ');
}

function check(s: Scenario): void {
  const sim = simulate(s);
  const kernel = runKernel(s);
  const verdicts = new Set(sim.outcomes.map((o) => o.verdict));
  if (verdicts.has('dropped') || verdicts.has('rejected')) {
    assert.equal(sim.outcomes.length, 1, 'a drop/reject scenario has one outcome');
    const want = sim.outcomes[0].verdict === 'dropped' ? 'timeout' : 'refused';
    assert.deepEqual(kernel.map((k) => k.kind), kernel.map(() => want), `${sim.outcomes[0].verdict} in the simulator (${sim.outcomes[0].reason}) ↔ ${want} in the kernel`);
    console.log(`${s.name}: ${sim.outcomes[0].verdict} (${sim.outcomes[0].reason}); kernel: ${kernel.length}× ${want}`);
    return;
  }
  console.log(`${s.name}: ${compareDelivered(s, sim, kernel)}`);
}

const SUITES = [
  { name: "kube-proxy's generated rules (node-a.restore, node-a6.restore)", text: nodeRuleset('ipv4'), text6: nodeRuleset('ipv6'), scenarios: defineKubeProxyScenarios },
  { name: 'hand-written CNI-shaped rules (cni-shaped.restore)', text: readFileSync(join(FIXTURES, 'cni-shaped.restore'), 'utf8'), text6: undefined, scenarios: defineCniScenarios },
];

for (const suite of SUITES) {
  for (const flavour of FLAVOURS) {
    describe(`kernel traffic, ${suite.name}, iptables-${flavour}`, { skip: skip || !!missing }, () => {
      before(async () => {
        sweepLeftoverNamespaces();
        topo = await buildTopology();
        for (const family of ['ipv4', 'ipv6'] as const) {
          const text = family === 'ipv4' ? suite.text : suite.text6;
          const tool = family === 'ipv4' ? 'iptables' : 'ip6tables';
          const ruleset = parseDump(text ?? '');
          assert.deepEqual(ruleset.errors.filter((e) => e.severity === 'error'), [], `the ${family} ruleset parses`);
          if (text !== undefined) topo.node.execOk([`${tool}-${flavour}-restore`], { input: text });
          const saved = parseDump(topo.node.execOk([`${tool}-${flavour}-save`]).stdout);
          assert.deepEqual(saved.errors.filter((e) => e.severity === 'error'), [], `${tool}-${flavour}-save output parses`);
          state[family] = { ruleset, saved, routes: readRoutes(topo.node, family) };
        }
      });
      after(() => {
        if (topo) destroyTopology(topo);
        topo = undefined;
      });
      suite.scenarios();
    });
  }
}

function kernelTest(name: string, fn: () => void): void {
  test(name, fn);
}

function defineKubeProxyScenarios(): void {
  kernelTest('ClusterIP from a pod (3 endpoints, one of them the client itself: hairpin)', () => {
    check({ name: 'clusterip-from-pod', from: 'pod-1', src: '10.244.1.2', dst: '10.96.0.10', dport: 80, count: 300 });
  });

  kernelTest('ClusterIP from the node itself', () => {
    check({ name: 'clusterip-from-node', from: 'node', src: NODE_EXTERNAL_IP, dst: '10.96.0.10', dport: 80, count: 300 });
  });

  kernelTest('NodePort on 127.0.0.1 from the node itself (localhost NodePorts: out of lo, masqueraded)', () => {
    check({ name: 'localhost-nodeport', from: 'node', src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, count: 200 });
  });

  kernelTest('NodePort from outside (eTP Cluster: masqueraded, local and remote endpoints)', () => {
    check({ name: 'nodeport', from: 'client', src: CLIENT_IP, dst: NODE_IP, dport: 30080, count: 300 });
  });

  kernelTest('LoadBalancer IP from outside, inside loadBalancerSourceRanges', () => {
    check({ name: 'lb-allowed', from: 'client', src: CLIENT_IP, dst: LB_IP, dport: 80, count: 300 });
  });

  kernelTest('LoadBalancer IP from outside, outside loadBalancerSourceRanges: dropped', () => {
    check({ name: 'lb-blocked', from: 'client', src: BLOCKED_CLIENT_IP, dst: LB_IP, dport: 80, count: 3, timeoutMs: 1500 });
  });

  kernelTest('externalTrafficPolicy Local with a local endpoint: only that one, client address kept', () => {
    check({ name: 'etp-local-with', from: 'client', src: CLIENT_IP, dst: NODE_IP, dport: 30082, count: 60 });
  });

  kernelTest('externalTrafficPolicy Local without a local endpoint: dropped', () => {
    check({ name: 'etp-local-without', from: 'client', src: CLIENT_IP, dst: NODE_IP, dport: 30083, count: 3, timeoutMs: 1500 });
  });

  kernelTest('hairpin: a pod to its own Service is masqueraded', () => {
    check({ name: 'hairpin', from: 'pod-1', src: '10.244.1.2', dst: '10.96.0.16', dport: 80, count: 20 });
  });

  kernelTest('UDP ClusterIP from a pod (one datagram per new source port; 2 endpoints)', () => {
    check({ name: 'udp-clusterip', from: 'pod-2', src: '10.244.1.3', dst: '10.96.0.18', dport: 53, count: 200, proto: 'udp' });
  });

  kernelTest('IPv6 ClusterIP from a pod (3 endpoints, hairpin included)', () => {
    check({ name: 'ipv6-clusterip', family: 'ipv6', from: 'pod-1', src: 'fd00:244:1::2', dst: 'fd00:96::10', dport: 80, count: 300 });
  });

  kernelTest('IPv6 NodePort from outside (masqueraded to the node\'s IPv6 addresses)', () => {
    check({ name: 'ipv6-nodeport', family: 'ipv6', from: 'client', src: V6.client, dst: V6.nodeExternal, dport: 30090, count: 300 });
  });

  kernelTest('IPv6 Service with no endpoints: rejected (connection refused)', () => {
    check({ name: 'ipv6-no-endpoints', family: 'ipv6', from: 'pod-1', src: 'fd00:244:1::2', dst: 'fd00:96::12', dport: 80, count: 3 });
  });

  kernelTest('a Service with no endpoints: rejected (connection refused)', () => {
    check({ name: 'no-endpoints', from: 'pod-1', src: '10.244.1.2', dst: '10.96.0.17', dport: 80, count: 3 });
  });

  kernelTest('session affinity: a new client is spread, then sticks to its endpoint (recent --rcheck)', () => {
    const s: Scenario = { name: 'affinity', from: 'pod-2', src: '10.244.1.3', dst: '10.96.0.15', dport: 80, count: 100 };
    const fresh = simulate(s);
    const kernel = runKernel(s);
    assert.ok(kernel.every((k) => k.kind === 'answered'), JSON.stringify(kernel.slice(0, 3)));
    const pods = new Set(kernel.map((k) => (k.kind === 'answered' ? k.pod : '')));
    assert.equal(pods.size, 1, `every connection of one client lands on one endpoint, got ${[...pods].join(', ')}`);
    const [pod] = [...pods];
    // The first connection: a new client, spread over every endpoint; the kernel's pick is one of them.
    const first = fresh.outcomes.find((o) => podOf(o) === pod);
    assert.ok(first, `${pod} is one of the simulator's outcomes for a new client`);
    assert.equal(fresh.outcomes.length, 3);
    // Every later one: a returning client in that endpoint's recent list goes there with p = 1.
    const sep = first.hops.find((h) => h.action === 'dnat')?.chain;
    assert.ok(sep !== undefined && sep.startsWith('KUBE-SEP-'), 'the DNAT happened in a KUBE-SEP chain');
    const returning = simulate(s, { returningClient: true, recentLists: [sep] });
    assert.deepEqual(returning.outcomes.map((o) => [podOf(o), o.probability]), [[pod, 1]]);
    console.log(`affinity: all ${kernel.length} connections to ${pod}; simulator: new client ${fresh.outcomes.map((o) => `${podOf(o)} ${o.probability.toFixed(3)}`).join(', ')}; returning in ${sep} → ${pod} p=1`);
  });
}

function defineCniScenarios(): void {
  kernelTest('nth round-robin DNAT from outside: 1 in 3 to a local pod (client kept), the rest to node-b (SNAT by mark and -o)', () => {
    check({ name: 'nth-vip', from: 'client', src: CLIENT_IP, dst: '198.51.100.20', dport: 80, count: 300, inInterface: 'ext0' });
  });
  kernelTest('multiport DNAT, accepted by mark and conntrack DNAT state in a goto chain', () => {
    check({ name: 'multiport', from: 'client', src: CLIENT_IP, dst: '198.51.100.21', dport: 8050, count: 20, inInterface: 'ext0' });
  });
  kernelTest('a blocked source is rejected with port-unreachable (connection refused)', () => {
    check({ name: 'blocked', from: 'client', src: BLOCKED_CLIENT_IP, dst: '198.51.100.21', dport: 81, count: 3, inInterface: 'ext0' });
  });
  kernelTest('direct access to a pod that is only reachable by its VIP: tcp-reset (refused)', () => {
    check({ name: 'direct-reset', from: 'client', src: CLIENT_IP, dst: '10.244.1.3', dport: 8080, count: 3, inInterface: 'ext0' });
  });
  kernelTest('RETURN from a chain entered by -g goes to FORWARD\'s policy (DROP), not to the rule after the goto', () => {
    check({ name: 'goto-return', from: 'client', src: CLIENT_IP, dst: '10.244.1.2', dport: 8080, count: 3, timeoutMs: 1500, inInterface: 'ext0' });
  });
  kernelTest('pod egress to a pod on node-b: accepted by -i vp+, not masqueraded (! -d 10.244.0.0/16)', () => {
    check({ name: 'pod-egress', from: 'pod-1', src: '10.244.1.2', dst: '10.244.2.2', dport: 8080, count: 20, inInterface: 'vp1' });
  });
}
