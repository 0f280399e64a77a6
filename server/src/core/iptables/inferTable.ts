import { BUILTIN_CHAINS } from './model';

/**
 * The table whose built-in chains are exactly these (as listed by `-P` lines or `Chain X (policy ...)`
 * headers); undefined when none or several fit. filter and security have the same chains: filter.
 */
export function inferTableFromBuiltins(chains: readonly string[]): string | undefined {
  const set = new Set(chains);
  if (set.size === 0) return undefined;
  for (const table of ['filter', 'nat', 'mangle', 'raw']) {
    const builtins = BUILTIN_CHAINS[table];
    if (builtins.length === set.size && builtins.every((b) => set.has(b))) return table;
  }
  return undefined;
}

/** What else a listing or `-S` output shows that tells its table. */
export interface TableHints {
  /** Targets only the nat table has (DNAT, SNAT, MASQUERADE, REDIRECT, NETMAP), or kube-proxy's nat-only chains (KUBE-SVC-*, KUBE-SEP-*, KUBE-MARK-MASQ, KUBE-POSTROUTING). */
  readonly natOnly: boolean;
}

const NAT_HINT = /(?:^|[\s(])(?:DNAT|SNAT|MASQUERADE|REDIRECT|NETMAP|KUBE-SVC-[A-Z0-9]+|KUBE-SEP-[A-Z0-9]+|KUBE-SVL-[A-Z0-9]+|KUBE-EXT-[A-Z0-9]+|KUBE-MARK-MASQ|KUBE-POSTROUTING)(?=[\s)]|$)/m;

/** Hints read from raw text (targets and chain names). */
export function tableHintsOf(text: string): TableHints {
  return { natOnly: NAT_HINT.test(text) };
}

/**
 * The table of a listing or `-S` output that does not name it, from the built-in chains it shows
 * (a partial paste may show only some of them) and hints: nat when nat-only targets or chains
 * appear and nat has every listed built-in chain; otherwise the exact match, then the most common
 * table that has every listed built-in chain (filter, then nat for PREROUTING/POSTROUTING, then
 * mangle, raw). Undefined when nothing tells.
 */
export function inferTable(builtins: readonly string[], hints: TableHints): string | undefined {
  const set = new Set(builtins);
  const has = (table: string) => [...set].every((b) => BUILTIN_CHAINS[table].includes(b));
  if (hints.natOnly && has('nat')) return 'nat';
  const exact = inferTableFromBuiltins(builtins);
  if (exact) return exact;
  if (set.size === 0) return hints.natOnly ? 'nat' : undefined;
  for (const table of ['filter', 'nat', 'mangle', 'raw']) if (has(table)) return table;
  return undefined;
}
