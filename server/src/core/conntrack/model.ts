import type { Span } from '../text/span';

/**
 * A parsed `conntrack -L` listing or `/proc/net/nf_conntrack` table. Plain readonly data with
 * offsets into the source text.
 */

export interface ConntrackParseError {
  readonly message: string;
  readonly span: Span;
  readonly severity: 'error' | 'warning';
}

/** One direction of a connection: `src=… dst=… sport=… dport=…` (or `type= code= id=` for ICMP). */
export interface ConntrackTuple {
  readonly src: string;
  readonly dst: string;
  readonly sport?: number;
  readonly dport?: number;
  /** ICMP type/code/id. */
  readonly type?: number;
  readonly code?: number;
  readonly id?: number;
  /** With accounting on (`nf_conntrack_acct=1`). */
  readonly packets?: number;
  readonly bytes?: number;
  /** From the first key of the tuple to its last. */
  readonly span: Span;
}

export interface ConntrackEntry {
  /** `ipv4`/`ipv6` from the /proc format's first column, else guessed from the addresses. */
  readonly family: 'ipv4' | 'ipv6';
  /** tcp, udp, sctp, icmp, icmpv6, udplite, dccp, gre, or `unknown`. */
  readonly protocol: string;
  readonly protocolNumber: number;
  /** Seconds left before the entry expires. */
  readonly timeout: number;
  /** TCP/SCTP/DCCP state (ESTABLISHED, TIME_WAIT, SYN_SENT…). */
  readonly state?: string;
  readonly original: ConntrackTuple;
  readonly reply: ConntrackTuple;
  /** UNREPLIED (no packet seen in the reply direction), ASSURED, OFFLOAD, HW_OFFLOAD… in order. */
  readonly flags: readonly string[];
  readonly mark?: number;
  readonly zone?: number;
  readonly use?: number;
  readonly id?: number;
  readonly secctx?: string;
  /** Other `key=value` words, kept as written. */
  readonly extra: Readonly<Record<string, string>>;
  /** 0-based line number. */
  readonly line: number;
  readonly span: Span;
  readonly text: string;
}

export interface ConntrackTable {
  /** `conntrack` for `conntrack -L`, `proc` for /proc/net/nf_conntrack, `mixed` when both appear. */
  readonly format: 'conntrack' | 'proc' | 'mixed' | 'empty';
  readonly entries: readonly ConntrackEntry[];
  readonly errors: readonly ConntrackParseError[];
  /** From conntrack's trailer "N flow entries have been shown.", when pasted along. */
  readonly shownCount?: number;
}
