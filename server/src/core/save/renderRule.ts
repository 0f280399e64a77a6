import { BUILTIN_TARGETS, type ParseError } from '../iptables/model';
import type { Token } from '../iptables/tokenize';
import { quoteWord } from '../iptables/tokenize';
import type { Span } from '../text/span';
import { formatNetwork, isAnyNetwork, parseNetwork, type Family, type Network } from './addresses';
import { MATCHES, STANDARD_TARGETS, TARGETS, type Extension, type Opt, type RenderContext } from './extensions';
import { parseUintBase0 } from './marks';

/**
 * One rule specification (the words after `-A CHAIN`) rendered the way iptables-save prints it
 * after the kernel has it: `[!] -s`, `[!] -d`, `[!] -i`, `[!] -o`, `[!] -p`, `[!] -f` first, then
 * every match in load order (`-m tcp` appears where `--dport` made iptables load it when it was
 * not named), then `-j TARGET` and its options in the target's own order. A comma list in `-s` /
 * `-d` becomes one rule per address pair, as iptables does. Never throws.
 */

export interface RenderedRule {
  /** The saved spec of each rule this line adds (usually one), without `-A CHAIN`. */
  readonly specs: readonly string[];
  /** The target's name (chain or extension), when there is one. */
  readonly target?: string;
  readonly errors: readonly ParseError[];
}

export interface RuleEnv {
  readonly family: Family;
  /** nft refuses a few things legacy takes (a negated `/0` address). Default legacy. */
  readonly flavour?: 'legacy' | 'nft';
  readonly table: string;
  /** True when `name` is a chain of this table at this point of the restore. */
  chainExists(name: string): boolean;
  /** The nfacct objects that exist; undefined = assume every named one exists. */
  readonly nfacctObjects?: ReadonlySet<string>;
  /** Extension targets that are not modelled but may exist in the kernel (passed through with a warning). Default: the model's BUILTIN_TARGETS. */
  readonly knownTargetNames?: ReadonlySet<string>;
}

/** /etc/protocols (Debian netbase) names iptables-save prints, by number. */
const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp', 2: 'igmp', 4: 'ipencap', 6: 'tcp', 17: 'udp', 33: 'dccp', 41: 'ipv6', 47: 'gre', 50: 'esp', 51: 'ah',
  58: 'ipv6-icmp', 89: 'ospf', 94: 'ipip', 103: 'pim', 112: 'vrrp', 132: 'sctp', 135: 'mobility-header', 136: 'udplite',
};
const PROTO_ALIASES: Readonly<Record<string, number>> = { icmpv6: 58, icmp6: 58, 'ipv6-icmp': 58, mh: 135, 'ipv6-mh': 135 };

export function parseProtocol(text: string): number | undefined {
  const n = parseUintBase0(text, 255);
  if (n !== undefined) return n;
  const l = text.toLowerCase();
  if (l === 'all') return 0;
  for (const [num, name] of Object.entries(PROTO_NAMES)) if (name === l) return Number(num);
  return PROTO_ALIASES[l];
}

export function protocolName(n: number): string {
  return PROTO_NAMES[n] ?? String(n);
}

interface IpOpt {
  readonly negated: boolean;
  readonly value: string;
  readonly span: Span;
}

interface LoadedMatch {
  readonly name: string;
  /** A later `-m` of the same name completes this one: its options go to the newer copy. */
  completed?: boolean;
  readonly ext?: Extension;
  readonly opts: Opt[];
  readonly span: Span;
}

interface LoadedTarget {
  readonly name: string;
  readonly kind: 'jump' | 'goto';
  readonly ext?: Extension;
  readonly opts: Opt[];
  readonly span: Span;
}

const IP_OPTS: Readonly<Record<string, 's' | 'd' | 'i' | 'o' | 'p' | 'f' | 'm' | 'j' | 'g' | 'c'>> = {
  '-s': 's', '--source': 's', '--src': 's',
  '-d': 'd', '--destination': 'd', '--dst': 'd',
  '-i': 'i', '--in-interface': 'i',
  '-o': 'o', '--out-interface': 'o',
  '-p': 'p', '--protocol': 'p',
  '-f': 'f', '--fragment': 'f',
  '-m': 'm', '--match': 'm',
  '-j': 'j', '--jump': 'j',
  '-g': 'g', '--goto': 'g',
  '-c': 'c', '--set-counters': 'c',
};

