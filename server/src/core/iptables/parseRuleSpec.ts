import type { Counters, Match, ParseError, RuleOption, Target } from './model';
import type { WordScanner } from './scanWords';

/**
 * Turns the words of a rule specification (everything after `-A CHAIN`) into matches grouped by
 * module, a target and the comment. Shared by every dump format. Never throws.
 */
export interface RuleSpec {
  readonly matches: Match[];
  readonly target: Target | undefined;
  readonly comment: string | undefined;
  /** From an inline `-c PACKETS BYTES`. */
  readonly counters: Counters | undefined;
  /** Shared empty array when there are none: do not push to it. */
  readonly errors: readonly ParseError[];
}

/** Base matches and the names they are also written as. */
const BASE_ALIASES: Readonly<Record<string, string>> = {
  '-s': '-s', '--source': '-s', '--src': '-s',
  '-d': '-d', '--destination': '-d', '--dst': '-d',
  '-p': '-p', '--protocol': '-p',
  '-i': '-i', '--in-interface': '-i',
  '-o': '-o', '--out-interface': '-o',
  '-f': '-f', '--fragment': '-f',
  '-4': '-4', '--ipv4': '-4',
  '-6': '-6', '--ipv6': '-6',
};

const TARGET_ALIASES: Readonly<Record<string, 'jump' | 'goto'>> = {
  '-j': 'jump', '--jump': 'jump', '-g': 'goto', '--goto': 'goto',
};

/**
 * The short name of a base option or target option written in its long form
 * (`--source` → `-s`, `--jump` → `-j`); any other name is returned unchanged.
 */
export function canonicalOptionName(name: string): string {
  const base = BASE_ALIASES[name];
  if (base !== undefined) return base;
  if (name === '--jump') return '-j';
  if (name === '--goto') return '-g';
  if (name === '--match') return '-m';
  if (name === '--destination-port') return '--dport';
  if (name === '--source-port') return '--sport';
  if (name === '--destination-ports') return '--dports';
  if (name === '--source-ports') return '--sports';
  return name;
}

/** Options that take no value (so a following `!` or word is not theirs). */
const FLAG_OPTIONS: ReadonlySet<string> = new Set([
  '-f', '--fragment', '-4', '--ipv4', '-6', '--ipv6',
  '--set', '--rcheck', '--update', '--remove', '--reap', '--rsource', '--rdest', '--rttl',
  '--random', '--random-fully', '--persistent', '--syn', '--nodst', '--physdev-is-in',
  '--physdev-is-out', '--physdev-is-bridged', '--log-tcp-sequence', '--log-tcp-options',
  '--log-ip-options', '--log-uid', '--log-macdecode', '--notrack', '--clamp-mss-to-pmtu',
  '--checksum-fill', '--return-nomatch', '--ctexpire', '--exist', '--restore', '--save',
]);

/** Options whose absence of a value is a truncation worth reporting. */
const VALUE_OPTIONS: ReadonlySet<string> = new Set([
  '-s', '--source', '-d', '--destination', '-p', '--protocol', '-i', '--in-interface', '-o', '--out-interface',
  '--dport', '--sport', '--destination-port', '--source-port', '--dports', '--sports', '--ports',
  '--comment', '--mode', '--probability', '--every', '--packet', '--to-destination', '--to-source', '--to-ports',
  '--to', '--mark', '--set-xmark', '--set-mark', '--or-mark', '--xor-mark', '--and-mark', '--ctstate', '--state',
  '--dst-type', '--src-type', '--name', '--seconds', '--hitcount', '--mask', '--nfacct-name', '--limit',
  '--limit-burst', '--reject-with', '--match-set', '--tcp-flags', '--icmp-type', '--icmpv6-type', '--log-prefix',
  '--log-level', '--ctstatus', '--ctorigdst', '--ctorigsrc', '--ctrepldst', '--ctreplsrc', '--ctproto',
]);

/** Options a protocol module brings in by `-p PROTO` alone, without `-m PROTO`. */
const PROTOCOL_OPTIONS: ReadonlySet<string> = new Set([
  '--dport', '--sport', '--destination-port', '--source-port', '--tcp-flags', '--syn', '--tcp-option',
  '--icmp-type', '--icmpv6-type', '--chunk-types', '--dccp-types', '--dccp-option',
]);
const PROTOCOL_MODULES: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp', 'dccp', 'udplite', 'icmp', 'icmp6', 'mh']);

