import type { Span } from '../text/span';

/**
 * The parsed form of an iptables ruleset, whatever text it came from: `iptables-save` /
 * `ip6tables-save` (legacy or nft flavour, with or without `[packets:bytes]` counters),
 * `iptables-restore` input (what kube-proxy writes), `iptables -S`, or the `iptables -L -n -v`
 * listing. Everything is plain readonly data with offsets into the source text.
 */

export type DumpFormat = 'save' | 'restore' | 'rules' | 'listing';
export type IpFamily = 'ipv4' | 'ipv6';

export interface Counters {
  readonly packets: number;
  readonly bytes: number;
}

export interface ParseError {
  readonly message: string;
  readonly span: Span;
  readonly severity: 'error' | 'warning';
}

export interface Ruleset {
  readonly format: DumpFormat;
  /** Guessed from the addresses, the header comment or `-6`; undefined when nothing tells. */
  readonly family?: IpFamily;
  /** `nft` when the header says `iptables-nft-save` or a `# Warning: iptables-legacy tables present` line, `legacy` for `iptables-legacy-save`/`iptables-save vX`. */
  readonly flavour?: 'legacy' | 'nft';
  readonly tables: readonly Table[];
  readonly errors: readonly ParseError[];
  /** For the listing format: what that format loses compared with iptables-save, in plain words. */
  readonly losses: readonly string[];
}

export interface Table {
  readonly name: string;
  /** The `*nat` line (or, for -S/-L input, the first line of the table). */
  readonly span: Span;
  readonly chains: readonly Chain[];
  /** Chains deleted with `-X` in restore input. */
  readonly deletedChains: readonly string[];
}

export interface Chain {
  readonly name: string;
  readonly table: string;
  /** PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING. */
  readonly builtin: boolean;
  /** ACCEPT/DROP for built-in chains; undefined (`-`) for user chains. */
  readonly policy?: string;
  readonly counters?: Counters;
  /** The declaration (`:KUBE-SERVICES - [0:0]`, `-N X`, `-P X ACCEPT`, `Chain X (...)`), if any. */
  readonly declSpan?: Span;
  /** Just the chain name inside the declaration. */
  readonly nameSpan?: Span;
  readonly rules: readonly Rule[];
}

/** One option with its values, e.g. `! -s 10.0.0.0/8`, `--dport 80`, `--to-destination 10.1.2.3:80`. */
export interface RuleOption {
  /** As written: `-s`, `--source`, `--dport`, `--probability`... */
  readonly name: string;
  readonly values: readonly string[];
  readonly negated: boolean;
  readonly span: Span;
}

/** `-m MODULE` and the options that belong to it. Base matches (-s -d -p -i -o -f) use module ''. */
export interface Match {
  readonly module: string;
  readonly options: readonly RuleOption[];
  readonly span: Span;
}

export interface Target {
  /** ACCEPT, DROP, REJECT, RETURN, DNAT, SNAT, MASQUERADE, MARK, or a chain name. */
  readonly name: string;
  readonly kind: 'jump' | 'goto';
  readonly options: readonly RuleOption[];
  readonly span: Span;
  readonly nameSpan: Span;
}

export interface Rule {
  readonly table: string;
  readonly chain: string;
  /** 0-based position in its chain. */
  readonly index: number;
  /** The line as written, without a leading `[packets:bytes]` counter and without the line break. */
  readonly text: string;
  readonly span: Span;
  /** 0-based line number in the source text. */
  readonly line: number;
  readonly counters?: Counters;
  readonly matches: readonly Match[];
  readonly target?: Target;
  /** The `-m comment --comment` value, unquoted. */
  readonly comment?: string;
}

export const BUILTIN_CHAINS: Readonly<Record<string, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export const BUILTIN_TARGETS: ReadonlySet<string> = new Set([
  'ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'CONNMARK', 'LOG', 'NFLOG',
  'REDIRECT', 'TPROXY', 'CT', 'NOTRACK', 'TRACE', 'QUEUE', 'NFQUEUE', 'TCPMSS', 'CHECKSUM', 'TOS', 'DSCP', 'TTL', 'HL',
  'CLASSIFY', 'SECMARK', 'CONNSECMARK', 'AUDIT', 'NETMAP', 'SET', 'HMARK', 'IDLETIMER', 'LED', 'TEE', 'SYNPROXY',
]);