export function renderRuleSpec(tokens: readonly Token[], env: RuleEnv): RenderedRule {
  const errors: ParseError[] = [];
  const error = (message: string, span: Span): void => void errors.push({ message, span, severity: 'error' });
  const warn = (message: string, span: Span): void => void errors.push({ message, span, severity: 'warning' });

  const ip: Partial<Record<'s' | 'd' | 'i' | 'o' | 'p' | 'f', IpOpt>> = {};
  const matches: LoadedMatch[] = [];
  let target: LoadedTarget | undefined;
  let lastAdded: { opts: Opt[] } | undefined;
  let pendingNeg: Span | undefined;
  let protoNumber: number | undefined;
  let protoImplicitLoaded = false;

  const take = (i: number, what: string, at: Span): string | undefined => {
    const t = tokens[i];
    if (!t) {
      error(`option "${what}" requires an argument`, at);
      return undefined;
    }
    return t.text;
  };

  let i = 0;
  while (i < tokens.length) {
    const tok = tokens[i];
    const t = tok.text;
    if (t === '!' && !tok.quoted) {
      if (pendingNeg) error('multiple "!" flags not allowed', tok.span);
      pendingNeg = tok.span;
      i++;
      continue;
    }
    if (!t.startsWith('-') || t === '-' || tok.quoted) {
      error(`Bad argument \`${t}'`, tok.span);
      i++;
      continue;
    }
    const negated = pendingNeg !== undefined;
    const negSpan = pendingNeg;
    pendingNeg = undefined;
    const optSpan: Span = { start: negSpan?.start ?? tok.span.start, end: tok.span.end };
    const kind = IP_OPTS[t];
    if (kind) {
      if (kind === 'f') {
        if (env.family === 'ipv6') error('-f is not supported by ip6tables', tok.span);
        ip.f = { negated, value: '', span: optSpan };
        i++;
        continue;
      }
      const v = take(i + 1, t, tok.span);
      const vspan = tokens[i + 1]?.span ?? tok.span;
      const fullSpan: Span = { start: optSpan.start, end: vspan.end };
      if (v === undefined) {
        i++;
        continue;
      }
      if (kind === 'c') {
        i += 3;
        continue;
      }
      i += 2;
      if (v === '!' && (kind === 's' || kind === 'd' || kind === 'i' || kind === 'o' || kind === 'p')) {
        error(`Using intrapositioned negation (\`${t} ! this\`) is not supported; use \`! ${t} this\``, fullSpan);
        continue;
      }
      if (kind === 's' || kind === 'd' || kind === 'i' || kind === 'o' || kind === 'p') {
        if (ip[kind]) error(`multiple ${t} flags not allowed`, fullSpan);
        ip[kind] = { negated, value: v, span: fullSpan };
        if (kind === 'p') {
          protoNumber = parseProtocol(v);
          if (protoNumber === undefined) error(`unknown protocol "${v}" specified`, fullSpan);
          else if (protoNumber === 0 && negated) error('rule would never match protocol', fullSpan);
        }
        if ((kind === 'i' || kind === 'o') && v.length > 15) error(`interface name \`${v}' must be shorter than 16 characters`, fullSpan);
        continue;
      }
      if (kind === 'm') {
        if (negated) error('unexpected "!" flag before --match', fullSpan);
        const m: LoadedMatch = { name: v, ext: MATCHES[v], opts: [], span: fullSpan };
        for (const earlier of matches) if (earlier.name === v) earlier.completed = true;
        if (!m.ext) warn(`match "${v}" is not modelled; its options are copied as written`, fullSpan);
        matches.push(m);
        lastAdded = m;
        continue;
      }
      // -j / -g
      if (target) error('multiple -j flags not allowed', fullSpan);
      const ext = TARGETS[v];
      target = { name: v, kind: kind === 'g' ? 'goto' : 'jump', ext, opts: [], span: fullSpan };
      lastAdded = target;
      if (kind === 'g' && (ext || STANDARD_TARGETS.has(v))) error(`goto "${v}" must name a user chain`, fullSpan);
      if (!ext && !STANDARD_TARGETS.has(v) && !env.chainExists(v)) {
        if ((env.knownTargetNames ?? BUILTIN_TARGETS).has(v)) warn(`target "${v}" is not modelled; its options are copied as written`, fullSpan);
        else error(`Couldn't load target \`${v}': No chain/target/match by that name`, fullSpan);
      }
      continue;
    }
    // getopt_long takes an unambiguous prefix of a long option it knows (the global ones and
    // those of every loaded extension), e.g. `--source-port` for multiport's `--source-ports`.
    const name = resolveAbbreviation(t, target?.ext, matches);
    if (name === AMBIGUOUS) {
      error(`option "${t}" is ambiguous`, optSpan);
      i++;
      continue;
    }
    if (name !== t && IP_OPTS[name]) {
      error(`option "${t}" abbreviates "${name}", which formatSave does not resolve`, optSpan);
      i++;
      continue;
    }
    // An extension option: the target first, then the matches in load order, then the protocol's match.
    let owner: { opts: Opt[] } | undefined;
    let ospec = target?.ext?.options[name];
    if (ospec) owner = target;
    if (!owner) {
      for (const m of matches) {
        if (m.completed) continue;
        const s = m.ext?.options[name];
        if (s) {
          owner = m;
          ospec = s;
          break;
        }
      }
    }
    if (!owner && protoNumber !== undefined && !ip.p?.negated && !protoImplicitLoaded) {
      const pname = protocolName(protoNumber);
      const ext = MATCHES[pname];
      const s = ext?.options[t];
      if (ext && s && !matches.some((m) => m.name === pname)) {
        const m: LoadedMatch = { name: pname, ext, opts: [], span: tok.span };
        matches.push(m);
        protoImplicitLoaded = true;
        owner = m;
        ospec = s;
      }
    }
    if (!owner || !ospec) {
      // An option of a modelled extension that is not loaded (yet): iptables refuses it.
      if (Object.values(MATCHES).some((e) => e.options[t]) || Object.values(TARGETS).some((e) => e.options[t])) {
        error(`unknown option "${t}"`, optSpan);
        i++;
        continue;
      }
      // Unknown: copied as written with the words that follow it, attached to the last extension.
      const values: string[] = [];
      let j = i + 1;
      while (j < tokens.length && !(tokens[j].text.startsWith('-') && !tokens[j].quoted) && tokens[j].text !== '!') values.push(tokens[j++].text);
      const host = lastAdded;
      if (!host) error(`unknown option "${t}"`, optSpan);
      else {
        warn(`unknown option "${t}" copied as written`, optSpan);
        host.opts.push({ name: t, values, negated, span: optSpan, passThrough: true });
      }
      i = j;
      continue;
    }
    const values: string[] = [];
    for (let k = 0; k < ospec.arity; k++) {
      const v = take(i + 1 + k, t, tok.span);
      if (v === undefined) break;
      values.push(v);
    }
    const end = tokens[i + ospec.arity]?.span.end ?? tok.span.end;
    const protoAtParse = protoNumber !== undefined && !ip.p?.negated ? protocolName(protoNumber) : undefined;
    owner.opts.push({ name: ospec.canonical, values, negated, span: { start: optSpan.start, end }, protoAtParse });
    i += 1 + ospec.arity;
  }
  if (pendingNeg) error('"!" at the end of the rule', pendingNeg);

  // ---- render --------------------------------------------------------------------------------
  const ctx: RenderContext = {
    family: env.family,
    flavour: env.flavour,
    proto: protoNumber !== undefined && !ip.p?.negated ? protocolName(protoNumber) : undefined,
    table: env.table,
    nfacctObjects: env.nfacctObjects,
    error,
    warn,
  };
  let middle = '';
  for (const k of ['i', 'o'] as const) {
    const o = ip[k];
    if (o) middle += `${o.negated ? ' !' : ''} -${k} ${o.value}`;
  }
  if (ip.p && protoNumber !== undefined && protoNumber !== 0) middle += `${ip.p.negated ? ' !' : ''} -p ${protocolName(protoNumber)}`;
  if (ip.f) middle += `${ip.f.negated ? ' !' : ''} -f`;

  let tail = '';
  for (const m of matches) {
    const known = m.opts.filter((o) => !o.passThrough);
    const body = m.ext ? m.ext.render(known, ctx) : '';
    if (body === null) continue;
    tail += ` -m ${m.name}${body}${renderPassThrough(m.opts)}`;
  }
  if (target) {
    tail += ` ${target.kind === 'goto' ? '-g' : '-j'} ${target.name}`;
    const known = target.opts.filter((o) => !o.passThrough);
    if (target.ext) tail += target.ext.render(known, ctx) ?? '';
    tail += renderPassThrough(target.opts);
  }

  const nets = (o: IpOpt | undefined): Array<{ neg: boolean; net?: Network }> => {
    if (!o) return [{ neg: false }];
    const out: Array<{ neg: boolean; net?: Network }> = [];
    for (const part of o.value.split(',')) {
      const net = parseNetwork(part, env.family);
      if (!net) {
        error(`host/network \`${part}' not found`, o.span);
        continue;
      }
      out.push({ neg: o.negated, net });
    }
    if (out.length > 1 && o.negated) error('! not allowed with multiple source or destination IP addresses', o.span);
    if (env.flavour === 'nft' && o.negated && out.some((x) => x.net && isAnyNetwork(x.net))) {
      error('RULE_APPEND failed (Invalid argument): iptables-nft cannot negate a /0 address', o.span);
    }
    return out.length ? out : [{ neg: false }];
  };
  const srcs = nets(ip.s);
  const dsts = nets(ip.d);
  const specs: string[] = [];
  const addr = (flag: string, x: { neg: boolean; net?: Network }): string => {
    if (!x.net || (isAnyNetwork(x.net) && !x.neg)) return '';
    return `${x.neg ? ' !' : ''} ${flag} ${formatNetwork(x.net, env.family)}`;
  };
  for (const s of srcs) for (const d of dsts) specs.push(addr('-s', s) + addr('-d', d) + middle + tail);
  return target ? { specs, target: target.name, errors } : { specs, errors };
}

