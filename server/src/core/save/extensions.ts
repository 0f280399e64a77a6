import type { Span } from '../text/span';
import { formatAddress, parseAddress, parseNetwork, formatNetwork, type Family } from './addresses';
import { formatKernelProbability } from './probability';
import { formatMarkMatch, formatXmark, markTargetToXmark, parseMarkMask, parseUintBase0, type MarkTargetOption } from './marks';

/**
 * The iptables extensions (matches and targets) kube-proxy and its neighbours use, each with
 * its option table and a `save` renderer that prints what iptables-save prints once the rule has
 * been through the kernel: canonical option names, the module's own option order, normalised
 * values. Ported from the behaviour of iptables 1.8.9's libxt_* save functions, checked against
 * the real tools in test/kernel/save.
 */

export interface Opt {
  /** Canonical long name, e.g. `--dport` for `--destination-port`. */
  readonly name: string;
  readonly values: readonly string[];
  readonly negated: boolean;
  readonly span: Span;
  /** An option no modelled extension knows: printed back as written. */
  readonly passThrough?: boolean;
  /**
   * The rule's `-p` protocol when iptables parsed this option (only `-p` words before it count).
   * multiport and the NAT targets check the protocol while parsing, so `-p` must come first.
   */
  readonly protoAtParse?: string;
}

export interface RenderContext {
  readonly family: Family;
  /** iptables-nft translates tcp/udp ports into native expressions and reads some back differently. */
  readonly flavour?: 'legacy' | 'nft';
  /** The rule's `-p` protocol name (lowercase canonical), if any and not negated. */
  readonly proto?: string;
  readonly table: string;
  /** The nfacct objects that exist; undefined = assume every named one exists. */
  readonly nfacctObjects?: ReadonlySet<string>;
  error(message: string, span: Span): void;
  warn(message: string, span: Span): void;
}

export interface OptionSpec {
  readonly canonical: string;
  /** Number of value words the option takes. */
  readonly arity: 0 | 1 | 2;
}

export interface Extension {
  readonly name: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /**
   * The saved option text (each piece preceded by a space), from the options in the order given;
   * null when the saved rule has no trace of this match at all.
   */
  render(opts: readonly Opt[], ctx: RenderContext): string | null;
}

function spec(aliases: Record<string, [string, 0 | 1 | 2]>): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  for (const [k, [canonical, arity]] of Object.entries(aliases)) out[k] = { canonical, arity };
  return out;
}

/** xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with `"`, `\` and `'` escaped. */
export function saveString(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_-]+$/.test(value)) return value;
  return '"' + value.replace(/["\\']/g, (c) => '\\' + c) + '"';
}

const utf8 = new TextEncoder();

/** Length in bytes as the kernel counts it (UTF-8). */
function byteLength(s: string): number {
  return utf8.encode(s).length;
}

function bang(o: Opt): string {
  return o.negated ? ' !' : '';
}

function last(opts: readonly Opt[], name: string): Opt | undefined {
  for (let i = opts.length - 1; i >= 0; i--) if (opts[i].name === name) return opts[i];
  return undefined;
}

function checkNoRepeat(opts: readonly Opt[], ctx: RenderContext, ext: string): void {
  const seen = new Set<string>();
  for (const o of opts) {
    if (seen.has(o.name)) ctx.error(`${ext}: "${o.name}" specified more than once`, o.span);
    seen.add(o.name);
  }
}

// ---- ports -------------------------------------------------------------------------------

const SERVICES: Readonly<Record<string, number>> = {
  ssh: 22, smtp: 25, domain: 53, http: 80, www: 80, pop3: 110, ntp: 123, imap: 143, snmp: 161,
  ldap: 389, https: 443, imaps: 993, pop3s: 995, mysql: 3306, postgresql: 5432,
};

export function parsePort(text: string): number | undefined {
  const n = parseUintBase0(text, 65535);
  if (n !== undefined) return n;
  return SERVICES[text];
}

/** `a`, `a:b`, `a:` (to 65535), `:b` (from 0), as tcp/udp/sctp take it. */
export function parsePortRange(text: string): [number, number] | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text);
    return p === undefined ? undefined : [p, p];
  }
  const a = text.slice(0, colon) === '' ? 0 : parsePort(text.slice(0, colon));
  const b = text.slice(colon + 1) === '' ? 65535 : parsePort(text.slice(colon + 1));
  if (a === undefined || b === undefined || a > b) return undefined;
  return [a, b];
}

