import type { Match, Rule, RuleOption } from '../iptables/model';
import { canonicalOptionName } from '../iptables/parseRuleSpec';
import type { Packet } from './types';
import {
  cidrContains, ipKey, isLoopback, parseIpv4, isLimitedBroadcast, isMulticast, parseCidr, parseIpRange, rangeContains,
  type Cidr, type Ip,
} from './addresses';

/**
 * Turns one parsed rule into predicates and a target the simulator can run quickly. Compiled once
 * per rule (lazily) and cached by the caller. Never throws: anything it cannot decide becomes a
 * predicate that answers "unevaluated, because …".
 */

/** What the predicates look at: the packet as it is now, and what netfilter knows about it. */
export interface MatchContext {
  readonly packet: Packet;
  readonly src: Ip;
  readonly dst: Ip;
  /** The packet as it entered (conntrack's original tuple). */
  readonly original: Packet;
  readonly originalSrc: Ip;
  readonly originalDst: Ip;
  readonly mark: number;
  readonly ctmark: number;
  /** `undefined`: not known (a rule on it cannot be decided); `null`: there is none at this hook. */
  readonly inInterface: string | undefined | null;
  readonly outInterface: string | undefined | null;
  readonly dnatDone: boolean;
  readonly snatDone: boolean;
  readonly untracked: boolean;
  /** The conntrack entry is already confirmed (a locally generated packet looping back over lo). */
  readonly confirmed: boolean;
  /** The node's addresses as `ipKey`s (loopback is always local besides these). */
  readonly localKeys: ReadonlySet<string>;
  /** `-m recent` lists this branch has recorded the client in so far. */
  readonly recent: readonly string[];
  /** The request's `recentLists` (exact lists the client is in), or undefined. */
  readonly recentLists: readonly string[] | undefined;
  /** The request's `returningClient`: used for every list when `recentLists` is not given. */
  readonly returningClient: boolean;
  readonly ipsets: Readonly<Record<string, readonly string[]>> | undefined;
}

/**
 * true / false; a number in (0, 1): matches with that probability (statistic); a string: cannot be
 * decided, for that reason.
 */
export type MatchAnswer = boolean | number | string;
export type Predicate = (ctx: MatchContext) => MatchAnswer;

export type CompiledTarget =
  | { readonly kind: 'none' }
  | { readonly kind: 'accept' | 'drop' | 'return' | 'notrack' }
  /** `rejectWith` undefined: the default, icmp-port-unreachable (icmp6-port-unreachable for IPv6). */
  | { readonly kind: 'reject'; readonly rejectWith: string | undefined }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }
  | { readonly kind: 'dnat' | 'snat'; readonly addr?: string; readonly port?: number; readonly note?: string }
  | { readonly kind: 'masquerade' | 'redirect'; readonly port?: number; readonly note?: string }
  | { readonly kind: 'mark' | 'connmark-set'; readonly op: 'set-xmark' | 'set-mark' | 'or' | 'xor' | 'and'; readonly value: number; readonly mask: number }
  | { readonly kind: 'connmark-save' | 'connmark-restore'; readonly nfmask: number; readonly ctmask: number }
  | { readonly kind: 'noop'; readonly name: string }
  | { readonly kind: 'unsupported'; readonly reason: string };

/**
 * One condition of a rule as plain data, so the hot loop is one switch over monomorphic objects
 * instead of a call through a different closure per rule. Rare conditions keep a closure (FN).
 */
export const enum CheckKind { True, False, Src4, Dst4, Src6, Dst6, Proto, Sport, Dport, Mark, Answer, Fn }

export class Check {
  constructor(
    readonly kind: CheckKind,
    readonly negated: boolean,
    /** Src4/Dst4: network; Sport/Dport: low port; Mark: value. */
    readonly n1: number,
    /** Src4/Dst4: mask; Sport/Dport: high port; Mark: mask. */
    readonly n2: number,
    /** Src6/Dst6: network; */
    readonly b1: bigint,
    /** Src6/Dst6: mask. */
    readonly b2: bigint,
    /** Proto: the protocol; Answer: the fixed answer; Fn: the predicate. */
    readonly x: string | MatchAnswer | Predicate | undefined,
  ) {}
}

const TRUE_CHECK = new Check(CheckKind.True, false, 0, 0, 0n, 0n, undefined);
const FALSE_CHECK = new Check(CheckKind.False, false, 0, 0, 0n, 0n, undefined);

function fnCheck(p: Predicate): Check {
  return new Check(CheckKind.Fn, false, 0, 0, 0n, 0n, p);
}

