/**
 * Ties the per-Service chains of a dump (KUBE-SVC/SVL/EXT/FW/SEP) back to the Service ports of a
 * workspace. Chain names are recomputed from the workspace's Services with kube-proxy's hash
 * (both the current and the pre-1.6 unnamed-port hash input), and where a name is not one of
 * them, the rule comments kube-proxy writes (`ns/name:port ...`) name the Service port — large
 * clusters drop the comments, so the hash comes first.
 */
import type { Chain, Rule, Ruleset } from '../iptables/model';
import {
  endpointChainName,
  legacyServicePortName,
  servicePortChainNameVariants,
  type ServiceChainPrefix,
} from '../kubeproxy/chainNames';
import type { GeneratedServicePort } from '../kubeproxy/types';

export type ServiceChainKind = 'svc' | 'svl' | 'ext' | 'fw' | 'sep';

export interface ChainOwner {
  readonly chain: string;
  readonly kind: ServiceChainKind;
  /** `ns/name:port` or `ns/name` (as kube-proxy prints it), when known from the hash or a comment. */
  readonly svcPortName?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly portName?: string;
  /** For KUBE-SEP chains: `ip:port` (`[ip]:port` for IPv6), from the hash or the DNAT rule. */
  readonly endpoint?: string;
  /** How the owner was found: the current hash input, the pre-1.6 one, a rule comment, or not at all. */
  readonly via: 'hash' | 'legacy-hash' | 'comment' | 'none';
  /** The workspace Service port it belongs to (undefined: not in the workspace). */
  readonly servicePort?: GeneratedServicePort;
}

export interface ChainMap {
  /** Every KUBE-SVC/SVL/EXT/FW/SEP chain declared or referenced in the dump, in dump order. */
  readonly owners: readonly ChainOwner[];
  /** Lookup by chain name. */
  readonly byChain: ReadonlyMap<string, ChainOwner>;
}

const PREFIXES: readonly [ServiceChainPrefix | 'KUBE-SEP-', ServiceChainKind][] = [
  ['KUBE-SVC-', 'svc'], ['KUBE-SVL-', 'svl'], ['KUBE-EXT-', 'ext'], ['KUBE-FW-', 'fw'], ['KUBE-SEP-', 'sep'],
];

/** The kind of a per-Service chain name, or undefined for other chains. */
export function serviceChainKind(chain: string): ServiceChainKind | undefined {
  for (const [prefix, kind] of PREFIXES) if (chain.startsWith(prefix)) return kind;
  return undefined;
}

