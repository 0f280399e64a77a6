/**
 * Benchmark (not a test): one trace on a parsed 10,000-Service dump (about 160,000 lines) must take
 * under 5 ms. The dump is kube-proxy's own output for a synthetic cluster (deterministic, assumed
 * data): Service i has ClusterIP 172.16.x.y port 80 and 3 endpoints 10.x.y.z:8080, every tenth
 * one is a NodePort (30000 + i/10), written by `generateRules` and completed with kube-proxy's
 * built-in jump rules (`completeNodeRuleset`), so the chains are as long as a real node's.
 *
 * Run: `node --import tsx bench/tracePacket.bench.ts [services]`.
 */
import { parseDump } from '../server/src/core/iptables/parseDump';
import { defaultProxierConfig } from '../server/src/core/kubeproxy/config';
import { generateRules } from '../server/src/core/kubeproxy/generateRules';
import { completeNodeRuleset } from '../server/src/core/save/completeNodeRuleset';
import { prepareRuleset, tracePacket } from '../server/src/core/simulator/tracePacket';
import type { TraceRequest } from '../server/src/core/simulator/types';

const NODE_IP = '192.168.0.2';

function clusterIp(i: number): string {
  return `172.16.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

function endpointIp(i: number, e: number): string {
  const n = i * 3 + e;
  return `10.${1 + Math.floor(n / 65000)}.${Math.floor((n % 65000) / 250)}.${(n % 250) + 1}`;
}

function nodePort(i: number): number {
  return 30000 + Math.floor(i / 10);
}

/** The node's whole ruleset for a synthetic cluster of `count` Services (assumed data). */
export function makeDump(count: number): string {
  const services: unknown[] = [];
  const endpointSlices: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const name = `svc${i}`;
    const port: Record<string, unknown> = { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' };
    if (i % 10 === 0) port.nodePort = nodePort(i);
    services.push({
      apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'bench', name },
      spec: { type: i % 10 === 0 ? 'NodePort' : 'ClusterIP', clusterIP: clusterIp(i), selector: { app: name }, ports: [port] },
    });
    endpointSlices.push({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { namespace: 'bench', name: `${name}-1`, labels: { 'kubernetes.io/service-name': name } },
      endpoints: [0, 1, 2].map((e) => ({ addresses: [endpointIp(i, e)], conditions: { ready: true }, nodeName: e === 0 ? 'node' : 'other' })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  }
  const config = { ...defaultProxierConfig(), nodeIPs: [NODE_IP], localDetector: { mode: 'ClusterCIDR' as const, cidrs: ['10.0.0.0/8'] } };
  return completeNodeRuleset(generateRules({ services, endpointSlices, config }).restore, { family: 'ipv4' });
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

export function runTracePacketBench(count = 10_000): { lines: number; parseMs: number; coldMs: number; medianMs: number; p90Ms: number; maxMs: number; prepareMs: number; firstPreparedMs: number } {
  const dump = makeDump(count);
  const lines = dump.split('\n').length;
  const parsed = time(() => parseDump(dump));
  const rs = parsed.value;
  const last = count - 1;
  const requests: TraceRequest[] = [
    // The last Service: the longest linear scan of KUBE-SERVICES.
    { packet: { src: '10.200.0.9', sport: 40000, dst: clusterIp(last), dport: 80, proto: 'tcp' }, from: 'pod', localAddresses: [NODE_IP, '127.0.0.1'] },
    // A NodePort from outside: all of KUBE-SERVICES, then KUBE-NODEPORTS.
    { packet: { src: '203.0.113.7', sport: 40000, dst: NODE_IP, dport: nodePort(last - (last % 10)), proto: 'tcp' }, from: 'outside', localAddresses: [NODE_IP, '127.0.0.1'] },
    // Not a Service at all.
    { packet: { src: '203.0.113.7', sport: 40000, dst: '10.99.99.99', dport: 443, proto: 'tcp' }, from: 'outside', localAddresses: [NODE_IP, '127.0.0.1'] },
  ];
  const cold = time(() => tracePacket(rs, requests[0]));
  if (cold.value.outcomes.length !== 3) throw new Error(`expected 3 outcomes for the last Service, got ${cold.value.outcomes.length}`);
  const samples: number[] = [];
  for (let round = 0; round < 100; round++) {
    for (const r of requests) samples.push(time(() => tracePacket(rs, r)).ms);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * q))];
  // The same dump parsed again and warmed with prepareRuleset (what a server can do in idle time).
  const again = parseDump(dump);
  const prepare = time(() => prepareRuleset(again));
  const firstPrepared = time(() => tracePacket(again, requests[1]));
  return { lines, parseMs: parsed.ms, coldMs: cold.ms, medianMs: at(0.5), p90Ms: at(0.9), maxMs: samples[samples.length - 1], prepareMs: prepare.ms, firstPreparedMs: firstPrepared.ms };
}

if (require.main === module) {
  const count = Number(process.argv[2] ?? 10_000);
  const r = runTracePacketBench(count);
  const ok = r.medianMs < 5;
  // Timings depend on the machine and its load; the budget is for the steady state once the dump is parsed.
  console.log(`tracePacket on ${count} Services (${r.lines} lines): parse ${r.parseMs.toFixed(0)} ms; first trace (builds the chain index, compiles the rules it meets) ${r.coldMs.toFixed(2)} ms; then median ${r.medianMs.toFixed(3)} ms, p90 ${r.p90Ms.toFixed(3)} ms, max ${r.maxMs.toFixed(3)} ms per trace — ${ok ? 'under' : 'OVER'} the 5 ms budget; prepareRuleset ${r.prepareMs.toFixed(0)} ms, then first trace ${r.firstPreparedMs.toFixed(2)} ms`);
  process.exitCode = ok ? 0 : 1;
}
