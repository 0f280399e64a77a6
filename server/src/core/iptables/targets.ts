import { BUILTIN_TARGETS } from './model';

/** Target extensions beyond the shared BUILTIN_TARGETS list that iptables-extensions(8) documents. */
const MORE_TARGETS: ReadonlySet<string> = new Set([
  'CLUSTERIP', 'CONNMARK', 'DNPT', 'SNPT', 'ECN', 'MIRROR', 'NETMAP', 'RATEEST', 'SAME', 'TOS', 'TRACE', 'ULOG', 'IPV4OPTSSTRIP',
  'NFLOG', 'NFQUEUE', 'CHECKSUM', 'TCPOPTSTRIP', 'SYNPROXY', 'IDLETIMER', 'LED', 'TEE', 'AUDIT', 'HMARK', 'SECMARK', 'CONNSECMARK',
]);

/** Whether `-j NAME` names a target extension (ACCEPT, DNAT, LOG…) rather than a chain. */
export function isKnownTarget(name: string): boolean {
  return BUILTIN_TARGETS.has(name) || MORE_TARGETS.has(name);
}

/**
 * Whether an unknown `-j NAME` could still be a target extension: extensions are written in
 * capitals without hyphens (NOTRACK, CLASSIFY), while chains usually have hyphens or lower case.
 */
export function looksLikeTargetExtension(name: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(name);
}
