/**
 * Benchmark: generate the full-sync ruleset for 10,000 Services x 3 endpoints (built in memory)
 * and print the time. Optionally (KPP_BENCH_RESTORE_TEST=1, root, iptables installed) also time
 * `iptables-restore --test` parsing the very same output in a throwaway network namespace, and
 * print the ratio (goal: generation <= 1/4 of the parse time).
 *
 *   node --import tsx bench/generateRules.bench.ts [services] [endpointsPerService]
 *
 * Prints the first full-size run (JIT still warming up, as in a fresh `kpp` process) and the
 * median of KPP_BENCH_RUNS (default 5) more runs in the same process (the language server,
 * which regenerates rules on every edit), each as wall and CPU time; the ratios use both, against
 * the median of KPP_BENCH_RESTORE_RUNS (default 3) runs of each restore tool.
 */
import { generateRules } from '../server/src/core/kubeproxy/generateRules';
import { defaultProxierConfig } from '../server/src/core/kubeproxy/config';
import type { ProxierInput } from '../server/src/core/kubeproxy/types';
import { timeIptablesRestoreTest } from './restoreTest.bench';

export function buildBenchInput(services: number, endpointsPerService: number): ProxierInput {
  const svcs: unknown[] = [];
  const slices: unknown[] = [];
  for (let i = 0; i < services; i++) {
    const ns = `ns${i % 100}`;
    const name = `svc${i}`;
    const type = i % 10 === 0 ? 'NodePort' : 'ClusterIP';
    svcs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: ns, name },
      spec: {
        type,
        clusterIP: `10.0.${(i >> 8) & 255}.${i & 255}`,
        ports: [{ name: 'http', port: 80, protocol: 'TCP', ...(type === 'NodePort' ? { nodePort: 30000 + (i % 2768) } : {}) }],
      },
    });
    const endpoints = [];
    for (let e = 0; e < endpointsPerService; e++) {
      const n = i * endpointsPerService + e;
      endpoints.push({ addresses: [`10.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`], nodeName: `node-${n % 3}`, conditions: { ready: true } });
    }
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace: ns, name: `${name}-abc`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints,
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  }
  return {
    services: svcs,
    endpointSlices: slices,
    config: { ...defaultProxierConfig(), nodeName: 'node-0', nodeIPs: ['192.168.0.10'], localDetector: { mode: 'ClusterCIDR', cidrs: ['10.64.0.0/10'] } },
  };
}

function main(): void {
  const services = Number(process.argv[2] ?? 10000);
  const perService = Number(process.argv[3] ?? 3);
  const input = buildBenchInput(services, perService);
  const runs = Math.max(1, Number(process.env.KPP_BENCH_RUNS ?? 5));
  generateRules(buildBenchInput(50, perService)); // warm up
  const timeOne = (): { out: ReturnType<typeof generateRules>; wallMs: number; cpuMs: number } => {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const result = generateRules(input);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    return { out: result, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  const first = timeOne();
  const out = first.out;
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = timeOne();
    if (t.out.restore !== out.restore) throw new Error('generateRules gave different output for the same input');
    walls.push(t.wallMs);
    cpus.push(t.cpuMs);
  }
  const median = (xs: readonly number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const genMs = first.wallMs;
  const medianMs = median(walls);
  const lines = out.restore.split('\n').length - 1;
  console.log(
    `generateRules: ${services} services x ${perService} endpoints -> ${lines} lines, ${(out.restore.length / 1e6).toFixed(1)} MB; ` +
      `first run ${genMs.toFixed(0)} ms (CPU ${first.cpuMs.toFixed(0)} ms), median of ${runs} more ${medianMs.toFixed(0)} ms (CPU ${median(cpus).toFixed(0)} ms) ` +
      `[runs: ${walls.map((w) => w.toFixed(0)).join(', ')} ms] (CPU counts all threads, GC and JIT included; wall time suffers when the machine is busy)`,
  );
  if (process.env.KPP_BENCH_RESTORE_TEST === '1') {
    // The C tool parsing and checking the very same text in a throwaway namespace. Without
    // --noflush: with it, iptables-nft-restore also diffs against the live ruleset and takes minutes,
    // which would flatter the generator.
    for (const flavour of ['legacy', 'nft'] as const) {
      const t = timeIptablesRestoreTest(out.restore, { flavour, noflush: false, runs: Math.max(1, Number(process.env.KPP_BENCH_RESTORE_RUNS ?? 3)) });
      if (t.ms === undefined) console.log(`iptables-${flavour}-restore --test: not available (${t.unavailable ?? t.stderr.slice(0, 200)})`);
      else
        console.log(
          `iptables-${flavour}-restore --test: ${t.ms.toFixed(0)} ms (exit ${t.status}); generation/parse = ${(genMs / t.ms).toFixed(3)} first run, ` +
            `${(medianMs / t.ms).toFixed(3)} median (goal <= 0.25)`,
        );
    }
  }
}

if (require.main === module) main();