function negateCheck(c: Check, negated: boolean): Check {
  if (!negated) return c;
  if (c.kind === CheckKind.True) return FALSE_CHECK;
  if (c.kind === CheckKind.False) return TRUE_CHECK;
  if (c.kind === CheckKind.Fn) return fnCheck(negate(c.x as Predicate, true));
  if (c.kind === CheckKind.Answer) return new Check(CheckKind.Answer, false, 0, 0, 0n, 0n, invert(c.x as MatchAnswer));
  return new Check(c.kind, !c.negated, c.n1, c.n2, c.b1, c.b2, c.x);
}

function invert(a: MatchAnswer): MatchAnswer {
  if (typeof a === 'boolean') return !a;
  if (typeof a === 'number') return 1 - a;
  return a;
}

/** Evaluates one condition. */
export function evaluateCheck(c: Check, ctx: MatchContext): MatchAnswer {
  let r: boolean;
  switch (c.kind) {
    case CheckKind.True: return true;
    case CheckKind.False: return false;
    case CheckKind.Src4: r = !ctx.src.v6 && (((ctx.src.n as number) & c.n2) >>> 0) === c.n1; break;
    case CheckKind.Dst4: r = !ctx.dst.v6 && (((ctx.dst.n as number) & c.n2) >>> 0) === c.n1; break;
    case CheckKind.Src6: r = ctx.src.v6 && ((ctx.src.n as bigint) & c.b2) === c.b1; break;
    case CheckKind.Dst6: r = ctx.dst.v6 && ((ctx.dst.n as bigint) & c.b2) === c.b1; break;
    case CheckKind.Proto: r = ctx.packet.proto === c.x; break;
    case CheckKind.Sport: r = ctx.packet.sport >= c.n1 && ctx.packet.sport <= c.n2; break;
    case CheckKind.Dport: r = ctx.packet.dport >= c.n1 && ctx.packet.dport <= c.n2; break;
    case CheckKind.Mark: r = ((ctx.mark & c.n2) >>> 0) === c.n1; break;
    case CheckKind.Answer: return c.x as MatchAnswer;
    case CheckKind.Fn: return (c.x as Predicate)(ctx);
  }
  return c.negated ? !r : r;
}

/** A condition as a check (closures become Fn checks). */
type Cond = Check | Predicate;

function toCheck(c: Cond): Check {
  return c instanceof Check ? c : fnCheck(c);
}

export interface CompiledRule {
  readonly checks: readonly Check[];
  /** `-m recent --set` (and `--update`) lists this rule records the client in when it matches. */
  readonly recentSet: readonly string[];
  readonly target: CompiledTarget;
  /** Only some conditions, no target: compile the whole rule when these pass. */
  readonly partial?: boolean;
}

const always: Predicate = () => true;
const never: Predicate = () => false;
const undecidable = (reason: string): Predicate => () => reason;

function negate(p: Predicate, negated: boolean): Predicate {
  if (!negated) return p;
  return (ctx) => {
    const r = p(ctx);
    if (typeof r === 'boolean') return !r;
    if (typeof r === 'number') return 1 - r;
    return r;
  };
}

function firstValue(opt: RuleOption): string {
  return opt.values[0] ?? '';
}

/** Numbers as iptables prints them: decimal or 0x hex. */
export function parseNumber(text: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16) >>> 0;
  if (/^\d+$/.test(text)) return Number(text) >>> 0;
  return undefined;
}

/** `value[/mask]` with the mask defaulting to all ones. */
export function parseValueMask(text: string): { value: number; mask: number } | undefined {
  const slash = text.indexOf('/');
  const value = parseNumber(slash < 0 ? text : text.slice(0, slash));
  const mask = slash < 0 ? 0xffffffff : parseNumber(text.slice(slash + 1));
  if (value === undefined || mask === undefined) return undefined;
  return { value, mask };
}

// ---------------------------------------------------------------------------------------------
// Base matches

function addressPredicate(opt: RuleOption, which: 'src' | 'dst'): Cond {
  const cidrs: Cidr[] = [];
  for (const v of opt.values.join(',').split(',')) {
    if (v === '') continue;
    const c = parseCidr(v);
    if (!c) return undecidable(`${opt.name} ${opt.values.join(' ')}: not an address or CIDR (a host name?)`);
    cidrs.push(c);
  }
  let p: Predicate;
  if (cidrs.length === 1) {
    const c = cidrs[0];
    const check = c.v6
      ? new Check(which === 'src' ? CheckKind.Src6 : CheckKind.Dst6, opt.negated, 0, 0, c.base, c.mask, undefined)
      : new Check(which === 'src' ? CheckKind.Src4 : CheckKind.Dst4, opt.negated, c.base, c.mask, 0n, 0n, undefined);
    return check;
  } else {
    p = (ctx) => {
      const ip = which === 'src' ? ctx.src : ctx.dst;
      return cidrs.some((c) => cidrContains(c, ip));
    };
  }
  return negate(p, opt.negated);
}

const PROTOCOL_NUMBERS: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '132': 'sctp' };

