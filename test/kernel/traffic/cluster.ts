/**
 * The cluster of the kernel traffic test: addresses of the namespaces the harness builds, and the
 * ruleset loaded into the node. The ruleset is `test/fixtures/traffic/node-a.restore`: what
 * `generateRules` writes for `cluster.yaml` on node-a, completed by `completeNodeRuleset` with
 * kube-proxy's built-in jump rules. The file is committed (the kernel test loads exactly what was
 * reviewed); `UPDATE_GOLDEN=1` rewrites it from the manifests.
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
  readonly node: 'node-a' | 'node-b';
}

export const PODS: readonly PodSpec[] = [
  { name: 'pod-1', ip: '10.244.1.2', node: 'node-a' },
  { name: 'pod-2', ip: '10.244.1.3', node: 'node-a' },
  { name: 'pod-3', ip: '10.244.2.2', node: 'node-b' },
];
export const POD_PORT = 8080;
export const POD_UDP_PORT = 5353;

const HEADER = '# node-a of test/fixtures/traffic/cluster.yaml: generateRules + completeNodeRuleset (kube-proxy iptables mode, nfacct counters off). UPDATE_GOLDEN=1 rewrites this file.\n';

/** kube-proxy's rules for node-a, as the generator writes them today. */
export function generateNodeRuleset(): string {
  const docs = parseAllDocuments(readFileSync(join(FIXTURES, 'cluster.yaml'), 'utf8'))
    .map((d) => d.toJS() as { kind?: string } | null)
    .filter((d): d is { kind?: string } => !!d);
  const config = {
    ...defaultProxierConfig(),
    nodeName: 'node-a',
    nodeIPs: [NODE_IP],
    localDetector: { mode: 'ClusterCIDR' as const, cidrs: ['10.244.0.0/16'] },
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
  return HEADER + completeNodeRuleset(generated.restore, { family: 'ipv4' });
}

/** The committed ruleset (rewritten first when UPDATE_GOLDEN=1). */
export function nodeRuleset(): string {
  const file = join(FIXTURES, 'node-a.restore');
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, generateNodeRuleset());
  return readFileSync(file, 'utf8');
}
