/**
 * Seeded random inputs (valid, odd and broken objects mixed): generateRules never throws, and its
 * output always parses as a restore dump and passes kube-proxy's own consistency check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateRules } from '../../../server/src/core/kubeproxy/generateRules';
import { defaultProxierConfig } from '../../../server/src/core/kubeproxy/config';
import { checkIPTablesRuleJumps, parseTestDump, sortIPTablesRules } from '../../../server/src/core/kubeproxy/sortRules';
import type { ProxierConfig } from '../../../server/src/core/kubeproxy/types';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

test('random inputs: no throw, consistent output', () => {
  const r = rng(20261128);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const ips = ['10.0.0.1', '10.0.00.2', 'fd00::1', '1.2.3.4', 'bogus', '', '::ffff:1.2.3.4', '300.1.1.1', '192.168.0.10'];
  const cidrs = ['10.0.0.0/8', ' 203.0.113.0/25', 'fd00::/64', '1.2.3.4/40', 'x', '192.168.0.0/16'];
  const types = ['', 'ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'Weird'];
  const protos = ['TCP', 'UDP', 'SCTP', undefined];
  for (let round = 0; round < 300; round++) {
    const services: unknown[] = [];
    const slices: unknown[] = [];
    const nSvc = 1 + Math.floor(r() * 4);
    for (let i = 0; i < nSvc; i++) {
      const ports = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, k) => ({
        name: r() < 0.3 ? undefined : `p${k}`,
        port: r() < 0.1 ? 'eighty' : 80 + k,
        protocol: pick(protos),
        nodePort: r() < 0.4 ? 30000 + k : undefined,
      }));
      services.push(
        r() < 0.05
          ? pick([null, 1, 'x', [], { spec: [] }])
          : {
              kind: 'Service',
              metadata: { namespace: pick(['a', 'b', undefined]), name: `s${i}` },
              spec: {
                type: pick(types),
                clusterIP: pick([...ips, 'None']),
                ports: r() < 0.05 ? 'none' : ports,
                externalIPs: r() < 0.3 ? [pick(ips), pick(ips)] : undefined,
                loadBalancerSourceRanges: r() < 0.3 ? [pick(cidrs)] : undefined,
                externalTrafficPolicy: pick(['Local', 'Cluster', undefined]),
                internalTrafficPolicy: pick(['Local', 'Cluster', undefined]),
                healthCheckNodePort: r() < 0.5 ? 32000 : undefined,
                sessionAffinity: pick(['ClientIP', 'None', undefined]),
              },
              status: r() < 0.4 ? { loadBalancer: { ingress: [{ ip: pick(ips), ipMode: pick(['VIP', 'Proxy', undefined]) }] } } : undefined,
            },
      );
      const eps = Array.from({ length: Math.floor(r() * 5) }, () => ({
        addresses: r() < 0.05 ? [] : [pick(ips)],
        nodeName: pick(['node', 'other', undefined]),
        conditions: { ready: pick([true, false, undefined]), serving: pick([true, false, undefined]), terminating: pick([true, false, undefined]) },
      }));
      slices.push({
        kind: 'EndpointSlice',
        metadata: { namespace: pick(['a', 'b', undefined]), name: `s${i}-x${round}`, labels: { 'kubernetes.io/service-name': `s${i}` } },
        addressType: pick(['IPv4', 'IPv6', 'FQDN']),
        endpoints: eps,
        ports: ports.map((p) => ({ name: p.name ?? '', port: r() < 0.1 ? 0 : 8080, protocol: p.protocol })),
      });
    }
    const config: ProxierConfig = {
      ...defaultProxierConfig(),
      nodeName: 'node',
      nodeIPs: ['192.168.0.10'],
      ipFamily: pick(['ipv4', 'ipv6'] as const),
      localDetector: pick([{ mode: 'ClusterCIDR', cidrs: [pick(cidrs)] }, { mode: 'none' }, { mode: 'NodeCIDR' }, { mode: 'BridgeInterface', bridgeInterface: 'cbr0' }] as const),
      masqueradeAll: r() < 0.3,
      localhostNodePorts: r() < 0.5,
      nodePortAddresses: r() < 0.3 ? [pick(cidrs)] : [],
      largeClusterEndpointsThreshold: pick([1000, 2]),
    };
    const out = generateRules({ services, endpointSlices: slices, config });
    assert.deepEqual(parseTestDump(out.restore).errors, [], `round ${round}`);
    assert.deepEqual(checkIPTablesRuleJumps(out.restore), [], `round ${round}`);
    const sorted = sortIPTablesRules(out.restore);
    assert.equal(sortIPTablesRules(sorted), sorted, `round ${round}: sort is idempotent`);
  }
});
