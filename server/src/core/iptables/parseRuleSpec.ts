import type { Counters, Match, ParseError, RuleOption, Target } from './model';
import type { Token } from './tokenize';

/**
 * Turns the words of a rule specification (everything after `-A CHAIN`) into matches grouped by
 * module, a target and the comment. Shared by every dump format. Never throws.
 */
export interface RuleSpec {
  readonly matches: Match[];
  readonly target?: Target;
  readonly comment?: string;
  /** From an inline `-c PACKETS BYTES`. */
  readonly counters?: Counters;
  readonly errors: ParseError[];
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

function isOptionWord(tok: Token): boolean {
  if (tok.quoted) return false;
  const t = tok.text;
  if (t.length < 2 || t.charCodeAt(0) !== 45 /* - */) return false;
  const c1 = t.charCodeAt(1);
  // "-1" is a value (a negative number), "--x" and "-x" are options.
  return !(c1 >= 48 && c1 <= 57);
}

interface MutableMatch { module: string; options: RuleOption[]; start: number; end: number }

export function parseRuleSpec(tokens: readonly Token[], from: number): RuleSpec {
  const errors: ParseError[] = [];
  const matches: MutableMatch[] = [];
  let base: MutableMatch | undefined;
  let current: MutableMatch | undefined;
  let comment: string | undefined;
  let counters: Counters | undefined;
  let target: { name: string; kind: 'jump' | 'goto'; options: RuleOption[]; start: number; end: number; nameSpan: { start: number; end: number } } | undefined;
  let protocol: string | undefined;
  // Look ahead for -p so protocol options written before it still find their module.
  for (let k = from; k < tokens.length - 1; k++) {
    const t = tokens[k].text;
    if ((t === '-p' || t === '--protocol') && !tokens[k].quoted) {
      protocol = tokens[k + 1].text === '!' ? tokens[k + 2]?.text : tokens[k + 1].text;
      break;
    }
  }

  let pendingNegation: Token | undefined;
  let i = from;
  const n = tokens.length;
  while (i < n) {
    const tok = tokens[i];
    const word = tok.text;
    if (word === '!' && !tok.quoted) {
      if (pendingNegation) errors.push({ message: 'Two `!` in a row', span: tok.span, severity: 'error' });
      pendingNegation = tok;
      i++;
      continue;
    }
    if (!isOptionWord(tok)) {
      errors.push({ message: `Unexpected word \`${word}\` (expected an option)`, span: tok.span, severity: 'error' });
      i++;
      continue;
    }
    // -m MODULE
    if (word === '-m' || word === '--match') {
      const modTok = tokens[i + 1];
      if (!modTok || isOptionWord(modTok) || modTok.text === '!') {
        errors.push({ message: `Missing module name after ${word}`, span: tok.span, severity: 'error' });
        i++;
        continue;
      }
      current = { module: modTok.text, options: [], start: tok.span.start, end: modTok.span.end };
      matches.push(current);
      pendingNegation = undefined;
      i += 2;
      continue;
    }
    // -j / -g TARGET
    const kind = TARGET_ALIASES[word];
    if (kind !== undefined) {
      const nameTok = tokens[i + 1];
      if (!nameTok || isOptionWord(nameTok) || nameTok.text === '!') {
        errors.push({ message: `Missing target after ${word}`, span: tok.span, severity: 'error' });
        i++;
        continue;
      }
      if (target) errors.push({ message: 'A second target in one rule', span: tok.span, severity: 'error' });
      target = { name: nameTok.text, kind, options: [], start: tok.span.start, end: nameTok.span.end, nameSpan: nameTok.span };
      current = undefined;
      i += 2;
      continue;
    }
    // -c PACKETS BYTES (iptables-restore accepts counters inside a rule)
    if (word === '-c' || word === '--set-counters') {
      const p = tokens[i + 1];
      const b = tokens[i + 2];
      if (p && b && /^\d+$/.test(p.text) && /^\d+$/.test(b.text)) {
        counters = { packets: Number(p.text), bytes: Number(b.text) };
        i += 3;
      } else {
        errors.push({ message: `${word} needs PACKETS BYTES`, span: tok.span, severity: 'error' });
        i++;
      }
      continue;
    }

    // An ordinary option with its values.
    const optStart = pendingNegation ? pendingNegation.span.start : tok.span.start;
    let negated = pendingNegation !== undefined;
    pendingNegation = undefined;
    i++;
    const values: string[] = [];
    let end = tok.span.end;
    if (!FLAG_OPTIONS.has(word)) {
      // The old form puts `!` after the option name: `-s ! 10.0.0.0/8`.
      if (i < n && tokens[i].text === '!' && !tokens[i].quoted && i + 1 < n && !isOptionWord(tokens[i + 1])) {
        negated = true;
        i++;
      }
      while (i < n) {
        const v = tokens[i];
        if (isOptionWord(v) || (v.text === '!' && !v.quoted)) break;
        values.push(v.text);
        end = v.span.end;
        i++;
      }
      if (values.length === 0 && VALUE_OPTIONS.has(word)) {
        errors.push({ message: `Missing value for ${word}`, span: tok.span, severity: 'error' });
      }
    }
    const option: RuleOption = { name: word, values, negated, span: { start: optStart, end } };

    if (target) {
      target.options.push(option);
      target.end = end;
      continue;
    }
    if (BASE_ALIASES[word] !== undefined) {
      if (!base) {
        base = { module: '', options: [], start: optStart, end };
        matches.push(base);
      }
      base.options.push(option);
      if (optStart < base.start) base.start = optStart;
      if (end > base.end) base.end = end;
      if (BASE_ALIASES[word] === '-p' && values.length > 0) protocol = values[0];
      continue;
    }
    let group = current;
    if (PROTOCOL_OPTIONS.has(word) && (!group || !PROTOCOL_MODULES.has(group.module))) {
      const module = protocol !== undefined ? protocolModule(protocol) : '';
      group = matches.find((m) => m.module === module);
      if (!group) {
        group = { module, options: [], start: optStart, end };
        matches.push(group);
      }
    }
    if (!group) {
      // An option before any -m that is not a base match: keep it with the base matches.
      if (!base) {
        base = { module: '', options: [], start: optStart, end };
        matches.push(base);
      }
      group = base;
      errors.push({ message: `Option ${word} outside any -m module`, span: tok.span, severity: 'warning' });
    }
    group.options.push(option);
    if (optStart < group.start) group.start = optStart;
    if (end > group.end) group.end = end;
    if (word === '--comment' && group.module === 'comment' && values.length > 0) {
      comment = values.join(' ');
      if (values.length > 1) {
        errors.push({ message: 'Comment with spaces is not quoted: iptables-restore would reject this rule', span: option.span, severity: 'warning' });
      }
    }
  }
  if (pendingNegation) errors.push({ message: '`!` with nothing after it', span: pendingNegation.span, severity: 'error' });

  const outMatches: Match[] = matches.map((m) => ({ module: m.module, options: m.options, span: { start: m.start, end: m.end } }));
  const spec: { matches: Match[]; target?: Target; comment?: string; counters?: Counters; errors: ParseError[] } = { matches: outMatches, errors };
  if (target) spec.target = { name: target.name, kind: target.kind, options: target.options, span: { start: target.start, end: target.end }, nameSpan: target.nameSpan };
  if (comment !== undefined) spec.comment = comment;
  if (counters) spec.counters = counters;
  return spec;
}