function protocolPredicate(opt: RuleOption): Cond {
  const raw = firstValue(opt).toLowerCase();
  const proto = PROTOCOL_NUMBERS[raw] ?? raw;
  if (proto === 'all' || proto === '0') return negateCheck(TRUE_CHECK, opt.negated);
  return new Check(CheckKind.Proto, opt.negated, 0, 0, 0n, 0n, proto);
}

function interfacePredicate(opt: RuleOption, which: 'in' | 'out'): Predicate {
  const name = firstValue(opt);
  const wildcard = name.endsWith('+');
  const prefix = wildcard ? name.slice(0, -1) : name;
  const p: Predicate = (ctx) => {
    const iface = which === 'in' ? ctx.inInterface : ctx.outInterface;
    if (iface === undefined) return `${opt.name} ${name}: the ${which === 'in' ? 'incoming' : 'outgoing'} interface is not known (give ${which === 'in' ? 'inInterface' : 'outInterface'})`;
    if (iface === null) return false;
    return wildcard ? iface.startsWith(prefix) : iface === name;
  };
  return negate(p, opt.negated);
}

// ---------------------------------------------------------------------------------------------
// Ports

type PortRange = readonly [number, number];

function parsePortRange(text: string): PortRange | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    return Number.isInteger(n) && n <= 65535 ? [n, n] : undefined;
  }
  const a = text.slice(0, colon);
  const b = text.slice(colon + 1);
  const lo = a === '' ? 0 : /^\d+$/.test(a) ? Number(a) : NaN;
  const hi = b === '' ? 65535 : /^\d+$/.test(b) ? Number(b) : NaN;
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) return undefined;
  return [lo, hi];
}

function portListPredicate(opt: RuleOption, which: 'sport' | 'dport' | 'either'): Cond {
  const ranges: PortRange[] = [];
  for (const v of opt.values.join(',').split(',')) {
    if (v === '') continue;
    const r = parsePortRange(v);
    if (!r) return undecidable(`${opt.name} ${opt.values.join(' ')}: not a port number (a service name?)`);
    ranges.push(r);
  }
  const inRanges = (port: number): boolean => {
    for (const [lo, hi] of ranges) if (port >= lo && port <= hi) return true;
    return false;
  };
  let p: Predicate;
  if (which === 'either') p = (ctx) => inRanges(ctx.packet.sport) || inRanges(ctx.packet.dport);
  else if (ranges.length === 1) {
    const [lo, hi] = ranges[0];
    return new Check(which === 'dport' ? CheckKind.Dport : CheckKind.Sport, opt.negated, lo, hi, 0n, 0n, undefined);
  } else p = which === 'dport' ? (ctx) => inRanges(ctx.packet.dport) : (ctx) => inRanges(ctx.packet.sport);
  return negate(p, opt.negated);
}

const TCP_FLAGS: Readonly<Record<string, number>> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128, ALL: 255, NONE: 0 };

function parseTcpFlags(text: string): number | undefined {
  let n = 0;
  for (const f of text.split(',')) {
    const v = TCP_FLAGS[f.toUpperCase()];
    if (v === undefined) return undefined;
    n |= v;
  }
  return n;
}

/** The first packet of a new TCP connection is a SYN. */
const FIRST_PACKET_FLAGS = TCP_FLAGS.SYN;

// ---------------------------------------------------------------------------------------------
// Modules

const LOCAL_TYPES = new Set(['LOCAL', 'UNICAST', 'MULTICAST', 'BROADCAST']);

/** An address of the node: loopback, or one of its local addresses. */
export function isLocalIp(ctx: Pick<MatchContext, 'localKeys'>, ip: Ip): boolean {
  return isLoopback(ip) || ctx.localKeys.has(ipKey(ip));
}

/** Whether the client is in the named `-m recent` list. */
function inRecentList(ctx: MatchContext, name: string): boolean {
  if (ctx.recent.includes(name)) return true;
  return ctx.recentLists ? ctx.recentLists.includes(name) : ctx.returningClient;
}

function addrtypeType(ctx: MatchContext, ip: Ip): string {
  if (isLocalIp(ctx, ip)) return 'LOCAL';
  if (isMulticast(ip)) return 'MULTICAST';
  if (isLimitedBroadcast(ip)) return 'BROADCAST';
  return 'UNICAST';
}

function compileAddrtype(match: Match): Predicate[] {
  const preds: Predicate[] = [];
  for (const opt of match.options) {
    const name = opt.name;
    if (name === '--limit-iface-in' || name === '--limit-iface-out') {
      preds.push(undecidable(`addrtype ${name}: which interface the address is on is not modelled`));
      continue;
    }
    if (name !== '--src-type' && name !== '--dst-type') {
      preds.push(undecidable(`addrtype option ${name} is not simulated`));
      continue;
    }
    const types = opt.values.join(',').split(',').filter((t) => t !== '').map((t) => t.toUpperCase());
    const unknown = types.find((t) => !LOCAL_TYPES.has(t));
    if (unknown) {
      preds.push(undecidable(`addrtype ${name} ${unknown}: only LOCAL, UNICAST, MULTICAST and BROADCAST are decided`));
      continue;
    }
    const src = name === '--src-type';
    preds.push(negate((ctx) => types.includes(addrtypeType(ctx, src ? ctx.src : ctx.dst)), opt.negated));
  }
  return preds;
}