function portRangeText(r: readonly [number, number]): string {
  return r[0] === r[1] ? String(r[0]) : `${r[0]}:${r[1]}`;
}

// ---- tcp / udp / sctp ------------------------------------------------------------------------

const TCP_FLAGS: ReadonlyArray<[string, number]> = [['FIN', 1], ['SYN', 2], ['RST', 4], ['PSH', 8], ['ACK', 16], ['URG', 32]];

function parseTcpFlags(text: string): number | undefined {
  let v = 0;
  for (const w of text.split(',')) {
    const u = w.toUpperCase();
    if (u === 'ALL') v |= 0x3f;
    else if (u === 'NONE') continue;
    else {
      const f = TCP_FLAGS.find(([n]) => n === u);
      if (!f) return undefined;
      v |= f[1];
    }
  }
  return v;
}

function formatTcpFlags(v: number): string {
  const names = TCP_FLAGS.filter(([, b]) => (v & b) !== 0).map(([n]) => n);
  return names.length === 0 ? 'NONE' : names.join(',');
}

function portMatch(name: 'tcp' | 'udp' | 'sctp'): Extension {
  const options: Record<string, [string, 0 | 1 | 2]> = {
    '--sport': ['--sport', 1], '--source-port': ['--sport', 1],
    '--dport': ['--dport', 1], '--destination-port': ['--dport', 1],
  };
  if (name === 'tcp') {
    Object.assign(options, { '--tcp-flags': ['--tcp-flags', 2], '--syn': ['--syn', 0], '--tcp-option': ['--tcp-option', 1] });
  }
  return {
    name,
    options: spec(options),
    render(opts, ctx) {
      const seen = new Set<string>();
      for (const o of opts) {
        if (seen.has(o.name)) ctx.error(`${name}: "${o.name}" may only be given once`, o.span);
        seen.add(o.name);
      }
      if (ctx.proto !== name) {
        const o = opts[0];
        if (o) ctx.error(`${name} match: needs "-p ${name}"`, o.span);
      }
      let out = '';
      let vanished = false;
      for (const which of ['--sport', '--dport']) {
        const o = last(opts, which);
        if (!o) continue;
        const r = parsePortRange(o.values[0] ?? '');
        if (!r) {
          ctx.error(`invalid port/service \`${o.values[0] ?? ''}' specified`, o.span);
          continue;
        }
        // sctp prints whatever was given.
        if (name === 'sctp') {
          out += `${bang(o)} ${which} ${portRangeText(r)}`;
          continue;
        }
        // tcp and udp omit the full range, negated or not.
        if (r[0] === 0 && r[1] === 65535) {
          if (o.negated) vanished = true;
          continue;
        }
        // iptables-nft stores `! 0:N` as "greater than N" and reads it back as `N+1:65535`.
        if (ctx.flavour === 'nft' && o.negated && r[0] === 0 && r[1] !== 0) {
          out += ` ${which} ${portRangeText([r[1] + 1, 65535])}`;
          continue;
        }
        out += `${bang(o)} ${which} ${portRangeText(r)}`;
      }
      if (name === 'tcp') {
        const opt = last(opts, '--tcp-option');
        if (opt) {
          const n = parseUintBase0(opt.values[0] ?? '', 255);
          if (n === undefined) ctx.error(`Bad TCP option "${opt.values[0] ?? ''}"`, opt.span);
          else out += `${bang(opt)} --tcp-option ${n}`;
        }
        let flags: Opt | undefined;
        let mask = 0;
        let cmp = 0;
        for (const o of opts) {
          if (o.name === '--syn') {
            flags = o;
            mask = 0x17;
            cmp = 0x02;
          } else if (o.name === '--tcp-flags') {
            const pm = parseTcpFlags(o.values[0] ?? '');
            const pc = parseTcpFlags(o.values[1] ?? '');
            if (pm === undefined || pc === undefined) ctx.error(`Unknown TCP flag in "${o.values.join(' ')}"`, o.span);
            else {
              flags = o;
              mask = pm;
              cmp = pc;
            }
          }
        }
        if (flags) out += `${bang(flags)} --tcp-flags ${formatTcpFlags(mask)} ${formatTcpFlags(cmp)}`;
      }
      // iptables-nft drops a tcp/udp match whose only port test was a negated full range.
      if (ctx.flavour === 'nft' && vanished && out === '') return null;
      return out;
    },
  };
}