/** The match module `-p VALUE` loads implicitly. */
export function protocolModule(proto: string): string {
  const p = proto.toLowerCase();
  switch (p) {
    case '6': return 'tcp';
    case '17': return 'udp';
    case '132': return 'sctp';
    case '33': return 'dccp';
    case '1': return 'icmp';
    case '58': case 'ipv6-icmp': case 'icmpv6': return 'icmp6';
    default: return p;
  }
}

/**
 * Keeps one copy of the words every rule repeats (option names, modules, common targets), found
 * by length and a direct comparison with the source text, without slicing or hashing.
 */
export class Interner {
  /** Common words hashed by their length and three characters into a small fixed table. */
  private readonly buckets: (string[] | undefined)[] = new Array(BUCKETS);
  private readonly singles = new Map<string, readonly string[]>();
  constructor(words: readonly string[] = COMMON_WORDS) {
    for (const word of words) {
      const key = bucketKey(word, 0, word.length);
      (this.buckets[key] ??= []).push(word);
    }
  }
  /** The common word equal to `text[start, end)`, or undefined. */
  find(text: string, start: number, end: number): string | undefined {
    const list = this.buckets[bucketKey(text, start, end)];
    if (list === undefined) return undefined;
    const len = end - start;
    for (let k = 0; k < list.length; k++) {
      const word = list[k];
      if (word.length === len && text.startsWith(word, start)) return word;
    }
    return undefined;
  }
  /** The interned copy of `text[start, end)`, or a fresh slice when it is not a common word. */
  at(text: string, start: number, end: number): string {
    return this.find(text, start, end) ?? text.slice(start, end);
  }
  /** A one-word values array; shared (frozen) for common words. */
  single(text: string, start: number, end: number): readonly string[] {
    const word = this.find(text, start, end);
    if (word === undefined) return [text.slice(start, end)];
    let arr = this.singles.get(word);
    if (arr === undefined) {
      arr = Object.freeze([word]);
      this.singles.set(word, arr);
    }
    return arr;
  }
}

const BUCKETS = 4096;

function bucketKey(text: string, start: number, end: number): number {
  const len = end - start;
  if (len === 0) return 0;
  return ((len * 31) ^ (text.charCodeAt(start + (len >> 1)) * 7) ^ (text.charCodeAt(end - 1) << 5) ^ (text.charCodeAt(start + (len > 2 ? 2 : 0)) << 3)) & (BUCKETS - 1);
}

const COMMON_WORDS: readonly string[] = [
  '-s', '-d', '-p', '-i', '-o', '-m', '-j', '-g', '--dport', '--sport', '--dports', '--comment', '--mode', '--probability',
  '--to-destination', '--to-source', '--ctstate', '--mark', '--dst-type', '--src-type', '--name', '--seconds', '--reap',
  '--rcheck', '--set', '--or-mark', '--xor-mark', '--set-xmark', '--nfacct-name', '--reject-with', '--random-fully',
  '--mask', '--rsource', '--every', '--packet', '--match-set', '--limit', '--limit-burst', '--state',
  'tcp', 'udp', 'sctp', 'comment', 'statistic', 'recent', 'conntrack', 'mark', 'addrtype', 'nfacct', 'multiport', 'set', 'limit', 'state',
  'random', 'LOCAL', 'NEW', 'INVALID', 'RELATED,ESTABLISHED', 'RELATED,ESTABLISHED,DNAT', '0x4000', '0x4000/0x4000', '10.0.0.0/8', '80', '443',
  'KUBE-MARK-MASQ', 'KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-FORWARD', 'KUBE-EXTERNAL-SERVICES', 'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL',
  'DNAT', 'SNAT', 'ACCEPT', 'DROP', 'REJECT', 'RETURN', 'MARK', 'MASQUERADE',
];

const EMPTY: readonly string[] = Object.freeze([]) as readonly string[];

function isOptionAt(w: WordScanner, k: number): boolean {
  if (w.quotedText[k] !== undefined) return false;
  const start = w.starts[k];
  if (w.ends[k] - start < 2 || w.text.charCodeAt(start) !== 45 /* - */) return false;
  const c1 = w.text.charCodeAt(start + 1);
  // "-1" is a value (a negative number), "--x" and "-x" are options.
  return !(c1 >= 48 && c1 <= 57);
}

