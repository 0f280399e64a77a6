import { applyKubeProxyConfiguration, defaultProxierConfig, parseKubeProxyConfiguration } from '../kubeproxy/config';
import { generateRules } from '../kubeproxy/generateRules';
import type { GeneratedRules, ProxierConfig } from '../kubeproxy/types';
import { parseDump } from '../iptables/parseDump';
import type { Ruleset } from '../iptables/model';
import { completeNodeRuleset } from '../save/completeNodeRuleset';
import type { Cluster, SynthesizedNode } from './synthesizeCluster';

/**
 * The rules of one node of a cluster: the proxier configuration kube-proxy would run with there,
 * what it writes (restore form), the whole node with kube-proxy's jumps from the built-in chains,
 * and that parsed for the simulator. The one pipeline behind hovers, the generated-rules
 * document, `kpp rules`, drift and every trace on generated rules.
 */
export interface NodeRules {
  readonly node: SynthesizedNode;
  readonly config: ProxierConfig;
  /** Problems reading a KubeProxyConfiguration from the workspace. */
  readonly configErrors: readonly string[];
  readonly generated: GeneratedRules;
  /** The whole node as restore text (kube-proxy's data plus built-in chains and jump rules). */
  readonly nodeRestore: string;
  readonly ruleset: Ruleset;
}

export interface NodeRulesOptions {
  /** Node name; default the first node of the cluster. */
  readonly nodeName?: string;
  readonly family?: 'ipv4' | 'ipv6';
  /** Settings given explicitly (CLI flags, editor settings); they win over the workspace's KubeProxyConfiguration. */
  readonly overrides?: Partial<ProxierConfig>;
}

function prefixLength(cidr: string): number {
  const n = Number(cidr.split('/')[1]);
  return Number.isInteger(n) ? n : 32;
}

/** The proxier configuration for a node of the cluster: kube-proxy's defaults, the workspace's KubeProxyConfiguration, then explicit overrides. */
export function proxierConfigForNode(cluster: Cluster, node: SynthesizedNode, options: NodeRulesOptions = {}): { config: ProxierConfig; errors: string[] } {
  const errors: string[] = [];
  let config: ProxierConfig = {
    ...defaultProxierConfig(),
    nodeName: node.name,
    nodeIPs: node.internalIP ? [node.internalIP] : [],
    ipFamily: options.family ?? 'ipv4',
    // A stock AKS kubenet node runs kube-proxy with --cluster-cidr set to the pod CIDR.
    localDetector: { mode: 'ClusterCIDR', cidrs: [cluster.settings.podCIDR] },
    nodeInterfaceAddresses: {
      lo: ['127.0.0.1/8', '::1/128'],
      eth0: node.internalIP ? [`${node.internalIP}/${prefixLength(cluster.settings.nodeSubnet)}`] : [],
    },
  };
  const kpc = cluster.kubeProxyConfigurations[0];
  if (kpc) {
    const parsed = parseKubeProxyConfiguration(kpc);
    for (const e of parsed.errors) errors.push(`KubeProxyConfiguration ${e.path.join('.') || ''}: ${e.message}`);
    // hostnameOverride names the node kube-proxy runs as; here the node is chosen by the caller.
    const { nodeName: _ignored, ...settings } = parsed.config;
    config = applyKubeProxyConfiguration(config, settings);
  }
  if (options.overrides) config = { ...config, ...options.overrides };
  return { config, errors };
}

/** Generates and parses the rules of one node. Pure; never throws on manifest content. */
export function buildNodeRules(cluster: Cluster, options: NodeRulesOptions = {}): NodeRules {
  const node = cluster.nodes.find((n) => n.name === options.nodeName) ?? cluster.nodes[0];
  const { config, errors } = proxierConfigForNode(cluster, node, options);
  const generated = generateRules({
    services: cluster.services,
    endpointSlices: cluster.endpointSlices,
    endpoints: cluster.endpoints,
    nodes: [],
    config,
  });
  const nodeRestore = completeNodeRuleset(generated.restore, { family: config.ipFamily });
  const ruleset = parseDump(nodeRestore);
  return { node, config, configErrors: errors, generated, nodeRestore, ruleset };
}