// ---- simple matches -------------------------------------------------------------------------

const comment: Extension = {
  name: 'comment',
  options: spec({ '--comment': ['--comment', 1] }),
  render(opts, ctx) {
    const o = last(opts, '--comment');
    if (!o) return '';
    let v = o.values[0] ?? '';
    if (byteLength(v) > 255) {
      // iptables 1.8.9 keeps the first 255 bytes without a word (a split UTF-8 character comes back broken).
      ctx.warn('comment: longer than 255 bytes; iptables keeps only the first 255', o.span);
      v = new TextDecoder().decode(utf8.encode(v).slice(0, 255));
    }
    if (o.negated) ctx.error('comment: "--comment" cannot be negated', o.span);
    return ` --comment ${saveString(v)}`;
  },
};

const CT_STATES: ReadonlyArray<string> = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];
const CT_STATUS: ReadonlyArray<string> = ['EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'];

function parseList(text: string, names: readonly string[]): Set<string> | undefined {
  const out = new Set<string>();
  for (const w of text.split(',')) {
    const u = w.toUpperCase();
    if (!names.includes(u)) return undefined;
    out.add(u);
  }
  return out;
}

function stateMatch(name: 'conntrack' | 'state'): Extension {
  const stateOpt = name === 'conntrack' ? '--ctstate' : '--state';
  const states = name === 'conntrack' ? CT_STATES : CT_STATES.slice(0, 5);
  const options: Record<string, [string, 0 | 1 | 2]> = { [stateOpt]: [stateOpt, 1] };
  if (name === 'conntrack') Object.assign(options, { '--ctstatus': ['--ctstatus', 1], '--ctdir': ['--ctdir', 1] });
  return {
    name,
    options: spec(options),
    render(opts, ctx) {
      let out = '';
      const st = last(opts, stateOpt);
      if (st) {
        const set = parseList(st.values[0] ?? '', states);
        if (!set) ctx.error(`Bad ctstate "${st.values[0] ?? ''}"`, st.span);
        else out += `${bang(st)} ${stateOpt} ${states.filter((s) => set.has(s)).join(',')}`;
      }
      const status = last(opts, '--ctstatus');
      if (status) {
        const raw = (status.values[0] ?? '').toUpperCase();
        const set = raw === 'NONE' ? new Set<string>() : parseList(raw, CT_STATUS);
        if (!set) ctx.error(`Bad ctstatus "${status.values[0] ?? ''}"`, status.span);
        else out += `${bang(status)} --ctstatus ${set.size === 0 ? 'NONE' : CT_STATUS.filter((s) => set.has(s)).join(',')}`;
      }
      const dir = last(opts, '--ctdir');
      if (dir) {
        const d = (dir.values[0] ?? '').toUpperCase();
        if (d !== 'ORIGINAL' && d !== 'REPLY') ctx.error(`Unknown --ctdir "${dir.values[0] ?? ''}"`, dir.span);
        else out += ` --ctdir ${d}`;
      }
      return out;
    },
  };
}

const mark: Extension = {
  name: 'mark',
  options: spec({ '--mark': ['--mark', 1] }),
  render(opts, ctx) {
    const o = last(opts, '--mark');
    if (!o) return '';
    const mm = parseMarkMask(o.values[0] ?? '');
    if (!mm) {
      ctx.error(`mark match: bad value "${o.values[0] ?? ''}"`, o.span);
      return '';
    }
    return `${bang(o)} --mark ${formatMarkMatch(mm)}`;
  },
};