function wordAt(w: WordScanner, k: number, intern: Interner): string {
  const q = w.quotedText[k];
  return q !== undefined ? q : intern.at(w.text, w.starts[k], w.ends[k]);
}

/** Whether word k contains `:` (an IPv6 address), without slicing it. */
function hasColon(w: WordScanner, k: number): boolean {
  const q = w.quotedText[k];
  if (q !== undefined) return q.includes(':');
  const i = w.text.indexOf(':', w.starts[k]);
  return i >= 0 && i < w.ends[k];
}

function pushError(errors: ParseError[] | undefined, message: string, start: number, end: number, severity: 'error' | 'warning' = 'error'): ParseError[] {
  const list = errors ?? [];
  list.push({ message, span: { start, end }, severity });
  return list;
}

function isBang(w: WordScanner, k: number): boolean {
  return w.quotedText[k] === undefined && w.ends[k] - w.starts[k] === 1 && w.text.charCodeAt(w.starts[k]) === 33;
}

// Scratch state reused by every call (parsing is synchronous): option groups are collected here and
// copied into exact-size arrays at the end, so a rule allocates only what it keeps.
const groupModule: string[] = [];
const groupStart: number[] = [];
const groupEnd: number[] = [];
const groupCount: number[] = [];
const optList: RuleOption[] = [];
/** The group of each option in optList; -1 for target options. */
const optGroup: number[] = [];

function newGroup(g: number, module: string, start: number, end: number): number {
  groupModule[g] = module;
  groupStart[g] = start;
  groupEnd[g] = end;
  groupCount[g] = 0;
  return g;
}

/**
 * What the dump parser's eager pass keeps of a rule specification without building its matches:
 * the errors (exactly those `parseRuleSpec` reports), the counters, whether it has matches, the
 * address family its base `-s`/`-d` show, and where its target is. Filled in place by
 * `checkRuleSpec` (one reused object, so checking a rule allocates nothing when it is clean).
 */
export interface RuleSpecSummary {
  errors: readonly ParseError[];
  counters: Counters | undefined;
  /** Number of match groups `parseRuleSpec` would return. */
  matchCount: number;
  /** Whether a base `-s`/`-d` (as noted for the family) has an IPv4 / IPv6 first value. */
  sawV4: boolean;
  sawV6: boolean;
  /** Whether there is a target; its kind and spans as `parseRuleSpec` gives them. */
  hasTarget: boolean;
  /** The target name when it is quoted (otherwise it is the source text at the name span). */
  targetQuoted: string | undefined;
  targetKind: 'jump' | 'goto';
  targetStart: number;
  targetEnd: number;
  targetNameStart: number;
  targetNameEnd: number;
}

export function newRuleSpecSummary(): RuleSpecSummary {
  return { errors: NO_ERRORS, counters: undefined, matchCount: 0, sawV4: false, sawV6: false, hasTarget: false, targetQuoted: undefined, targetKind: 'jump', targetStart: 0, targetEnd: 0, targetNameStart: 0, targetNameEnd: 0 };
}

/** Parses words `from`.. of the scanned line as a rule specification. Never throws. */
export function parseRuleSpec(w: WordScanner, from: number, intern: Interner = new Interner()): RuleSpec {
  return walkRuleSpec(w, from, intern, undefined) as RuleSpec;
}

/**
 * The same walk as `parseRuleSpec`, but it only fills `out` (errors, counters, match count,
 * family, target position) and builds no option, match or target object. Never throws.
 */
export function checkRuleSpec(w: WordScanner, from: number, intern: Interner, out: RuleSpecSummary): void {
  walkRuleSpec(w, from, intern, out);
}