const AMBIGUOUS = '\u0000ambiguous';

/** iptables' own long options (the global table getopt sees besides the extensions'). */
const GLOBAL_LONG = [
  '--append', '--delete', '--check', '--insert', '--replace', '--list', '--list-rules', '--flush', '--zero', '--new-chain',
  '--delete-chain', '--policy', '--rename-chain', '--source', '--destination', '--src', '--dst', '--protocol',
  '--in-interface', '--jump', '--table', '--match', '--numeric', '--out-interface', '--verbose', '--wait',
  '--wait-interval', '--exact', '--fragment', '--version', '--help', '--line-numbers', '--modprobe', '--set-counters',
  '--goto', '--ipv4', '--ipv6',
];

/** The long option getopt_long would take `t` for: itself, the one option it abbreviates, or AMBIGUOUS. */
function resolveAbbreviation(t: string, target: Extension | undefined, matches: readonly LoadedMatch[]): string {
  if (!t.startsWith('--')) return t;
  const names = new Set<string>(GLOBAL_LONG);
  for (const n of Object.keys(target?.options ?? {})) names.add(n);
  for (const m of matches) for (const n of Object.keys(m.ext?.options ?? {})) names.add(n);
  if (names.has(t)) return t;
  const hits = [...names].filter((n) => n.startsWith(t));
  if (hits.length === 0) return t;
  if (hits.length === 1) return hits[0];
  // Several names may still be one option (e.g. two loaded copies of the same match).
  return AMBIGUOUS;
}

function renderPassThrough(opts: readonly Opt[]): string {
  let out = '';
  for (const o of opts) {
    if (!o.passThrough) continue;
    out += `${o.negated ? ' !' : ''} ${o.name}`;
    for (const v of o.values) out += ` ${quoteWord(v)}`;
  }
  return out;
}