const statistic: Extension = {
  name: 'statistic',
  options: spec({ '--mode': ['--mode', 1], '--probability': ['--probability', 1], '--every': ['--every', 1], '--packet': ['--packet', 1] }),
  render(opts, ctx) {
    checkNoRepeat(opts, ctx, 'statistic');
    const mode = last(opts, '--mode');
    const prob = last(opts, '--probability');
    const every = last(opts, '--every');
    const packet = last(opts, '--packet');
    const invert = opts.some((o) => o.negated) ? ' !' : '';
    if (!mode) {
      if (opts[0]) ctx.error('statistic: "--mode" is required', opts[0].span);
      return '';
    }
    const m = mode.values[0];
    if (m === 'random') {
      if (!prob) {
        ctx.error('--probability must be specified when using random mode', mode.span);
        return '';
      }
      const text = formatKernelProbability(prob.values[0] ?? '');
      if (text === undefined) {
        ctx.error(`statistic: bad --probability "${prob.values[0] ?? ''}" (0 to 1)`, prob.span);
        return '';
      }
      return ` --mode random${invert} --probability ${text}`;
    }
    if (every && !packet) ctx.error('statistic: option "--every" also requires "--packet".', every.span);
    if (packet && !every) ctx.error('statistic: option "--packet" also requires "--every".', packet.span);
    if (m === 'nth') {
      if (!every) {
        ctx.error('--every and --packet must be specified when using nth mode', mode.span);
        return '';
      }
      const e = parseUintBase0(every.values[0] ?? '');
      const p = packet ? parseUintBase0(packet.values[0] ?? '') : 0;
      if (!e || p === undefined || p > e - 1) {
        ctx.error('statistic: bad --every/--packet', every.span);
        return '';
      }
      return ` --mode nth${invert} --every ${e} --packet ${p}`;
    }
    ctx.error(`Bad mode "${m ?? ''}"`, mode.span);
    return '';
  },
};

const recent: Extension = {
  name: 'recent',
  options: spec({
    '--set': ['--set', 0], '--rcheck': ['--rcheck', 0], '--update': ['--update', 0], '--remove': ['--remove', 0],
    '--seconds': ['--seconds', 1], '--reap': ['--reap', 0], '--hitcount': ['--hitcount', 1], '--rttl': ['--rttl', 0],
    '--name': ['--name', 1], '--mask': ['--mask', 1], '--rsource': ['--rsource', 0], '--rdest': ['--rdest', 0],
  }),
  render(opts, ctx) {
    const has = (n: string): boolean => opts.some((o) => o.name === n);
    const actions = ['--set', '--rcheck', '--update', '--remove'].filter(has);
    if (actions.length !== 1) {
      if (opts[0]) ctx.error('recent: you must specify one of --set, --rcheck, --update or --remove', opts[0].span);
      return '';
    }
    const seconds = last(opts, '--seconds');
    const at = (n: string): Span => last(opts, n)?.span ?? opts[0].span;
    if (has('--reap') && !seconds) ctx.error('recent: option "--reap" also requires "--seconds".', at('--reap'));
    if (has('--rttl') && (actions[0] === '--set' || actions[0] === '--remove')) ctx.error(`recent: option "--rttl" cannot be used together with "${actions[0]}".`, at('--rttl'));
    // The kernel (recent_mt_check) refuses modifiers on --set and --remove.
    if ((actions[0] === '--set' || actions[0] === '--remove') && (seconds || has('--hitcount') || has('--reap'))) {
      ctx.error(`recent: ${actions[0]} takes no --seconds, --hitcount or --reap (the kernel refuses the rule)`, opts[0].span);
    }
    let out = opts.some((o) => o.negated) ? ' !' : '';
    out += ` ${actions[0]}`;
    if (seconds) {
      const s = parseUintBase0(seconds.values[0] ?? '');
      if (!s) ctx.error(`recent: bad --seconds "${seconds.values[0] ?? ''}"`, seconds.span);
      else out += ` --seconds ${s}`;
    }
    if (has('--reap')) out += ' --reap';
    const hit = last(opts, '--hitcount');
    if (hit) {
      const h = parseUintBase0(hit.values[0] ?? '');
      if (!h || h > 255) ctx.error(`recent: bad --hitcount "${hit.values[0] ?? ''}"`, hit.span);
      else out += ` --hitcount ${h}`;
    }
    if (has('--rttl')) out += ' --rttl';
    const name = last(opts, '--name');
    const nameText = name ? name.values[0] ?? '' : 'DEFAULT';
    if (nameText.length === 0 || byteLength(nameText) > 199) ctx.error('recent: bad --name', name?.span ?? opts[0].span);
    out += ` --name ${nameText}`;
    const maskOpt = last(opts, '--mask');
    let maskBytes: number[] | undefined = ctx.family === 'ipv4' ? [255, 255, 255, 255] : new Array<number>(16).fill(255);
    if (maskOpt) {
      maskBytes = parseAddress(maskOpt.values[0] ?? '', ctx.family);
      if (!maskBytes) ctx.error(`recent: bad --mask "${maskOpt.values[0] ?? ''}"`, maskOpt.span);
    }
    if (maskBytes) out += ` --mask ${formatAddress(maskBytes, ctx.family)}`;
    const side = opts.filter((o) => o.name === '--rsource' || o.name === '--rdest').pop();
    out += side?.name === '--rdest' ? ' --rdest' : ' --rsource';
    return out;
  },
};