const SVC_PORT_NAME = /(?:^|\s)([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\/([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)(?::([-a-z0-9]*))?(?=\s|$)/i;

/** The `ns/name:port` a kube-proxy comment names, e.g. "masquerade traffic for ns4/svc4:p80 external destinations". */
export function servicePortNameOfComment(comment: string): { namespace: string; name: string; portName: string; svcPortName: string } | undefined {
  const m = SVC_PORT_NAME.exec(comment);
  if (!m) return undefined;
  const namespace = m[1];
  const name = m[2];
  const portName = m[3] ?? '';
  return { namespace, name, portName, svcPortName: m[3] !== undefined ? `${namespace}/${name}:${portName}` : `${namespace}/${name}` };
}

/** The `--to-destination` of a chain's DNAT rule. */
export function dnatDestination(chain: Chain): string | undefined {
  for (const r of chain.rules) {
    if (r.target?.name !== 'DNAT') continue;
    const to = r.target.options.find((o) => o.name === '--to-destination' || o.name === '--to');
    if (to?.values[0]) return to.values[0];
  }
  return undefined;
}

interface HashHit {
  readonly servicePort: GeneratedServicePort;
  readonly legacy: boolean;
  readonly endpoint?: string;
}

/** Every chain name the workspace's Service ports can produce, both hash inputs. */
export function buildChainNameTable(servicePorts: readonly GeneratedServicePort[]): Map<string, HashHit> {
  const table = new Map<string, HashHit>();
  const put = (chain: string, hit: HashHit): void => {
    if (!table.has(chain)) table.set(chain, hit);
  };
  for (const sp of servicePorts) {
    for (const [prefix] of PREFIXES) {
      if (prefix === 'KUBE-SEP-') continue;
      const variants = servicePortChainNameVariants(prefix, sp.namespace, sp.name, sp.portName, sp.protocol);
      variants.forEach((chain, i) => put(chain, { servicePort: sp, legacy: i > 0 }));
    }
    for (const ep of sp.endpoints) {
      put(endpointChainName(sp.svcPortName, sp.protocol, ep.endpoint), { servicePort: sp, legacy: false, endpoint: ep.endpoint });
      if (sp.portName === '') {
        put(endpointChainName(legacyServicePortName(sp.namespace, sp.name, ''), sp.protocol, ep.endpoint), { servicePort: sp, legacy: true, endpoint: ep.endpoint });
      }
    }
  }
  return table;
}

function commentOwner(own: readonly Rule[], jumpers: readonly Rule[] | undefined): ReturnType<typeof servicePortNameOfComment> {
  for (const list of [own, jumpers ?? []]) {
    for (const r of list) {
      if (r.comment === undefined) continue;
      const found = servicePortNameOfComment(r.comment);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Maps every per-Service chain of the dump to its Service port (and endpoint) in the workspace.
 * Pure; never throws.
 */
export function mapChains(ruleset: Ruleset, servicePorts: readonly GeneratedServicePort[]): ChainMap {
  const names = buildChainNameTable(servicePorts);
  const bySvcPortName = new Map<string, GeneratedServicePort[]>();
  for (const sp of servicePorts) {
    const list = bySvcPortName.get(sp.svcPortName) ?? [];
    list.push(sp);
    bySvcPortName.set(sp.svcPortName, list);
    // An old dump prints an unnamed port as `ns/name:`.
    if (sp.portName === '') bySvcPortName.set(`${sp.namespace}/${sp.name}:`, list);
  }
  const chains = new Map<string, Chain>();
  const jumpers = new Map<string, Rule[]>();
  const order: string[] = [];
  const seen = new Set<string>();
  const see = (name: string): void => {
    if (seen.has(name) || !serviceChainKind(name)) return;
    seen.add(name);
    order.push(name);
  };
  for (const table of ruleset.tables) {
    for (const ch of table.chains) {
      if (!chains.has(ch.name) || table.name === 'nat') chains.set(ch.name, ch);
      see(ch.name);
      for (const r of ch.rules) {
        const t = r.target?.name;
        if (!t || !serviceChainKind(t)) continue;
        see(t);
        const list = jumpers.get(t) ?? [];
        list.push(r);
        jumpers.set(t, list);
      }
    }
  }
  const owners: ChainOwner[] = [];
  const byChain = new Map<string, ChainOwner>();
  for (const chain of order) {
    const kind = serviceChainKind(chain)!;
    const ch = chains.get(chain);
    const hit = names.get(chain);
    let owner: ChainOwner;
    if (hit) {
      const sp = hit.servicePort;
      const endpoint = kind === 'sep' ? hit.endpoint ?? (ch ? dnatDestination(ch) : undefined) : undefined;
      owner = {
        chain, kind, svcPortName: sp.svcPortName, namespace: sp.namespace, name: sp.name, portName: sp.portName,
        ...(endpoint !== undefined ? { endpoint } : {}), via: hit.legacy ? 'legacy-hash' : 'hash', servicePort: sp,
      };
    } else {
      const found = commentOwner(ch?.rules ?? [], jumpers.get(chain));
      const endpoint = kind === 'sep' && ch ? dnatDestination(ch) : undefined;
      if (found) {
        const candidates = bySvcPortName.get(found.svcPortName) ?? [];
        const proto = candidates.length > 1 ? protocolOfChain(ch) : undefined;
        const sp = candidates.find((c) => proto === undefined || c.protocol.toLowerCase() === proto) ?? undefined;
        owner = {
          chain, kind, svcPortName: found.svcPortName, namespace: found.namespace, name: found.name, portName: found.portName,
          ...(endpoint !== undefined ? { endpoint } : {}), via: 'comment', ...(sp ? { servicePort: sp } : {}),
        };
      } else {
        owner = { chain, kind, ...(endpoint !== undefined ? { endpoint } : {}), via: 'none' };
      }
    }
    owners.push(owner);
    byChain.set(chain, owner);
  }
  return { owners, byChain };
}

function protocolOfChain(ch: Chain | undefined): string | undefined {
  if (!ch) return undefined;
  for (const r of ch.rules) {
    for (const m of r.matches) {
      const p = m.options.find((o) => o.name === '-p' || o.name === '--protocol');
      if (p?.values[0] && !p.negated) return p.values[0].toLowerCase();
    }
  }
  return undefined;
}
