import { parseUintBase0 } from './marks';

/**
 * Host/network addresses as iptables parses them (numeric only: no DNS) and prints them back
 * in iptables-save: IPv4 dotted quad plus `/N` (or a dotted mask when it is not contiguous), IPv6
 * as glibc's inet_ntop writes it plus `/N`.
 */

export type Family = 'ipv4' | 'ipv6';

export interface Network {
  /** 4 or 16 bytes, already masked. */
  readonly addr: readonly number[];
  readonly mask: readonly number[];
}

/** xtables' numeric IPv4 parser: 1 to 4 base-0 parts (a missing tail is zero); undefined if invalid. */
export function parseIpv4(text: string, isMask = false): number[] | undefined {
  const parts = text.split('.');
  if (parts.length > 4 || (isMask && parts.length !== 4)) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    const v = parseUintBase0(p, 255);
    if (v === undefined) return undefined;
    out.push(v);
  }
  while (out.length < 4) out.push(0);
  return out;
}

/** RFC 4291 text (with an optional embedded IPv4 tail) to 16 bytes; undefined if invalid. */
export function parseIpv6(text: string): number[] | undefined {
  if (text === '' || /[^0-9a-fA-F:.]/.test(text)) return undefined;
  let head = text;
  let v4: number[] | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const tail = text.slice(lastColon + 1);
    const parts = tail.split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    v4 = parts.map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = head.indexOf('::');
  if (dbl >= 0 && head.indexOf('::', dbl + 1) >= 0) return undefined;
  const toGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const gs = s.split(':');
    const out: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const left = toGroups(head.slice(0, dbl));
    const right = toGroups(head.slice(dbl + 2));
    if (!left || !right || left.length + right.length > 7) return undefined;
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else {
    const all = toGroups(head);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (v4) bytes.splice(12, 4, ...v4);
  return bytes;
}

export function formatIpv4(bytes: readonly number[]): string {
  return bytes.slice(0, 4).join('.');
}

/** glibc inet_ntop for AF_INET6: longest run (≥ 2) of zero groups becomes `::`, embedded IPv4 for ::ffff:a.b.c.d and ::a.b.c.d. */
export function formatIpv6(bytes: readonly number[]): string {
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((bytes[i] << 8) | bytes[i + 1]);
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase >= 0) {
      if (bestBase < 0 || curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase >= 0 && (bestBase < 0 || curLen > bestLen)) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestBase >= 0 && bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
      break;
    }
    out += w[i].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

export function parseAddress(text: string, family: Family): number[] | undefined {
  return family === 'ipv4' ? parseIpv4(text) : parseIpv6(text);
}

export function formatAddress(bytes: readonly number[], family: Family): string {
  return family === 'ipv4' ? formatIpv4(bytes) : formatIpv6(bytes);
}

function prefixMask(len: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    const bits = Math.max(0, Math.min(8, n - i * 8));
    out.push(bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** Prefix length of a contiguous mask, or -1. */
export function maskPrefixLength(mask: readonly number[]): number {
  let n = 0;
  let ended = false;
  for (const b of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (b >> bit) & 1;
      if (set && ended) return -1;
      if (set) n++;
      else ended = true;
    }
  }
  return n;
}

/** `addr[/mask]` as `-s`/`-d` take it; the address is masked as iptables does. */
export function parseNetwork(text: string, family: Family): Network | undefined {
  const len = family === 'ipv4' ? 4 : 16;
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseAddress(addrText, family);
  if (!addr) return undefined;
  let mask: number[];
  if (slash < 0) mask = prefixMask(len, len * 8);
  else {
    const m = text.slice(slash + 1);
    if (family === 'ipv4' ? m.includes('.') : m.includes(':')) {
      const parsed = family === 'ipv4' ? parseIpv4(m, true) : parseIpv6(m);
      if (!parsed) return undefined;
      mask = parsed;
    } else {
      const n = /^\d+$/.test(m) ? Number(m) : NaN;
      if (!(n >= 0 && n <= len * 8)) return undefined;
      mask = prefixMask(len, n);
    }
  }
  return { addr: addr.map((b, i) => b & mask[i]), mask };
}

/** iptables-save's form of a network: `10.0.0.0/8`, `10.0.0.1/32`, `10.0.0.0/255.0.255.0`, `fd00::/64`. */
export function formatNetwork(net: Network, family: Family): string {
  const n = maskPrefixLength(net.mask);
  const mask = n >= 0 ? String(n) : formatAddress(net.mask, family);
  return `${formatAddress(net.addr, family)}/${mask}`;
}

/** True for 0.0.0.0/0 or ::/0, which iptables-save omits. */
export function isAnyNetwork(net: Network): boolean {
  return net.mask.every((b) => b === 0);
}
