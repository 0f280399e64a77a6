/**
 * IP and CIDR handling the way kube-proxy does it: Kubernetes' "sloppy" parsers (the Go 1.16
 * net parser kept in k8s.io/utils/net, which reads IPv4 octets with leading zeros as decimal,
 * e.g. `10.180.00.001`) and Go's `net.IP.String()` / `net.IPNet.String()` canonical printing.
 * Pure functions; nothing throws.
 */

export type IpFamilyName = 'IPv4' | 'IPv6';

/** A parsed address: always 16 bytes (IPv4 is stored IPv4-mapped, as Go does). */
export interface ParsedIP {
  readonly bytes: Uint8Array;
  readonly family: IpFamilyName;
}

export interface ParsedCIDR {
  /** The network address (host bits cleared), 16 bytes. */
  readonly ip: ParsedIP;
  /** Prefix length in the family's own bit count (0..32 or 0..128). */
  readonly prefix: number;
  readonly family: IpFamilyName;
}

const BIG = 0xffffff;

function dtoi(s: string, start: number): { n: number; end: number; ok: boolean } {
  let n = 0;
  let i = start;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    if (n >= BIG) return { n: BIG, end: i, ok: false };
  }
  if (i === start) return { n: 0, end: start, ok: false };
  return { n, end: i, ok: true };
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function xtoi(s: string, start: number): { n: number; end: number; ok: boolean } {
  let n = 0;
  let i = start;
  for (; i < s.length; i++) {
    const v = hexVal(s.charCodeAt(i));
    if (v < 0) break;
    n = n * 16 + v;
    if (n >= BIG) return { n: 0, end: i, ok: false };
  }
  if (i === start) return { n: 0, end: start, ok: false };
  return { n, end: i, ok: true };
}

/** Parses dotted IPv4 (leading zeros allowed, read as decimal); returns 4 bytes or undefined. */
function parseIPv4Bytes(s: string): number[] | undefined {
  const out: number[] = [];
  let pos = 0;
  for (let i = 0; i < 4; i++) {
    if (pos >= s.length) return undefined;
    if (i > 0) {
      if (s[pos] !== '.') return undefined;
      pos++;
    }
    const r = dtoi(s, pos);
    if (!r.ok || r.n > 0xff) return undefined;
    pos = r.end;
    out.push(r.n);
  }
  if (pos !== s.length) return undefined;
  return out;
}

function parseIPv6Bytes(s: string): Uint8Array | undefined {
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  let rest = s;
  if (rest.length >= 2 && rest[0] === ':' && rest[1] === ':') {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest.length === 0) return ip;
  }
  let i = 0;
  while (i < 16) {
    const r = xtoi(rest, 0);
    if (!r.ok || r.n > 0xffff) return undefined;
    if (r.end < rest.length && rest[r.end] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const v4 = parseIPv4Bytes(rest);
      if (!v4) return undefined;
      ip[i] = v4[0];
      ip[i + 1] = v4[1];
      ip[i + 2] = v4[2];
      ip[i + 3] = v4[3];
      i += 4;
      rest = '';
      break;
    }
    ip[i] = r.n >> 8;
    ip[i + 1] = r.n & 0xff;
    i += 2;
    rest = rest.slice(r.end);
    if (rest.length === 0) break;
    if (rest[0] !== ':' || rest.length === 1) return undefined;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      rest = rest.slice(1);
      if (rest.length === 0) break;
    }
  }
  if (rest.length !== 0) return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j];
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return ip;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function v4Mapped(v4: readonly number[]): Uint8Array {
  const b = new Uint8Array(16);
  b[10] = 0xff;
  b[11] = 0xff;
  b[12] = v4[0];
  b[13] = v4[1];
  b[14] = v4[2];
  b[15] = v4[3];
  return b;
}

/** Like k8s.io/utils/net ParseIPSloppy: undefined when `s` is not an address. */
export function parseIPSloppy(s: string): ParsedIP | undefined {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '.') {
      const v4 = parseIPv4Bytes(s);
      return v4 ? { bytes: v4Mapped(v4), family: 'IPv4' } : undefined;
    }
    if (s[i] === ':') {
      const b = parseIPv6Bytes(s);
      if (!b) return undefined;
      return { bytes: b, family: isV4Mapped(b) ? 'IPv4' : 'IPv6' };
    }
  }
  return undefined;
}