/**
 * The probability the kernel really applies: iptables stores `--probability p` as the 31-bit
 * integer lround(p · 2^31) and the match is `(random & 0x7fffffff) < that`, so the exact chance is
 * that integer / 2^31. (This is why `iptables-save` prints kube-proxy's 0.3333333333 back as
 * 0.33333333349; both texts give the same probability here.)
 */
export function kernelProbability(p: number): number {
  return Math.round(p * 0x80000000) / 0x80000000;
}

function compileStatistic(match: Match): Cond[] {
  let mode = '';
  let probability: number | undefined;
  let every: number | undefined;
  let negated = false;
  for (const opt of match.options) {
    if (opt.name === '--mode') mode = firstValue(opt);
    else if (opt.name === '--probability') {
      probability = Number(firstValue(opt));
      negated = negated || opt.negated;
    } else if (opt.name === '--every') {
      every = Number(firstValue(opt));
      negated = negated || opt.negated;
    } else if (opt.name === '--packet') {
      // Which packet of every n: the share is 1/n whichever one.
    } else return [undecidable(`statistic option ${opt.name} is not simulated`)];
  }
  let p: number;
  if (mode === 'random') {
    if (probability === undefined || !(probability >= 0 && probability <= 1)) return [undecidable('statistic --mode random without a valid --probability')];
    p = kernelProbability(probability);
  } else if (mode === 'nth') {
    if (every === undefined || !Number.isInteger(every) || every < 1) return [undecidable('statistic --mode nth without a valid --every')];
    p = 1 / every;
  } else return [undecidable(`statistic --mode ${mode || '(none)'} is not simulated`)];
  if (negated) p = 1 - p;
  const answer: MatchAnswer = p >= 1 ? true : p <= 0 ? false : p;
  return [new Check(CheckKind.Answer, false, 0, 0, 0n, 0n, answer)];
}

function compileMark(match: Match, which: 'mark' | 'ctmark'): Cond[] {
  const preds: Cond[] = [];
  for (const opt of match.options) {
    if (opt.name !== '--mark') {
      preds.push(undecidable(`${match.module} option ${opt.name} is not simulated`));
      continue;
    }
    const vm = parseValueMask(firstValue(opt));
    if (!vm) {
      preds.push(undecidable(`${match.module} --mark ${firstValue(opt)}: not a mark`));
      continue;
    }
    const { value, mask } = vm;
    preds.push(which === 'mark'
      ? new Check(CheckKind.Mark, opt.negated, value, mask, 0n, 0n, undefined)
      : negate((ctx) => ((ctx.ctmark & mask) >>> 0) === value, opt.negated));
  }
  return preds;
}

function ctStates(ctx: MatchContext): Set<string> {
  const s = new Set<string>();
  if (ctx.untracked) s.add('UNTRACKED');
  else s.add('NEW');
  if (ctx.dnatDone) s.add('DNAT');
  if (ctx.snatDone) s.add('SNAT');
  return s;
}

function compileConntrack(match: Match): Predicate[] {
  const preds: Predicate[] = [];
  for (const opt of match.options) {
    const values = opt.values.join(',').split(',').filter((v) => v !== '').map((v) => v.toUpperCase());
    switch (opt.name) {
      case '--ctstate':
      case '--state':
        preds.push(negate((ctx) => {
          const states = ctStates(ctx);
          return values.some((v) => states.has(v));
        }, opt.negated));
        break;
      case '--ctstatus':
        preds.push(negate((ctx) => values.some((v) => (v === 'CONFIRMED' ? ctx.confirmed : v === 'NONE' ? !ctx.confirmed : false)), opt.negated));
        break;
      case '--ctproto': {
        const proto = PROTOCOL_NUMBERS[firstValue(opt)] ?? firstValue(opt).toLowerCase();
        preds.push(negate((ctx) => ctx.original.proto === proto, opt.negated));
        break;
      }
      case '--ctdir':
        preds.push(negate(() => values[0] === 'ORIGINAL', opt.negated));
        break;
      default: {
        // Tuple fields. The reply tuple of a new connection is the inverse of the packet after NAT.
        const address = CT_ADDRESS_FIELDS[opt.name];
        const port = CT_PORT_FIELDS[opt.name];
        if (address) {
          const c = parseCidr(firstValue(opt));
          preds.push(c ? negate((ctx) => cidrContains(c, address(ctx)), opt.negated) : undecidable(`conntrack ${opt.name} ${firstValue(opt)}: not an address`));
        } else if (port) {
          const r = parsePortRange(firstValue(opt));
          preds.push(r ? negate((ctx) => port(ctx) >= r[0] && port(ctx) <= r[1], opt.negated) : undecidable(`conntrack ${opt.name} ${firstValue(opt)}: not a port`));
        } else {
          preds.push(undecidable(`conntrack ${opt.name} is not simulated`));
        }
      }
    }
  }
  return preds;
}

