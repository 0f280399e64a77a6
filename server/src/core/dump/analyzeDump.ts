/**
 * One dump read against one workspace: parsed, indexed, its chains mapped to Service ports, the
 * node it came from, and the drift against the rules generated for that node. The editor features
 * and `kpp explain` share it. Pure; never throws on dump content.
 */
import type { NodeRules } from '../cluster/nodeRules';
import type { Assumption } from '../cluster/synthesizeCluster';
import { indexAssumptions, type AssumedValuesOf } from './assumedValues';
import { buildChainIndex, type ChainIndex } from '../iptables/buildChainIndex';
import type { Ruleset } from '../iptables/model';
import { parseDump } from '../iptables/parseDump';
import { detectDrift, type DriftFinding } from './drift';
import { detectNode, type DetectedNode, type NodeCandidate } from './detectNode';
import { mapChains, type ChainMap } from './mapChains';

export interface DumpWorkspace {
  readonly nodes: readonly NodeCandidate[];
  /** The rules kube-proxy would write on a node (undefined name: the first node). */
  nodeRules(nodeName: string | undefined, family: 'ipv4' | 'ipv6'): NodeRules;
  /** `cluster.assumptions`: values the manifests do not give, which drift does not compare. */
  readonly assumptions?: readonly Assumption[];
}

export interface DumpAnalysis {
  readonly ruleset: Ruleset;
  readonly chainIndex: ChainIndex;
  readonly map: ChainMap;
  readonly node: DetectedNode;
  /** The generated rules of that node (undefined without a workspace). */
  readonly nodeRules?: NodeRules;
  /** Empty when the workspace has no Service (nothing to compare with). */
  readonly drift: readonly DriftFinding[];
  /** Which values of a workspace Service port are assumed (label them; never compare them). */
  readonly assumed: AssumedValuesOf;
}

export interface AnalyzeDumpOptions {
  readonly fileName?: string;
  /** `kubePacketPath.dump.node` / `--node`. */
  readonly nodeSetting?: string;
  /** Reuse a parse the caller already has. */
  readonly ruleset?: Ruleset;
}

export function analyzeDump(text: string, workspace: DumpWorkspace | undefined, options: AnalyzeDumpOptions = {}): DumpAnalysis {
  const ruleset = options.ruleset ?? parseDump(text);
  const chainIndex = buildChainIndex(ruleset);
  const assumed = indexAssumptions(workspace?.assumptions);
  if (!workspace || workspace.nodes.length === 0) {
    return { ruleset, chainIndex, map: mapChains(ruleset, []), node: { via: 'none', reason: 'no workspace nodes' }, drift: [], assumed };
  }
  const family = ruleset.family ?? 'ipv4';
  const first = workspace.nodeRules(undefined, family);
  const map = mapChains(ruleset, first.generated.servicePorts);
  // A made-up node address or pod placement would only find a node by coincidence: they cast no vote.
  const assumedNodeIPs = new Set((workspace.assumptions ?? []).filter((a) => a.what === 'node' || a.what === 'nodeIP').map((a) => a.owner));
  const candidates = workspace.nodes.map((n) => (assumedNodeIPs.has(n.name) ? { name: n.name } : n));
  const node = detectNode({
    text, ruleset, nodes: candidates, servicePorts: first.generated.servicePorts, map, assumed,
    ...(options.fileName !== undefined ? { fileName: options.fileName } : {}),
    ...(options.nodeSetting !== undefined ? { setting: options.nodeSetting } : {}),
  });
  const nodeRules = node.name === undefined || node.name === first.node.name ? first : workspace.nodeRules(node.name, family);
  const drift = nodeRules.generated.servicePorts.length === 0
    ? []
    : detectDrift({
      dump: ruleset, generated: nodeRules.generated, expected: nodeRules.ruleset, map,
      ...(node.name ? { nodeName: node.name } : {}),
      ...(workspace.assumptions ? { assumptions: workspace.assumptions } : {}),
    });
  return { ruleset, chainIndex, map, node, nodeRules, drift, assumed };
}
