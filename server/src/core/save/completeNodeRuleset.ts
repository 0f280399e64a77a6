import { quoteWord } from '../iptables/tokenize';
import { BUILTIN_CHAINS } from '../iptables/model';

/**
 * Turns kube-proxy's iptables-restore data (what its proxier feeds to `iptables-restore
 * --noflush`) into the whole ruleset of a node, as restore text that loads into an empty
 * namespace with a plain `iptables-restore`:
 *
 * - every table declares its built-in chains (`:INPUT ACCEPT [0:0]`, policy ACCEPT: assumed, it
 *   is the kernel default and kube-proxy never changes it);
 * - the chains kube-proxy `EnsureChain`s outside the restore data exist even when the restore
 *   data does not declare them (filter KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS, KUBE-SERVICES,
 *   KUBE-FORWARD, KUBE-PROXY-FIREWALL, KUBE-FIREWALL; nat KUBE-SERVICES, KUBE-POSTROUTING);
 * - the jump rules from the built-in chains that kube-proxy installs on every full sync with
 *   `EnsureRule(Prepend, ...)` (`iptablesJumpChains` followed by `iptablesKubeletJumpChains` in
 *   `pkg/proxy/iptables/proxier.go`). Each one is inserted at position 1 of its chain, so on a
 *   fresh node the last one ensured ends up first;
 * - optionally the `KUBE-PROXY-CANARY` chains kube-proxy's iptables monitor creates in mangle,
 *   nat and filter.
 *
 * Assumed: a fresh node on which kube-proxy is the first writer (no kubelet rules already
 * present, which would keep their place because EnsureRule does not move an existing rule).
 * Tables are written in the order kube-proxy first touches them (mangle, nat, filter with the
 * canary; filter, nat without), which is the order legacy iptables instantiates them in.
 *
 * If the restore data itself declares a built-in chain, `iptables-restore --noflush` flushes that
 * chain, so the jump rules are dropped there and the restore data's own rules are kept, exactly
 * as on a node. Never throws: lines it does not understand are copied through unchanged.
 */
export interface CompleteNodeOptions {
  readonly family: 'ipv4' | 'ipv6';
  /** kube-proxy's iptables monitor creates KUBE-PROXY-CANARY in mangle, nat and filter. Default true. */
  readonly canary?: boolean;
  /**
   * kube-proxy also ensures the kubelet's `-j KUBE-FIREWALL` jumps from filter INPUT and OUTPUT
   * (and the chain), whatever its restore data says. Default true, as kube-proxy does.
   */
  readonly kubeletJumpChains?: boolean;
}

/** One of kube-proxy's `EnsureRule(Prepend, table, srcChain, args...)` jumps. */
export interface EnsuredJump {
  readonly table: 'filter' | 'nat';
  /** The built-in chain the rule is in. */
  readonly from: string;
  /** The chain it jumps to. */
  readonly to: string;
  readonly comment: string;
  readonly extraArgs: readonly string[];
}

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'] as const;

/** kube-proxy's `iptablesJumpChains`, in the order it ensures them. */
export const KUBE_PROXY_JUMP_CHAINS: readonly EnsuredJump[] = [
  { table: 'filter', to: 'KUBE-EXTERNAL-SERVICES', from: 'INPUT', comment: 'kubernetes externally-visible service portals', extraArgs: NEW },
  { table: 'filter', to: 'KUBE-EXTERNAL-SERVICES', from: 'FORWARD', comment: 'kubernetes externally-visible service portals', extraArgs: NEW },
  { table: 'filter', to: 'KUBE-NODEPORTS', from: 'INPUT', comment: 'kubernetes health check service ports', extraArgs: [] },
  { table: 'filter', to: 'KUBE-SERVICES', from: 'FORWARD', comment: 'kubernetes service portals', extraArgs: NEW },
  { table: 'filter', to: 'KUBE-SERVICES', from: 'OUTPUT', comment: 'kubernetes service portals', extraArgs: NEW },
  { table: 'filter', to: 'KUBE-FORWARD', from: 'FORWARD', comment: 'kubernetes forwarding rules', extraArgs: [] },
  { table: 'filter', to: 'KUBE-PROXY-FIREWALL', from: 'INPUT', comment: 'kubernetes load balancer firewall', extraArgs: NEW },
  { table: 'filter', to: 'KUBE-PROXY-FIREWALL', from: 'OUTPUT', comment: 'kubernetes load balancer firewall', extraArgs: NEW },
  { table: 'filter', to: 'KUBE-PROXY-FIREWALL', from: 'FORWARD', comment: 'kubernetes load balancer firewall', extraArgs: NEW },
  { table: 'nat', to: 'KUBE-SERVICES', from: 'OUTPUT', comment: 'kubernetes service portals', extraArgs: [] },
  { table: 'nat', to: 'KUBE-SERVICES', from: 'PREROUTING', comment: 'kubernetes service portals', extraArgs: [] },
  { table: 'nat', to: 'KUBE-POSTROUTING', from: 'POSTROUTING', comment: 'kubernetes postrouting rules', extraArgs: [] },
];