const CT_ADDRESS_FIELDS: Readonly<Record<string, (ctx: MatchContext) => Ip>> = {
  '--ctorigsrc': (ctx) => ctx.originalSrc,
  '--ctorigdst': (ctx) => ctx.originalDst,
  '--ctreplsrc': (ctx) => ctx.dst,
  '--ctrepldst': (ctx) => ctx.src,
};
const CT_PORT_FIELDS: Readonly<Record<string, (ctx: MatchContext) => number>> = {
  '--ctorigsrcport': (ctx) => ctx.original.sport,
  '--ctorigdstport': (ctx) => ctx.original.dport,
  '--ctreplsrcport': (ctx) => ctx.packet.dport,
  '--ctrepldstport': (ctx) => ctx.packet.sport,
};


function compileRecent(match: Match, recentSet: string[]): Predicate[] {
  let name = 'DEFAULT';
  let mode: 'set' | 'rcheck' | 'update' | 'remove' | undefined;
  let negated = false;
  const preds: Predicate[] = [];
  for (const opt of match.options) {
    switch (opt.name) {
      case '--name': name = firstValue(opt); break;
      case '--set': case '--rcheck': case '--update': case '--remove':
        mode = opt.name.slice(2) as typeof mode;
        negated = opt.negated;
        break;
      case '--rdest':
        preds.push(undecidable('recent --rdest: lists keyed by destination are not modelled'));
        break;
      // Modifiers: a returning client is assumed to be within --seconds / --hitcount.
      case '--seconds': case '--reap': case '--hitcount': case '--rttl': case '--rsource': case '--mask': break;
      default: preds.push(undecidable(`recent option ${opt.name} is not simulated`));
    }
  }
  if (mode === undefined) return [...preds, undecidable('recent without --set/--rcheck/--update/--remove')];
  if (mode === 'set') {
    recentSet.push(name);
    preds.push(negated ? never : always);
    return preds;
  }
  if (mode === 'update') recentSet.push(name);
  const list = name;
  preds.push(negate((ctx) => inRecentList(ctx, list), negated));
  return preds;
}

/** One entry of an ipset listing against the dimensions `src,dst,...`. */
function ipsetEntryMatches(entry: string, dims: readonly string[], ctx: MatchContext): boolean | string {
  const parts = entry.trim().split(',');
  if (parts.length < dims.length) return false;
  for (let i = 0; i < dims.length; i++) {
    const part = parts[i];
    const dim = dims[i];
    const colon = part.indexOf(':');
    const looksLikePort = /^(tcp|udp|sctp):\d+(-\d+)?$/i.test(part) || /^\d+$/.test(part);
    if (looksLikePort) {
      const proto = colon >= 0 ? part.slice(0, colon).toLowerCase() : ctx.packet.proto;
      const [lo, hi] = (colon >= 0 ? part.slice(colon + 1) : part).split('-').map(Number);
      const port = dim === 'src' ? ctx.packet.sport : ctx.packet.dport;
      if (proto !== ctx.packet.proto || port < lo || port > (hi ?? lo)) return false;
      continue;
    }
    const range = part.includes('-') ? parseIpRange(part) : undefined;
    const ip = dim === 'src' ? ctx.src : ctx.dst;
    if (range) {
      if (!rangeContains(range, ip)) return false;
      continue;
    }
    const cidr = parseCidr(part);
    if (!cidr) return `ipset entry ${entry} is not understood`;
    if (!cidrContains(cidr, ip)) return false;
  }
  return true;
}

function compileSet(match: Match): Predicate[] {
  const preds: Predicate[] = [];
  for (const opt of match.options) {
    if (opt.name === '--match-set') {
      const setName = opt.values[0] ?? '';
      const dims = (opt.values[1] ?? 'src').split(',');
      preds.push(negate((ctx) => {
        const entries = ctx.ipsets?.[setName];
        if (!entries) return `-m set --match-set ${setName}: no ipset listing given for this set`;
        for (const e of entries) {
          const r = ipsetEntryMatches(e, dims, ctx);
          if (r === true) return true;
          if (typeof r === 'string') return r;
        }
        return false;
      }, opt.negated));
    } else if (opt.name === '--return-nomatch' || opt.name === '--packets-gt' || opt.name === '--bytes-gt') {
      preds.push(undecidable(`set option ${opt.name} is not simulated`));
    }
    // --update-counters, --update-subcounters, --no-update-counters: no effect on the match.
  }
  return preds;
}

