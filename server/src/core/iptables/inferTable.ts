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
