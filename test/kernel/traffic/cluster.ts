/**
 * The cluster of the kernel traffic test: addresses of the namespaces the harness builds, and the
 * rulesets loaded into the node: `test/fixtures/traffic/node-a.restore` (IPv4) and
 * `node-a6.restore` (IPv6), what `generateRules` writes for `cluster.yaml` / `cluster6.yaml` on
 * node-a, completed by `completeNodeRuleset` with kube-proxy's built-in jump rules. The files are
 * committed (the kernel test loads exactly what was reviewed); `UPDATE_GOLDEN=1` rewrites them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { defaultProxierConfig } from '../../../server/src/core/kubeproxy/config';
import { generateRules } from '../../../server/src/core/kubeproxy/generateRules';
import { completeNodeRuleset } from '../../../server/src/core/save/completeNodeRuleset';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'traffic');

export const NODE_IP = '192.168.0.2';
export const NODE_B_IP = '192.168.0.3';
/** The node's address on the link to the outside client. */
export const NODE_EXTERNAL_IP = '203.0.113.1';
/** The node's address on every pod veth (the pods' gateway). */
export const NODE_POD_GATEWAY = '10.244.1.1';
export const NODE_B_POD_GATEWAY = '10.244.2.1';
export const CLIENT_IP = '203.0.113.10';
/** A second client address, outside the LoadBalancer's source ranges (203.0.113.0/25). */
export const BLOCKED_CLIENT_IP = '203.0.113.130';
export const LB_IP = '198.51.100.10';

export const NODE_ADDRESSES: readonly string[] = [NODE_IP, NODE_EXTERNAL_IP, NODE_POD_GATEWAY, '127.0.0.1'];

export interface PodSpec {
  readonly name: string;
  readonly ip: string;
  readonly ip6: string;
  readonly node: 'node-a' | 'node-b';
}

export const PODS: readonly PodSpec[] = [
  { name: 'pod-1', ip: '10.244.1.2', ip6: 'fd00:244:1::2', node: 'node-a' },
  { name: 'pod-2', ip: '10.244.1.3', ip6: 'fd00:244:1::3', node: 'node-a' },
  { name: 'pod-3', ip: '10.244.2.2', ip6: 'fd00:244:2::2', node: 'node-b' },
];

/** The same topology's IPv6 addresses (every link is dual-stack). */
export const V6 = {
  client: 'fd00:203::10',
  nodeExternal: 'fd00:203::1',
  node: 'fd00:192::2',
  nodeB: 'fd00:192::3',
  podGateway: 'fd00:244:1::1',
  podGatewayB: 'fd00:244:2::1',
  nodeBPods: 'fd00:244:2::/64',
} as const;

export const NODE_ADDRESSES_V6: readonly string[] = [V6.node, V6.nodeExternal, V6.podGateway, '::1'];
export const POD_PORT = 8080;
export const POD_UDP_PORT = 5353;

const HEADER = (yaml: string): string =>
  `# node-a of test/fixtures/traffic/${yaml}: generateRules + completeNodeRuleset (kube-proxy iptables mode, nfacct counters off). UPDATE_GOLDEN=1 rewrites this file.\n`;

/** kube-proxy's rules for node-a of `cluster.yaml` (IPv4) or `cluster6.yaml` (IPv6), as the generator writes them today. */
export function generateNodeRuleset(family: 'ipv4' | 'ipv6' = 'ipv4'): string {
  const yaml = family === 'ipv4' ? 'cluster.yaml' : 'cluster6.yaml';
  const docs = parseAllDocuments(readFileSync(join(FIXTURES, yaml), 'utf8'))
    .map((d) => d.toJS() as { kind?: string } | null)
    .filter((d): d is { kind?: string } => !!d);
  const config = {
    ...defaultProxierConfig(),
    nodeName: 'node-a',
    nodeIPs: [family === 'ipv4' ? NODE_IP : V6.node],
    ipFamily: family,
    localDetector: { mode: 'ClusterCIDR' as const, cidrs: [family === 'ipv4' ? '10.244.0.0/16' : 'fd00:244::/32'] },
    // `-m nfacct` needs the accounting objects to exist in the kernel; kube-proxy only adds them when they do.
    nfacctCounters: { ct_state_invalid_dropped_pkts: false, localhost_nps_accepted_pkts: false },
  };
  const generated = generateRules({
    services: docs.filter((d) => d.kind === 'Service'),
    endpointSlices: docs.filter((d) => d.kind === 'EndpointSlice'),
    config,
  });
  const errors = generated.messages.filter((m) => m.severity === 'error');
  if (errors.length > 0) throw new Error(`generateRules: ${errors.map((e) => e.message).join('; ')}`);
  return HEADER(yaml) + completeNodeRuleset(generated.restore, { family });
}

/** The committed ruleset (rewritten first when UPDATE_GOLDEN=1). */
export function nodeRuleset(family: 'ipv4' | 'ipv6' = 'ipv4'): string {
  const file = join(FIXTURES, family === 'ipv4' ? 'node-a.restore' : 'node-a6.restore');
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, generateNodeRuleset(family));
  return readFileSync(file, 'utf8');
}