const ADDR_TYPES: ReadonlyArray<string> = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'];

const ADDR_TYPES_NOT_IPV6: ReadonlyArray<string> = ['BROADCAST', 'BLACKHOLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'];

const addrtype: Extension = {
  name: 'addrtype',
  options: spec({ '--src-type': ['--src-type', 1], '--dst-type': ['--dst-type', 1], '--limit-iface-in': ['--limit-iface-in', 0], '--limit-iface-out': ['--limit-iface-out', 0] }),
  render(opts, ctx) {
    let out = '';
    for (const which of ['--src-type', '--dst-type']) {
      const o = last(opts, which);
      if (!o) continue;
      const set = parseList(o.values[0] ?? '', ADDR_TYPES);
      if (!set) ctx.error(`addrtype: bad type "${o.values[0] ?? ''}"`, o.span);
      else {
        // The kernel (addrtype_mt_checkentry_v1) refuses these for IPv6.
        const bad = ctx.family === 'ipv6' ? [...set].filter((t) => ADDR_TYPES_NOT_IPV6.includes(t)) : [];
        if (bad.length) ctx.error(`addrtype: ${bad.join(',')} matching is not supported for IPv6 (the kernel refuses the rule)`, o.span);
        out += `${bang(o)} ${which} ${ADDR_TYPES.filter((t) => set.has(t)).join(',')}`;
      }
    }
    const inIf = opts.some((o) => o.name === '--limit-iface-in');
    const outIf = opts.some((o) => o.name === '--limit-iface-out');
    if (inIf && outIf) ctx.error('addrtype: you can\'t specify both --limit-iface-in and --limit-iface-out', opts[0].span);
    if (inIf) out += ' --limit-iface-in';
    if (outIf) out += ' --limit-iface-out';
    return out;
  },
};

const nfacct: Extension = {
  name: 'nfacct',
  options: spec({ '--nfacct-name': ['--nfacct-name', 1] }),
  render(opts, ctx) {
    const o = last(opts, '--nfacct-name');
    if (!o) {
      if (opts[0]) ctx.error('nfacct: "--nfacct-name" is required', opts[0].span);
      return '';
    }
    const v = o.values[0] ?? '';
    if (v.length === 0 || byteLength(v) > 31) ctx.error('nfacct: bad --nfacct-name', o.span);
    else if (ctx.nfacctObjects && !ctx.nfacctObjects.has(v)) ctx.error(`nfacct: accounting object \`${v}' does not exist (create it with \`nfacct add ${v}')`, o.span);
    // libxt_nfacct prints "--nfacct-name " and then xtables_save_string adds its own space.
    return ` --nfacct-name  ${saveString(v)}`;
  },
};

const MULTIPORT_PROTOS = ['tcp', 'udp', 'udplite', 'dccp', 'sctp'];

const multiport: Extension = {
  name: 'multiport',
  options: spec({
    '--sports': ['--sports', 1], '--source-ports': ['--sports', 1],
    '--dports': ['--dports', 1], '--destination-ports': ['--dports', 1],
    '--ports': ['--ports', 1],
  }),
  render(opts, ctx) {
    const o = opts.filter((x) => ['--sports', '--dports', '--ports'].includes(x.name));
    if (o.length !== 1) {
      if (opts[0]) ctx.error('multiport: exactly one of --sports, --dports, --ports is required', opts[0].span);
      return '';
    }
    if (!o[0].protoAtParse || !MULTIPORT_PROTOS.includes(o[0].protoAtParse)) {
      ctx.error('multiport needs `-p tcp\', `-p udp\', `-p udplite\', `-p sctp\' or `-p dccp\'', o[0].span);
    }
    const parts: string[] = [];
    let count = 0;
    for (const p of (o[0].values[0] ?? '').split(',')) {
      const r = parsePortRange(p);
      if (!r) {
        ctx.error(`invalid port/service \`${p}' specified`, o[0].span);
        return '';
      }
      count += r[0] === r[1] ? 1 : 2;
      parts.push(portRangeText(r));
    }
    if (count > 15) ctx.error('multiport: too many ports specified', o[0].span);
    return `${bang(o[0])} ${o[0].name} ${parts.join(',')}`;
  },
};