/** With `out` undefined builds the RuleSpec; otherwise only fills `out` and returns undefined. */
function walkRuleSpec(w: WordScanner, from: number, intern: Interner, out: RuleSpecSummary | undefined): RuleSpec | undefined {
  const build = out === undefined;
  let sawV4 = false;
  let sawV6 = false;
  let errors: ParseError[] | undefined;
  let groups = 0;
  let opts = 0;
  let base = -1;
  let current = -1;
  let comment: string | undefined;
  let counters: Counters | undefined;
  let targetName: string | undefined;
  let hasTarget = false;
  let targetKind: 'jump' | 'goto' = 'jump';
  let targetStart = 0;
  let targetEnd = 0;
  let targetNameStart = 0;
  let targetNameEnd = 0;
  let targetOpts = 0;
  let protocol: string | undefined;
  let protocolSeen = false;
  const n = w.count;


  let pendingNegation = -1;
  let i = from;
  while (i < n) {
    if (isBang(w, i)) {
      if (pendingNegation >= 0) errors = pushError(errors, 'Two `!` in a row', w.starts[i], w.ends[i]);
      pendingNegation = i;
      i++;
      continue;
    }
    if (!isOptionAt(w, i)) {
      errors = pushError(errors, `Unexpected word \`${w.word(i)}\` (expected an option)`, w.starts[i], w.ends[i]);
      i++;
      continue;
    }
    const word = w.quotedText[i] !== undefined ? w.word(i) : intern.at(w.text, w.starts[i], w.ends[i]);
    const wStart = w.starts[i];
    const wEnd = w.ends[i];
    // -m MODULE
    if (word === '-m' || word === '--match') {
      if (i + 1 >= n || isOptionAt(w, i + 1) || isBang(w, i + 1)) {
        errors = pushError(errors, `Missing module name after ${word}`, wStart, wEnd);
        i++;
        continue;
      }
      current = newGroup(groups++, wordAt(w, i + 1, intern), wStart, w.ends[i + 1]);
      pendingNegation = -1;
      i += 2;
      continue;
    }
    // -j / -g TARGET
    const kind = TARGET_ALIASES[word];
    if (kind !== undefined) {
      if (i + 1 >= n || isOptionAt(w, i + 1) || isBang(w, i + 1)) {
        errors = pushError(errors, `Missing target after ${word}`, wStart, wEnd);
        i++;
        continue;
      }
      if (hasTarget) errors = pushError(errors, 'A second target in one rule', wStart, wEnd);
      hasTarget = true;
      if (build) targetName = wordAt(w, i + 1, intern);
      else out.targetQuoted = w.quotedText[i + 1];
      targetKind = kind;
      targetStart = wStart;
      targetEnd = w.ends[i + 1];
      targetNameStart = w.starts[i + 1];
      targetNameEnd = w.ends[i + 1];
      current = -1;
      i += 2;
      continue;
    }
    // -c PACKETS BYTES (iptables-restore accepts counters inside a rule)
    if (word === '-c' || word === '--set-counters') {
      const p = i + 1 < n ? w.word(i + 1) : '';
      const b = i + 2 < n ? w.word(i + 2) : '';
      if (/^\d+$/.test(p) && /^\d+$/.test(b)) {
        counters = { packets: Number(p), bytes: Number(b) };
        i += 3;
      } else {
        errors = pushError(errors, `${word} needs PACKETS BYTES`, wStart, wEnd);
        i++;
      }
      continue;
    }

    // An ordinary option with its values.
    const optStart = pendingNegation >= 0 ? w.starts[pendingNegation] : wStart;
    let negated = pendingNegation >= 0;
    pendingNegation = -1;
    i++;
    let values: string[] | readonly string[] = EMPTY;
    let valueFrom = i;
    let valueCount = 0;
    let end = wEnd;
    if (!FLAG_OPTIONS.has(word)) {
      // The old form puts `!` after the option name: `-s ! 10.0.0.0/8`.
      if (i + 1 < n && isBang(w, i) && !isOptionAt(w, i + 1)) {
        negated = true;
        i++;
      }
      let j = i;
      while (j < n && !isOptionAt(w, j) && !isBang(w, j)) j++;
      valueFrom = i;
      valueCount = j - i;
      // Exact-size arrays: a pushed-to array keeps spare capacity, and a dump has a million of these.
      if (!build) { /* checking only: the values are not kept */ } else if (j - i === 1) values = w.quotedText[i] !== undefined ? [w.quotedText[i] as string] : intern.single(w.text, w.starts[i], w.ends[i]);
      else if (j > i) {
        const vs: string[] = new Array(j - i);
        for (let k = i; k < j; k++) vs[k - i] = wordAt(w, k, intern);
        values = vs;
      }
      if (j > i) end = w.ends[j - 1];
      i = j;
      if (valueCount === 0 && VALUE_OPTIONS.has(word)) errors = pushError(errors, `Missing value for ${word}`, wStart, wEnd);
    }
    const option: RuleOption | undefined = build ? { name: word, values, negated, span: { start: optStart, end } } : undefined;

    let group: number;
    if (hasTarget) {
      group = -1;
      targetOpts++;
      targetEnd = end;
    } else if (BASE_ALIASES[word] !== undefined) {
      if (base < 0) base = newGroup(groups++, '', optStart, end);
      group = base;
      if (BASE_ALIASES[word] === '-p' && valueCount > 0) {
        protocol = build ? values[0] : w.word(valueFrom);
        protocolSeen = true;
      }
      // What the dump parser notes of the address family (base -s/-d with a value).
      if (!build && valueCount > 0 && (word === '-s' || word === '-d' || word === '--source' || word === '--destination')) {
        if (hasColon(w, valueFrom)) sawV6 = true;
        else sawV4 = true;
      }
    } else {
      group = current;
      if (PROTOCOL_OPTIONS.has(word) && (group < 0 || !PROTOCOL_MODULES.has(groupModule[group]))) {
        if (!protocolSeen) {
          // `--dport 80 -p tcp`: look ahead for the -p this option belongs to.
          for (let k = i; k < n - 1; k++) {
            if (w.is(k, '-p') || w.is(k, '--protocol')) {
              protocol = isBang(w, k + 1) ? (k + 2 < n ? w.word(k + 2) : undefined) : w.word(k + 1);
              break;
            }
          }
        }
        const module = protocol !== undefined ? protocolModule(protocol) : '';
        group = -1;
        for (let g = 0; g < groups; g++) if (groupModule[g] === module) { group = g; break; }
        if (group < 0) group = newGroup(groups++, module, optStart, end);
      }
      if (group < 0) {
        // An option before any -m that is not a base match: keep it with the base matches.
        if (base < 0) base = newGroup(groups++, '', optStart, end);
        group = base;
        errors = pushError(errors, `Option ${word} outside any -m module`, wStart, wEnd, 'warning');
      }
      if (word === '--comment' && groupModule[group] === 'comment' && valueCount > 0) {
        if (build) comment = values.length === 1 ? values[0] : values.join(' ');
        if (valueCount > 1) errors = pushError(errors, 'Comment with spaces is not quoted: iptables-restore would reject this rule', optStart, end, 'warning');
      }
    }
    if (group >= 0) {
      groupCount[group]++;
      if (optStart < groupStart[group]) groupStart[group] = optStart;
      if (end > groupEnd[group]) groupEnd[group] = end;
    }
    if (build) {
      optList[opts] = option as RuleOption;
      optGroup[opts] = group;
      opts++;
    }
  }
  if (pendingNegation >= 0) errors = pushError(errors, '`!` with nothing after it', w.starts[pendingNegation], w.ends[pendingNegation]);
  if (out !== undefined) {
    out.errors = errors ?? NO_ERRORS;
    out.counters = counters;
    out.matchCount = groups;
    out.sawV4 = sawV4;
    out.sawV6 = sawV6;
    out.hasTarget = hasTarget;
    if (!hasTarget) out.targetQuoted = undefined;
    out.targetKind = targetKind;
    out.targetStart = targetStart;
    out.targetEnd = targetEnd;
    out.targetNameStart = targetNameStart;
    out.targetNameEnd = targetNameEnd;
    return undefined;
  }

  const matches: Match[] = new Array(groups);
  for (let g = 0; g < groups; g++) {
    const count = groupCount[g];
    let options: RuleOption[] = NO_OPTIONS;
    if (count > 0) {
      options = new Array(count);
      let k = 0;
      for (let o = 0; o < opts && k < count; o++) if (optGroup[o] === g) options[k++] = optList[o];
    }
    matches[g] = { module: groupModule[g], options, span: { start: groupStart[g], end: groupEnd[g] } };
  }
  let target: Target | undefined;
  if (targetName !== undefined) {
    let options: RuleOption[] = NO_OPTIONS;
    if (targetOpts > 0) {
      options = new Array(targetOpts);
      let k = 0;
      for (let o = 0; o < opts; o++) if (optGroup[o] === -1) options[k++] = optList[o];
    }
    target = { name: targetName, kind: targetKind, options, span: { start: targetStart, end: targetEnd }, nameSpan: { start: targetNameStart, end: targetNameEnd } };
  }
  for (let o = 0; o < opts; o++) optList[o] = undefined as unknown as RuleOption;
  return { matches, target, comment, counters, errors: errors ?? NO_ERRORS };
}

const NO_ERRORS: ParseError[] = [];
const NO_OPTIONS = Object.freeze([]) as unknown as RuleOption[];