function compileIprange(match: Match): Predicate[] {
  return match.options.map((opt) => {
    if (opt.name !== '--src-range' && opt.name !== '--dst-range') return undecidable(`iprange option ${opt.name} is not simulated`);
    const r = parseIpRange(firstValue(opt));
    if (!r) return undecidable(`iprange ${opt.name} ${firstValue(opt)}: not an address range`);
    const src = opt.name === '--src-range';
    return negate((ctx) => rangeContains(r, src ? ctx.src : ctx.dst), opt.negated);
  });
}

/** tcp/udp/sctp/udplite/dccp options (and the same options on the base match when written with -p alone). */
function compileProtocolOption(opt: RuleOption, module: string): Cond {
  const name = canonicalOptionName(opt.name);
  if (name === '--dport') return portListPredicate(opt, 'dport');
  if (name === '--sport') return portListPredicate(opt, 'sport');
  if (module === 'tcp' && name === '--syn') return negate(() => true, opt.negated);
  if (module === 'tcp' && name === '--tcp-flags') {
    const mask = parseTcpFlags(opt.values[0] ?? '');
    const comp = parseTcpFlags(opt.values[1] ?? '');
    if (mask === undefined || comp === undefined) return undecidable(`--tcp-flags ${opt.values.join(' ')}: not understood`);
    return negate(() => (FIRST_PACKET_FLAGS & mask) === comp, opt.negated);
  }
  return undecidable(`${module} option ${opt.name} is not simulated`);
}

/** Modules that never change the verdict of the first packet of a connection. */
const NO_EFFECT_MODULES = new Set(['comment', 'nfacct', 'limit', 'hashlimit']);
const PROTOCOL_MODULES = new Set(['tcp', 'udp', 'sctp', 'udplite', 'dccp']);
/** Modules for protocols the simulator's packets never have. */
const OTHER_PROTOCOL_MODULES = new Set(['icmp', 'icmp6', 'icmpv6', 'mh', 'ah', 'esp']);

function compileMatch(match: Match, recentSet: string[]): Cond[] {
  const m = match.module;
  if (m === '') {
    const preds: Cond[] = [];
    for (const opt of match.options) {
      const name = canonicalOptionName(opt.name);
      switch (name) {
        case '-s': preds.push(addressPredicate(opt, 'src')); break;
        case '-d': preds.push(addressPredicate(opt, 'dst')); break;
        case '-p': preds.push(protocolPredicate(opt)); break;
        case '-i': preds.push(interfacePredicate(opt, 'in')); break;
        case '-o': preds.push(interfacePredicate(opt, 'out')); break;
        // The first packet of a connection is never a second fragment.
        case '-f': preds.push(negate(never, opt.negated)); break;
        case '-4': case '-6': break;
        case '--dport': case '--sport': preds.push(compileProtocolOption(opt, 'tcp')); break;
        default: preds.push(undecidable(`option ${opt.name} is not simulated`));
      }
    }
    return preds;
  }
  if (NO_EFFECT_MODULES.has(m)) return [];
  if (PROTOCOL_MODULES.has(m)) {
    const proto = m;
    const preds: Cond[] = [new Check(CheckKind.Proto, false, 0, 0, 0n, 0n, proto)];
    for (const opt of match.options) preds.push(compileProtocolOption(opt, m));
    return preds;
  }
  if (OTHER_PROTOCOL_MODULES.has(m)) return [FALSE_CHECK];
  switch (m) {
    case 'multiport':
      return match.options.map((opt): Cond => {
        const name = canonicalOptionName(opt.name);
        if (name === '--dports') return portListPredicate(opt, 'dport');
        if (name === '--sports') return portListPredicate(opt, 'sport');
        if (name === '--ports') return portListPredicate(opt, 'either');
        return undecidable(`multiport option ${opt.name} is not simulated`);
      });
    case 'addrtype': return compileAddrtype(match);
    case 'statistic': return compileStatistic(match);
    case 'mark': return compileMark(match, 'mark');
    case 'connmark': return compileMark(match, 'ctmark');
    case 'conntrack': case 'state': return compileConntrack(match);
    case 'recent': return compileRecent(match, recentSet);
    case 'set': return compileSet(match);
    case 'iprange': return compileIprange(match);
    // A new connection has no helper.
    case 'helper': return match.options.map((opt) => negate(never, opt.negated));
    case 'physdev': return [undecidable('-m physdev: bridge ports are not modelled')];
    default: return [undecidable(`-m ${m} is not simulated`)];
  }
}

// ---------------------------------------------------------------------------------------------
// Targets

