import ipaddr from 'ipaddr.js';

/**
 * Addresses and CIDRs as numbers, for the simulator's hot loop: IPv4 as an unsigned 32-bit number,
 * IPv6 as a bigint. Parsing never throws; it returns undefined for text that is not an address.
 */

export type Ip = { readonly v6: false; readonly n: number } | { readonly v6: true; readonly n: bigint };

export type Cidr =
  | { readonly v6: false; readonly base: number; readonly mask: number }
  | { readonly v6: true; readonly base: bigint; readonly mask: bigint };

const V6_ALL = (1n << 128n) - 1n;

/** Parses a dotted-quad IPv4 address (leading zeros read as decimal, as iptables does). */
export function parseIpv4(text: string): number | undefined {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255 || digits > 3) return undefined;
    } else if (c === 46) {
      if (digits === 0) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return n * 256 + part;
}

export function parseIp(text: string): Ip | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { v6: false, n: v4 };
  if (text.indexOf(':') < 0) return undefined;
  try {
    const bytes = ipaddr.IPv6.parse(text).toByteArray();
    let n = 0n;
    for (const b of bytes) n = (n << 8n) | BigInt(b);
    return { v6: true, n };
  } catch {
    return undefined;
  }
}

/** `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `fd00::/64`, or a single address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const maskText = slash < 0 ? undefined : text.slice(slash + 1);
  if (!ip.v6) {
    let mask = 0xffffffff;
    if (maskText !== undefined) {
      if (/^\d{1,2}$/.test(maskText)) {
        const bits = Number(maskText);
        if (bits > 32) return undefined;
        mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      } else {
        const m = parseIpv4(maskText);
        if (m === undefined) return undefined;
        mask = m;
      }
    }
    return { v6: false, base: (ip.n & mask) >>> 0, mask };
  }
  let mask = V6_ALL;
  if (maskText !== undefined) {
    if (!/^\d{1,3}$/.test(maskText)) return undefined;
    const bits = Number(maskText);
    if (bits > 128) return undefined;
    mask = bits === 0 ? 0n : (V6_ALL << BigInt(128 - bits)) & V6_ALL;
  }
  return { v6: true, base: ip.n & mask, mask };
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.v6 !== ip.v6) return false;
  if (!cidr.v6) return ((ip.n as number) & cidr.mask) >>> 0 === cidr.base;
  return ((ip.n as bigint) & cidr.mask) === cidr.base;
}

export function sameIp(a: Ip, b: Ip): boolean {
  return a.v6 === b.v6 && a.n === b.n;
}

/** A key that is equal for equal addresses however they were written (`::1` and `0::1`). */
export function ipKey(ip: Ip): string {
  return (ip.v6 ? '6:' : '4:') + ip.n.toString();
}

/** 127.0.0.0/8 and ::1: always local to the kernel, whatever the node's address list says. */
export function isLoopback(ip: Ip): boolean {
  return ip.v6 ? ip.n === 1n : ((ip.n as number) >>> 24) === 127;
}

export function isMulticast(ip: Ip): boolean {
  return ip.v6 ? (ip.n as bigint) >> 120n === 0xffn : ((ip.n as number) >>> 28) === 0xe;
}

/** IPv4 limited broadcast (255.255.255.255); IPv6 has no broadcast. */
export function isLimitedBroadcast(ip: Ip): boolean {
  return !ip.v6 && ip.n === 0xffffffff;
}

/** An inclusive range `a-b` of addresses (iprange, DNAT/SNAT ranges). */
export function parseIpRange(text: string): { readonly from: Ip; readonly to: Ip } | undefined {
  const dash = text.indexOf('-');
  if (dash < 0) {
    const ip = parseIp(text);
    return ip ? { from: ip, to: ip } : undefined;
  }
  const from = parseIp(text.slice(0, dash));
  const to = parseIp(text.slice(dash + 1));
  if (!from || !to || from.v6 !== to.v6) return undefined;
  return { from, to };
}

export function rangeContains(range: { readonly from: Ip; readonly to: Ip }, ip: Ip): boolean {
  if (range.from.v6 !== ip.v6) return false;
  return ip.n >= range.from.n && ip.n <= range.to.n;
}
