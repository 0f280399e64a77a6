/**
 * Which node of the workspace's cluster a dump came from, so drift compares it with that node's
 * rules. In order: a `# node: NAME` comment in the dump, the file name (`iptables-save-NAME...`),
 * the node's own addresses and local endpoints found in the rules, the setting, the first node.
 */
import type { Ruleset } from '../iptables/model';
import type { GeneratedServicePort } from '../kubeproxy/types';
import type { AssumedValuesOf } from './assumedValues';
import type { ChainMap } from './mapChains';

export interface NodeCandidate {
  readonly name: string;
  readonly internalIP?: string;
}

export interface DetectedNode {
  /** undefined only when there is no node at all. */
  readonly name?: string;
  readonly via: 'comment' | 'file-name' | 'addresses' | 'setting' | 'first-node' | 'none';
  /** One sentence for people: how the node was chosen. */
  readonly reason: string;
}

export interface DetectNodeInput {
  readonly text: string;
  readonly ruleset: Ruleset;
  /** The dump's file name or URI (only the last path segment is read). */
  readonly fileName?: string;
  readonly nodes: readonly NodeCandidate[];
  /** The workspace's Service ports (their endpoints carry node names), with the dump's chain map. */
  readonly servicePorts?: readonly GeneratedServicePort[];
  readonly map?: ChainMap;
  /** `kubePacketPath.dump.node`. */
  readonly setting?: string;
  /** Service ports whose endpoints (and so the nodes of their pods) are assumed cast no vote. */
  readonly assumed?: AssumedValuesOf;
}

const NODE_COMMENT = /^#\s*node\s*[:=]\s*(\S+)/im;

function baseName(fileName: string): string {
  let s = fileName;
  try {
    s = decodeURIComponent(s);
  } catch {
    // keep as is
  }
  const parts = s.split(/[\\/]/);
  return parts[parts.length - 1] ?? s;
}

/** Picks the node a dump belongs to. Pure; never throws. */
export function detectNode(input: DetectNodeInput): DetectedNode {
  const { nodes } = input;
  const byName = new Map(nodes.map((n) => [n.name, n]));

  const comment = NODE_COMMENT.exec(input.text.slice(0, 64 * 1024));
  if (comment) {
    const name = comment[1];
    if (byName.has(name)) return { name, via: 'comment', reason: `the dump says "# node: ${name}"` };
  }

  if (input.fileName) {
    const file = baseName(input.fileName);
    const m = /^(?:ip6?tables(?:-legacy|-nft)?-save|iptables|ip6tables)[-_.](.+)$/i.exec(file);
    if (m) {
      // The longest node name the rest of the file name starts with (node names can contain dots and dashes).
      const rest = m[1];
      const found = [...nodes].sort((a, b) => b.name.length - a.name.length).find((n) => rest === n.name || rest.startsWith(n.name + '.') || rest.startsWith(n.name + '-') || rest.startsWith(n.name + '_'));
      if (found) return { name: found.name, via: 'file-name', reason: `the file name ${file} names node ${found.name}` };
    }
  }

  const votes = new Map<string, number>();
  const vote = (name: string | undefined, weight: number): void => {
    if (name && byName.has(name)) votes.set(name, (votes.get(name) ?? 0) + weight);
  };
  // A node's own address in a rule (KUBE-NODEPORTS with nodePortAddresses, health checks, --to-source).
  const byIP = new Map(nodes.filter((n) => n.internalIP).map((n) => [n.internalIP!, n.name]));
  if (byIP.size > 0) {
    for (const t of input.ruleset.tables) {
      for (const c of t.chains) {
        for (const r of c.rules) {
          for (const m of r.matches) {
            for (const o of m.options) {
              if (o.negated || (o.name !== '-d' && o.name !== '--destination')) continue;
              const ip = (o.values[0] ?? '').replace(/\/32$/, '');
              vote(byIP.get(ip), 3);
            }
          }
        }
      }
    }
  }
  // Endpoints in KUBE-SVL chains are the node's local endpoints.
  if (input.map && input.servicePorts) {
    const nodeOfEndpoint = new Map<string, string>();
    for (const sp of input.servicePorts) {
      if (input.assumed?.(sp).endpoints) continue;
      for (const ep of sp.endpoints) if (ep.nodeName) nodeOfEndpoint.set(ep.endpoint, ep.nodeName);
    }
    const svl = new Set(input.map.owners.filter((o) => o.kind === 'svl').map((o) => o.chain));
    for (const t of input.ruleset.tables) {
      if (t.name !== 'nat') continue;
      for (const c of t.chains) {
        if (!svl.has(c.name)) continue;
        for (const r of c.rules) {
          const sep = r.target ? input.map.byChain.get(r.target.name) : undefined;
          if (sep?.endpoint) vote(nodeOfEndpoint.get(sep.endpoint), 1);
        }
      }
    }
  }
  if (votes.size > 0) {
    const ranked = [...votes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (ranked.length === 1 || ranked[0][1] > ranked[1][1]) {
      return { name: ranked[0][0], via: 'addresses', reason: `the rules hold node ${ranked[0][0]}'s own address or local endpoints` };
    }
  }

  if (input.setting && byName.has(input.setting)) {
    return { name: input.setting, via: 'setting', reason: `kubePacketPath.dump.node is ${input.setting}` };
  }
  if (nodes.length > 0) {
    return { name: nodes[0].name, via: 'first-node', reason: `nothing in the dump names a node; assumed the first node, ${nodes[0].name} (set kubePacketPath.dump.node or add "# node: NAME")` };
  }
  return { via: 'none', reason: 'the workspace has no node' };
}