/** kube-proxy's `iptablesKubeletJumpChains` (no comment). */
export const KUBELET_JUMP_CHAINS: readonly EnsuredJump[] = [
  { table: 'filter', to: 'KUBE-FIREWALL', from: 'INPUT', comment: '', extraArgs: [] },
  { table: 'filter', to: 'KUBE-FIREWALL', from: 'OUTPUT', comment: '', extraArgs: [] },
];

export const CANARY_CHAIN = 'KUBE-PROXY-CANARY';
const CANARY_TABLES = ['mangle', 'nat', 'filter'] as const;

interface TableBlock {
  readonly name: string;
  /** Chain names declared with `:NAME ...`, in order (a Set keeps insertion order). */
  readonly declared: Set<string>;
  /** Every other line of the block except COMMIT, in order. */
  readonly lines: string[];
}

/** The words of one ensured jump rule as `-A FROM ...` restore text. */
export function formatEnsuredJump(jump: EnsuredJump): string {
  const words = ['-A', jump.from, ...jump.extraArgs];
  if (jump.comment !== '') words.push('-m', 'comment', '--comment', jump.comment);
  words.push('-j', jump.to);
  return words.map(quoteWord).join(' ');
}

function splitTables(restore: string): TableBlock[] {
  const blocks: TableBlock[] = [];
  let current: TableBlock | undefined;
  for (const raw of restore.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (trimmed.startsWith('*')) {
      const name = trimmed.slice(1).trim();
      current = blocks.find((b) => b.name === name);
      if (!current) {
        current = { name, declared: new Set(), lines: [] };
        blocks.push(current);
      }
      continue;
    }
    if (!current) continue;
    if (trimmed === 'COMMIT') {
      current = undefined;
      continue;
    }
    if (trimmed.startsWith(':')) {
      current.declared.add(trimmed.slice(1).split(/\s+/)[0]);
      continue;
    }
    current.lines.push(trimmed);
  }
  return blocks;
}

export function completeNodeRuleset(restore: string, opts: CompleteNodeOptions): string {
  const canary = opts.canary ?? true;
  const jumps = [...KUBE_PROXY_JUMP_CHAINS, ...((opts.kubeletJumpChains ?? true) ? KUBELET_JUMP_CHAINS : [])];
  const given = splitTables(restore);

  // Tables in the order kube-proxy first touches them on a fresh node.
  const order: string[] = canary ? [...CANARY_TABLES] : [];
  for (const j of jumps) if (!order.includes(j.table)) order.push(j.table);
  for (const b of given) if (!order.includes(b.name)) order.push(b.name);

  const out: string[] = [];
  for (const table of order) {
    const block = given.find((b) => b.name === table);
    const builtins = BUILTIN_CHAINS[table] ?? [];
    const declaredBuiltins = new Set(builtins.filter((c) => block?.declared.has(c)));
    const chains = new Set<string>();
    for (const c of block?.declared ?? []) if (!builtins.includes(c)) chains.add(c);
    if (canary && (CANARY_TABLES as readonly string[]).includes(table)) chains.add(CANARY_CHAIN);
    for (const j of jumps) if (j.table === table) chains.add(j.to);

    out.push(`*${table}`);
    for (const b of builtins) out.push(`:${b} ACCEPT [0:0]`);
    for (const c of chains) out.push(`:${c} - [0:0]`);
    // Prepend: the last jump ensured is first in its chain. A built-in chain the restore data
    // declares is flushed by that restore, so it keeps only the restore's own rules.
    for (const b of builtins) {
      if (declaredBuiltins.has(b)) continue;
      const mine = jumps.filter((j) => j.table === table && j.from === b).reverse();
      for (const j of mine) out.push(formatEnsuredJump(j));
    }
    for (const l of block?.lines ?? []) out.push(l);
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}