export const MATCHES: Readonly<Record<string, Extension>> = {
  tcp: portMatch('tcp'),
  udp: portMatch('udp'),
  sctp: portMatch('sctp'),
  comment,
  conntrack: stateMatch('conntrack'),
  state: stateMatch('state'),
  mark,
  statistic,
  recent,
  addrtype,
  nfacct,
  multiport,
};

// ---- targets --------------------------------------------------------------------------------

const PORT_PROTOS = ['tcp', 'udp', 'sctp', 'dccp'];

interface NatRange {
  text: string;
  hasPort: boolean;
}

function parseNatRange(text: string, family: Family): NatRange | undefined {
  let addrPart = text;
  let portPart: string | undefined;
  if (family === 'ipv6') {
    if (text.startsWith('[')) {
      const close = text.indexOf(']');
      if (close < 0) return undefined;
      addrPart = text.slice(1, close);
      const rest = text.slice(close + 1);
      if (rest !== '') {
        if (!rest.startsWith(':')) return undefined;
        portPart = rest.slice(1);
      }
    }
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      addrPart = text.slice(0, colon);
      portPart = text.slice(colon + 1);
    }
  }
  let addrText = '';
  if (addrPart !== '') {
    const dash = addrPart.indexOf('-');
    const a = parseAddress(dash < 0 ? addrPart : addrPart.slice(0, dash), family);
    const b = dash < 0 ? a : parseAddress(addrPart.slice(dash + 1), family);
    if (!a || !b) return undefined;
    const fa = formatAddress(a, family);
    const fb = formatAddress(b, family);
    addrText = fa === fb ? fa : `${fa}-${fb}`;
  }
  let portText = '';
  if (portPart !== undefined) {
    const dash = portPart.indexOf('-');
    const p = parseUintBase0(dash < 0 ? portPart : portPart.slice(0, dash), 65535);
    const q = dash < 0 ? p : parseUintBase0(portPart.slice(dash + 1), 65535);
    if (p === undefined || q === undefined || p > q) return undefined;
    portText = p === q ? `${p}` : `${p}-${q}`;
  }
  if (portText === '') return { text: addrText, hasPort: false };
  const shown = family === 'ipv6' ? `[${addrText}]:${portText}` : `${addrText}:${portText}`;
  return { text: shown, hasPort: true };
}

function natTarget(name: 'DNAT' | 'SNAT'): Extension {
  const to = name === 'DNAT' ? '--to-destination' : '--to-source';
  // DNAT has no --random-fully (iptables 1.8.9 refuses it as an unknown option).
  const options: Record<string, [string, 0 | 1 | 2]> = { [to]: [to, 1], '--random': ['--random', 0], '--persistent': ['--persistent', 0] };
  if (name === 'SNAT') options['--random-fully'] = ['--random-fully', 0];
  return {
    name,
    options: spec(options),
    render(opts, ctx) {
      if (ctx.table !== 'nat') ctx.error(`${name} target is only valid in the nat table`, opts[0]?.span ?? { start: 0, end: 0 });
      const dests = opts.filter((o) => o.name === to);
      let out = '';
      if (dests.length > 1) ctx.error(`${name}: multiple ${to} are not supported`, dests[1].span);
      const d = dests[0];
      if (d) {
        const r = parseNatRange(d.values[0] ?? '', ctx.family);
        if (!r) ctx.error(`Bad IP address "${d.values[0] ?? ''}"`, d.span);
        else {
          if (r.hasPort && (!d.protoAtParse || !PORT_PROTOS.includes(d.protoAtParse))) ctx.error('Need TCP, UDP, SCTP or DCCP with port specification', d.span);
          out += ` ${to} ${r.text}`;
        }
      }
      if (opts.some((o) => o.name === '--random')) out += ' --random';
      if (opts.some((o) => o.name === '--random-fully')) out += ' --random-fully';
      if (opts.some((o) => o.name === '--persistent')) out += ' --persistent';
      return out;
    },
  };
}