function targetOption(rule: Rule, ...names: string[]): RuleOption | undefined {
  return rule.target?.options.find((o) => names.includes(o.name));
}

/** `ip`, `ip:port`, `[v6]:port`, `a-b:p1-p2`, `:port`: the first address and port, noting ranges. */
function parseNatTo(text: string): { addr?: string; port?: number; note?: string; error?: string } {
  let addr = text;
  let ports: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { error: `${text}: unclosed [` };
    addr = text.slice(1, close);
    if (text[close + 1] === ':') ports = text.slice(close + 2);
  } else {
    const colons = text.split(':').length - 1;
    if (colons === 1) {
      const i = text.indexOf(':');
      addr = text.slice(0, i);
      ports = text.slice(i + 1);
    }
  }
  const notes: string[] = [];
  const out: { addr?: string; port?: number; note?: string; error?: string } = {};
  if (addr !== '') {
    const range = parseIpRange(addr);
    if (!range) return { error: `${text}: not an address` };
    const first = addr.includes('-') ? addr.slice(0, addr.indexOf('-')) : addr;
    if (addr.includes('-')) notes.push(`address range ${addr}: took the first address ${first} (assumed)`);
    out.addr = first;
  }
  if (ports !== undefined && ports !== '') {
    const first = ports.split('-')[0];
    const n = Number(first);
    if (!/^\d+$/.test(first) || n > 65535) return { error: `${text}: not a port` };
    if (ports.includes('-')) notes.push(`port range ${ports}: took the first port ${first} (assumed)`);
    out.port = n;
  }
  if (notes.length > 0) out.note = notes.join('; ');
  return out;
}

function compileNat(rule: Rule, kind: 'dnat' | 'snat'): CompiledTarget {
  const opt = targetOption(rule, kind === 'dnat' ? '--to-destination' : '--to-source', '--to');
  if (!opt || opt.values.length === 0) return { kind: 'unsupported', reason: `${kind.toUpperCase()} without ${kind === 'dnat' ? '--to-destination' : '--to-source'}` };
  const parsed = parseNatTo(firstValue(opt));
  if (parsed.error !== undefined) return { kind: 'unsupported', reason: `${kind.toUpperCase()} ${parsed.error}` };
  const target: { kind: 'dnat' | 'snat'; addr?: string; port?: number; note?: string } = { kind };
  if (parsed.addr !== undefined) target.addr = parsed.addr;
  if (parsed.port !== undefined) target.port = parsed.port;
  const multiple = rule.target?.options.filter((o) => o.name === opt.name).length ?? 0;
  const notes = [parsed.note, multiple > 1 ? `${multiple} ${opt.name} options: took the first (assumed)` : undefined].filter((n): n is string => !!n);
  if (notes.length > 0) target.note = notes.join('; ');
  return target;
}

function compileToPorts(rule: Rule, kind: 'masquerade' | 'redirect'): CompiledTarget {
  const opt = targetOption(rule, '--to-ports');
  if (!opt) return { kind };
  const text = firstValue(opt);
  const first = text.split('-')[0];
  if (!/^\d+$/.test(first)) return { kind: 'unsupported', reason: `${kind.toUpperCase()} --to-ports ${text}: not a port` };
  return text.includes('-') ? { kind, port: Number(first), note: `port range ${text}: took the first port ${first} (assumed)` } : { kind, port: Number(first) };
}

function compileMarkTarget(rule: Rule, kind: 'mark' | 'connmark-set'): CompiledTarget {
  const ops: Readonly<Record<string, 'set-xmark' | 'set-mark' | 'or' | 'xor' | 'and'>> = {
    '--set-xmark': 'set-xmark', '--set-mark': 'set-mark', '--or-mark': 'or', '--xor-mark': 'xor', '--and-mark': 'and',
  };
  for (const opt of rule.target?.options ?? []) {
    const op = ops[opt.name];
    if (!op) continue;
    const vm = parseValueMask(firstValue(opt));
    if (!vm) return { kind: 'unsupported', reason: `${rule.target?.name} ${opt.name} ${firstValue(opt)}: not a mark` };
    return { kind, op, value: vm.value, mask: vm.mask };
  }
  return { kind: 'unsupported', reason: `${rule.target?.name} without a mark operation` };
}

function compileConnmark(rule: Rule): CompiledTarget {
  const opts = rule.target?.options ?? [];
  const save = opts.find((o) => o.name === '--save-mark');
  const restore = opts.find((o) => o.name === '--restore-mark');
  if (save || restore) {
    const nf = opts.find((o) => o.name === '--nfmask' || o.name === '--mask');
    const ct = opts.find((o) => o.name === '--ctmask' || o.name === '--mask');
    const nfmask = nf ? parseNumber(firstValue(nf)) ?? 0xffffffff : 0xffffffff;
    const ctmask = ct ? parseNumber(firstValue(ct)) ?? 0xffffffff : 0xffffffff;
    return { kind: save ? 'connmark-save' : 'connmark-restore', nfmask, ctmask };
  }
  return compileMarkTarget(rule, 'connmark-set');
}

