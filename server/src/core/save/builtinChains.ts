/** The built-in chains of each iptables table, in the order iptables-save prints them. */
export const BUILTIN_CHAINS_BY_TABLE: Readonly<Record<string, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** The order iptables-nft-save prints tables in (its builtin table array), whatever order they were created in. */
export const NFT_TABLE_ORDER: readonly string[] = ['mangle', 'security', 'raw', 'filter', 'nat'];