const MASQUERADE: Extension = {
  name: 'MASQUERADE',
  options: spec({ '--to-ports': ['--to-ports', 1], '--random': ['--random', 0], '--random-fully': ['--random-fully', 0] }),
  render(opts, ctx) {
    if (ctx.table !== 'nat') ctx.error('MASQUERADE target is only valid in the nat table', opts[0]?.span ?? { start: 0, end: 0 });
    let out = '';
    const p = last(opts, '--to-ports');
    if (p) {
      const v = p.values[0] ?? '';
      const dash = v.indexOf('-');
      const a = parseUintBase0(dash < 0 ? v : v.slice(0, dash), 65535);
      const b = dash < 0 ? a : parseUintBase0(v.slice(dash + 1), 65535);
      if (a === undefined || b === undefined || a > b) ctx.error(`MASQUERADE: bad --to-ports "${v}"`, p.span);
      else {
        if (!p.protoAtParse || !PORT_PROTOS.includes(p.protoAtParse)) ctx.error('Need TCP, UDP, SCTP or DCCP with port specification', p.span);
        out += ` --to-ports ${a === b ? a : `${a}-${b}`}`;
      }
    }
    if (opts.some((o) => o.name === '--random')) out += ' --random';
    if (opts.some((o) => o.name === '--random-fully')) out += ' --random-fully';
    return out;
  },
};

const REJECT_V4: ReadonlyArray<[string, string[]]> = [
  ['icmp-net-unreachable', ['net-unreach']],
  ['icmp-host-unreachable', ['host-unreach']],
  ['icmp-proto-unreachable', ['proto-unreach']],
  ['icmp-port-unreachable', ['port-unreach']],
  ['icmp-net-prohibited', ['net-prohib']],
  ['icmp-host-prohibited', ['host-prohib']],
  ['tcp-reset', ['tcp-rst']],
  ['icmp-admin-prohibited', ['admin-prohib']],
];
const REJECT_V6: ReadonlyArray<[string, string[]]> = [
  ['icmp6-no-route', ['no-route']],
  ['icmp6-adm-prohibited', ['adm-prohibited']],
  ['icmp6-addr-unreachable', ['addr-unreach']],
  ['icmp6-port-unreachable', ['port-unreach']],
  ['tcp-reset', []],
  ['icmp6-policy-fail', ['policy-fail']],
  ['icmp6-reject-route', ['reject-route']],
];

const REJECT: Extension = {
  name: 'REJECT',
  options: spec({ '--reject-with': ['--reject-with', 1] }),
  render(opts, ctx) {
    const table = ctx.family === 'ipv4' ? REJECT_V4 : REJECT_V6;
    const o = last(opts, '--reject-with');
    let type = ctx.family === 'ipv4' ? 'icmp-port-unreachable' : 'icmp6-port-unreachable';
    if (o) {
      const v = o.values[0] ?? '';
      const hit = table.find(([n, aliases]) => n === v || aliases.includes(v));
      if (!hit) ctx.error(`unknown reject type "${v}"`, o.span);
      else type = hit[0];
      if (type === 'tcp-reset' && ctx.proto !== 'tcp') ctx.error('REJECT --reject-with tcp-reset needs -p tcp', o.span);
    }
    return ` --reject-with ${type}`;
  },
};

const MARK: Extension = {
  name: 'MARK',
  options: spec({
    '--set-xmark': ['--set-xmark', 1], '--set-mark': ['--set-mark', 1], '--and-mark': ['--and-mark', 1],
    '--or-mark': ['--or-mark', 1], '--xor-mark': ['--xor-mark', 1],
  }),
  render(opts, ctx) {
    if (opts.length === 0) return '';
    if (opts.length > 1) ctx.error('MARK target: Can\'t specify more than one mark option', opts[1].span);
    const o = opts[opts.length - 1];
    const x = markTargetToXmark(o.name as MarkTargetOption, o.values[0] ?? '');
    if (!x) {
      ctx.error(`MARK target: bad value "${o.values[0] ?? ''}"`, o.span);
      return '';
    }
    return ` --set-xmark ${formatXmark(x)}`;
  },
};

export const TARGETS: Readonly<Record<string, Extension>> = {
  DNAT: natTarget('DNAT'),
  SNAT: natTarget('SNAT'),
  MASQUERADE,
  REJECT,
  MARK,
};

/** The verdicts every table has. */
export const STANDARD_TARGETS: ReadonlySet<string> = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE']);

/** Re-exported for the IP part of a rule (`-s`, `-d`). */
export { parseNetwork, formatNetwork };