/** Targets that let the packet go on to the next rule and do not change what the simulator models. */
const CONTINUE_TARGETS = new Set([
  'LOG', 'NFLOG', 'ULOG', 'TRACE', 'AUDIT', 'TCPMSS', 'CHECKSUM', 'TOS', 'DSCP', 'TTL', 'HL', 'CLASSIFY',
  'SECMARK', 'CONNSECMARK', 'SET', 'IDLETIMER', 'LED', 'TEE', 'RATEEST', 'ECN', 'TCPOPTSTRIP',
]);

function compileTarget(rule: Rule, isChain: (name: string) => boolean): CompiledTarget {
  const t = rule.target;
  if (!t) return { kind: 'none' };
  switch (t.name) {
    case 'ACCEPT': return { kind: 'accept' };
    case 'DROP': return { kind: 'drop' };
    case 'RETURN': return { kind: 'return' };
    case 'REJECT': {
      const w = targetOption(rule, '--reject-with');
      return { kind: 'reject', rejectWith: w ? firstValue(w) : undefined };
    }
    case 'DNAT': return compileNat(rule, 'dnat');
    case 'SNAT': return compileNat(rule, 'snat');
    case 'MASQUERADE': return compileToPorts(rule, 'masquerade');
    case 'REDIRECT': return compileToPorts(rule, 'redirect');
    case 'MARK': return compileMarkTarget(rule, 'mark');
    case 'CONNMARK': return compileConnmark(rule);
    case 'NOTRACK': return { kind: 'notrack' };
    case 'CT':
      return targetOption(rule, '--notrack') ? { kind: 'notrack' } : { kind: 'noop', name: 'CT' };
  }
  if (CONTINUE_TARGETS.has(t.name)) return { kind: 'noop', name: t.name };
  if (isChain(t.name) || !/^[A-Z]+$/.test(t.name)) return { kind: t.kind, chain: t.name };
  return { kind: 'unsupported', reason: `target ${t.name} is not simulated` };
}

const DST_NAMES = new Set(['-d', '--destination', '--dst']);
const DPORT_NAMES = new Set(['--dport', '--destination-port']);
const PORT_MODULES = new Set(['', 'tcp', 'udp', 'sctp']);

function parsePlainPort(text: string): number {
  let n = 0;
  if (text.length === 0 || text.length > 5) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * A partial compile, for the first time a rule is met: just its plain (not negated, single) `-d`
 * IPv4 address or `--dport`, as one check, marked `partial`. A false partial check means the rule
 * does not match whatever its other conditions say, which is the common case (KUBE-SERVICES has a
 * rule per Service); when the partial check passes, the caller compiles the whole rule. This keeps
 * the first trace through 10,000 Services from compiling 9,999 rules it never needs.
 */
export function compileRulePartially(rule: Rule): CompiledRule | undefined {
  let port: Check | undefined;
  for (const match of rule.matches) {
    const base = match.module === '';
    if (!base && !PORT_MODULES.has(match.module)) continue;
    for (const opt of match.options) {
      if (opt.negated || opt.values.length !== 1) continue;
      const v = opt.values[0];
      if (base && DST_NAMES.has(opt.name)) {
        const slash = v.indexOf('/');
        if (slash >= 0 && v.slice(slash + 1) !== '32') continue;
        const ip = parseIpv4(slash >= 0 ? v.slice(0, slash) : v);
        if (ip !== undefined) return { checks: [new Check(CheckKind.Dst4, false, ip, 0xffffffff, 0n, 0n, undefined)], recentSet: NO_NAMES, target: NO_TARGET, partial: true };
      } else if (port === undefined && DPORT_NAMES.has(opt.name)) {
        const n = parsePlainPort(v);
        if (n >= 0) port = new Check(CheckKind.Dport, false, n, n, 0n, 0n, undefined);
      }
    }
  }
  return port ? { checks: [port], recentSet: NO_NAMES, target: NO_TARGET, partial: true } : undefined;
}

const NO_NAMES: readonly string[] = [];
const NO_TARGET: CompiledTarget = { kind: 'none' };

/** Compiles a rule. `isChain` tells whether a target name is a chain of the rule's table. */
export function compileRule(rule: Rule, isChain: (name: string) => boolean): CompiledRule {
  const recentSet: string[] = [];
  const checks: Check[] = [];
  for (const match of rule.matches) {
    for (const c of compileMatch(match, recentSet)) if (c !== TRUE_CHECK) checks.push(toCheck(c));
  }
  return { checks, recentSet: recentSet.length > 0 ? recentSet : NO_NAMES, target: compileTarget(rule, isChain) };
}