/** Go's net.IP.String(). */
export function formatIP(ip: ParsedIP): string {
  const p = ip.bytes;
  if (isV4Mapped(p)) return `${p[12]}.${p[13]}.${p[14]}.${p[15]}`;
  let e0 = -1;
  let e1 = -1;
  for (let i = 0; i < 16; i += 2) {
    let j = i;
    while (j < 16 && p[j] === 0 && p[j + 1] === 0) j += 2;
    if (j > i && j - i > e1 - e0) {
      e0 = i;
      e1 = j;
      i = j;
    }
  }
  if (e1 - e0 <= 2) {
    e0 = -1;
    e1 = -1;
  }
  let out = '';
  for (let i = 0; i < 16; i += 2) {
    if (i === e0) {
      out += '::';
      i = e1;
      if (i >= 16) break;
    } else if (i > 0) {
      out += ':';
    }
    out += ((p[i] << 8) | p[i + 1]).toString(16);
  }
  return out;
}

/**
 * A canonical dotted-quad IPv4 string (no leading zeros, each part <= 255) is its own Go
 * printing; recognising it without allocating keeps large inputs fast.
 */
function isCanonicalIPv4(s: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  let first = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255 || (digits > 1 && first === 48)) return false;
      parts++;
      digits = 0;
      value = 0;
      continue;
    }
    if (c < 48 || c > 57) return false;
    if (digits === 0) first = c;
    digits++;
    if (digits > 3) return false;
    value = value * 10 + (c - 48);
  }
  return parts === 4;
}

/** The canonical text and family of an address, or undefined when it is not one. */
export function canonicalIP(s: string): { readonly ip: string; readonly family: IpFamilyName } | undefined {
  if (isCanonicalIPv4(s)) return { ip: s, family: 'IPv4' };
  const ip = parseIPSloppy(s);
  return ip ? { ip: formatIP(ip), family: ip.family } : undefined;
}

/**
 * Only the canonical text of `canonicalIP` (no object made). Its family is IPv6 exactly when the
 * text has a colon: Go prints IPv4 and IPv4-mapped addresses dotted, every other IPv6 with colons.
 */
export function canonicalIPString(s: string): string | undefined {
  if (isCanonicalIPv4(s)) return s;
  const ip = parseIPSloppy(s);
  return ip ? formatIP(ip) : undefined;
}

/** Parses and re-prints an address canonically; undefined when it is not one. */
export function normalizeIP(s: string): string | undefined {
  const ip = parseIPSloppy(s);
  return ip ? formatIP(ip) : undefined;
}

/** Go's net.JoinHostPort: `[ip]:port` for addresses containing a colon. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Like k8s.io/utils/net ParseCIDRSloppy: the network (host bits cleared), or undefined. */
export function parseCIDRSloppy(s: string): ParsedCIDR | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  let bits = 32;
  let bytes: Uint8Array | undefined;
  const v4 = parseIPv4Bytes(addr);
  if (v4) bytes = v4Mapped(v4);
  else {
    bits = 128;
    bytes = parseIPv6Bytes(addr);
  }
  const m = dtoi(mask, 0);
  if (!bytes || !m.ok || m.end !== mask.length || m.n > bits) return undefined;
  const family: IpFamilyName = bits === 32 ? 'IPv4' : isV4Mapped(bytes) ? 'IPv4' : 'IPv6';
  const prefix16 = bits === 32 ? m.n + 96 : m.n;
  const net = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, prefix16 - i * 8));
    net[i] = bytes[i] & ((0xff << (8 - keep)) & 0xff);
  }
  if (bits === 32) {
    net[10] = 0xff;
    net[11] = 0xff;
  }
  // A v4-mapped address written in IPv6 form with a /96+ prefix is an IPv4 network to Go.
  const prefix = family === 'IPv4' && bits === 128 ? Math.max(0, m.n - 96) : m.n;
  return { ip: { bytes: net, family }, prefix, family };
}

/** Go's net.IPNet.String(). */
export function formatCIDR(c: ParsedCIDR): string {
  return `${formatIP(c.ip)}/${c.prefix}`;
}

/** net.IPNet.Contains: false across families. */
export function cidrContains(c: ParsedCIDR, ip: ParsedIP): boolean {
  if (c.family !== ip.family) return false;
  const prefix16 = c.family === 'IPv4' ? c.prefix + 96 : c.prefix;
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, prefix16 - i * 8));
    if (keep === 0) break;
    const m = (0xff << (8 - keep)) & 0xff;
    if ((ip.bytes[i] & m) !== (c.ip.bytes[i] & m)) return false;
  }
  return true;
}

export function isLoopback(ip: ParsedIP): boolean {
  if (ip.family === 'IPv4') return ip.bytes[12] === 127;
  for (let i = 0; i < 15; i++) if (ip.bytes[i] !== 0) return false;
  return ip.bytes[15] === 1;
}

export function isZeroCIDR(c: ParsedCIDR): boolean {
  return c.prefix === 0;
}
