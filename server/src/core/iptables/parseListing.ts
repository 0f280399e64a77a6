import type { Span } from '../text/span';
import type { Chain, Counters, Match, ParseError, Rule, RuleOption, Ruleset, Table, Target } from './model';
import { BUILTIN_CHAINS } from './model';
import { inferTable, inferTableFromBuiltins, tableHintsOf } from './inferTable';
import type { ParseDumpOptions } from './parseDump';
import { protocolModule } from './parseRuleSpec';

/**
 * Parses the listing printed by `iptables [-t TABLE] -L -n [-v] [-x] [--line-numbers]` into the
 * same model as iptables-save, reading the human-readable options text back into matches where
 * that is unambiguous, and listing in `losses` what the format does not carry. Options text it
 * cannot read back is kept as a match of module `(listing)` with one option `--text`, so that
 * nothing downstream takes it for "no condition". Never throws.
 */
export function parseListing(text: string, options: ParseDumpOptions = {}): Ruleset {
  const errors: ParseError[] = [];
  const losses = new Set<string>();
  const lossLines: string[] = [];
  interface MChain { name: string; builtin: boolean; policy?: string; counters?: Counters; declSpan: Span; nameSpan: Span; rules: Rule[] }
  let cur: MChain | undefined;
  let columns: string[] | undefined;
  let sawV6 = false;
  let sawV4 = false;
  let rounded = false;
  let verbose = false;
  let sawHeaderWithoutV = false;
  let sawNames = false;
  const n = text.length;
  let pos = 0;
  let line = 0;

  // One listing per table; several pasted one after the other start again at a built-in chain
  // already seen. Each table is named after parsing, from its built-in chains (those with a policy).
  const segments: MChain[][] = [[]];
  let chains = segments[0];
  losses.add('The listing prints match options in a human form, without the -m module names or the exact option spellings; they were read back where unambiguous.');
  losses.add('The listing does not tell `-j` from the defaults iptables adds (e.g. recent\'s mask and side), and prints negation as `!` next to the value.');

  while (pos <= n) {
    let lineEnd = text.indexOf('\n', pos);
    if (lineEnd < 0) lineEnd = n;
    let e = lineEnd;
    while (e > pos && (text.charCodeAt(e - 1) === 13 || text.charCodeAt(e - 1) === 32 || text.charCodeAt(e - 1) === 9)) e--;
    let s = pos;
    while (s < e && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9)) s++;
    if (s < e && text.charCodeAt(s) !== 35 /* # */) {
      if (text.startsWith('Chain ', s)) {
        const m = /^Chain (\S+)(?: \((.*)\))?$/.exec(text.slice(s, e));
        if (!m) {
          errors.push({ message: 'Bad chain header (expected `Chain NAME (policy ...)` or `Chain NAME (N references)`)', span: { start: s, end: e }, severity: 'error' });
        } else {
          const name = m[1];
          const nameSpan = { start: s + 6, end: s + 6 + name.length };
          // iptables lists the built-in chains first: a built-in after a user chain, or a repeated
          // name, starts the next table.
          const isPolicy = /^Chain \S+ \(policy /.test(text.slice(s, e));
          const fitsOneTable = (names: string[]): boolean => Object.values(BUILTIN_CHAINS).some((list) => names.every((x) => list.includes(x)));
          if (isPolicy && (chains.some((c) => c.name === name || c.policy === undefined)
            || !fitsOneTable([...chains.map((c) => c.name), name]))) {
            chains = [];
            segments.push(chains);
          }
          cur = { name, builtin: false, declSpan: { start: s, end: e }, nameSpan, rules: [] };
          const info = m[2] ?? '';
          const pm = /^policy (\S+)(?: (\d+[KMGT]?) packets, (\d+[KMGT]?) bytes)?$/.exec(info);
          if (pm) {
            cur.policy = pm[1];
            if (pm[2] !== undefined) {
              const p = readCount(pm[2]);
              const b = readCount(pm[3]);
              rounded ||= p.rounded || b.rounded;
              cur.counters = { packets: p.value, bytes: b.value };
            }
          } else if (!/^\d+ references$/.test(info) && info !== '') {
            errors.push({ message: `Unrecognised chain header detail \`${info}\``, span: { start: s, end: e }, severity: 'warning' });
          }
          if (chains.some((c) => c.name === name)) errors.push({ message: `Chain ${name} is listed twice`, span: nameSpan, severity: 'warning' });
          chains.push(cur);
          columns = undefined;
        }
      } else if (/^(num|pkts|target)\s/.test(text.slice(s, Math.min(e, s + 8)))) {
        columns = text.slice(s, e).split(/\s+/);
        if (columns.includes('pkts')) verbose = true;
        else sawHeaderWithoutV = true;
      } else if (!cur || !columns) {
        errors.push({ message: cur ? 'Rule row before the column header' : 'Rule row before any `Chain` header', span: { start: s, end: e }, severity: 'error' });
      } else {
        const row = parseRow(text, s, e, columns, cur.name, line, '', lossLines);
        if (row.error) errors.push({ message: row.error, span: { start: s, end: e }, severity: 'error' });
        if (row.rule) {
          (row.rule as { index: number }).index = cur.rules.length;
          cur.rules.push(row.rule);
          rounded ||= row.rounded;
          if (row.v6) sawV6 = true;
          if (row.v4) sawV4 = true;
          if (row.names) sawNames = true;
        }
      }
    }
    pos = lineEnd + 1;
    line++;
  }

  if (rounded) losses.add('Counters are rounded to K/M/G/T units (list with -x for exact numbers).');
  if (sawHeaderWithoutV) losses.add('Without -v the listing has no counters and no interfaces: `-i`/`-o` conditions are not shown at all.');
  if (verbose) losses.add('Interfaces printed as `*` mean any interface.');
  if (sawNames) losses.add('Listed without -n: addresses and ports are shown as names (`anywhere`, host names, `dpt:http`); names were kept as written and are not resolved.');
  for (const l of lossLines) losses.add(l);

  const tables: Table[] = [];
  const tableLosses = new Set<string>();
  segments.forEach((seg, k) => {
    if (seg.length === 0) return;
    const listedBuiltins = seg.filter((c) => c.policy !== undefined).map((c) => c.name);
    const how = (t: string) => (inferTableFromBuiltins(listedBuiltins) === t ? 'its built-in chains' : 'the chains and targets it shows');
    const inferred = inferTable(listedBuiltins, { natOnly: seg.some((c) => tableHintsOf(c.name).natOnly || c.rules.some((r) => r.target !== undefined && tableHintsOf(r.target.name).natOnly)) });
    const given = k === 0 ? options.table : undefined;
    const table = given ?? inferred ?? 'filter';
    if (given === undefined) {
      tableLosses.add(inferred !== undefined
        ? `The listing does not name its table${segments.length > 1 ? 's' : ''}; inferred ${inferred} from ${how(inferred)}.`
        : `The listing does not name its table${segments.length > 1 ? 's' : ''}, and its built-in chains do not tell; assumed filter.`);
    }
    if (tables.some((t) => t.name === table)) errors.push({ message: `A second listing of table ${table}`, span: seg[0].declSpan, severity: 'warning' });
    const builtins = BUILTIN_CHAINS[table] ?? [];
    const outChains: Chain[] = seg.map((c) => {
      for (const r of c.rules) (r as { table: string }).table = table;
      const out: { -readonly [K in keyof Chain]: Chain[K] } = { name: c.name, table, builtin: builtins.includes(c.name), declSpan: c.declSpan, nameSpan: c.nameSpan, rules: c.rules };
      if (c.policy !== undefined) out.policy = c.policy;
      if (c.counters) out.counters = c.counters;
      return out;
    });
    tables.push({ name: table, span: seg[0].declSpan, chains: outChains, deletedChains: [] });
  });
  const result: { -readonly [K in keyof Ruleset]: Ruleset[K] } = { format: 'listing', tables, errors, losses: [...tableLosses, ...losses] };
  if (sawV6 && !sawV4) result.family = 'ipv6';
  else if (sawV4 && !sawV6) result.family = 'ipv4';
  return result;
}

function readCount(word: string): { value: number; rounded: boolean } {
  const last = word.charCodeAt(word.length - 1);
  const mult = last === 75 ? 1e3 : last === 77 ? 1e6 : last === 71 ? 1e9 : last === 84 ? 1e12 : 1;
  const digits = mult === 1 ? word : word.slice(0, -1);
  return { value: Number(digits) * mult, rounded: mult !== 1 };
}

interface Word { readonly text: string; readonly start: number; readonly end: number }

function splitWords(text: string, from: number, to: number): Word[] {
  const words: Word[] = [];
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    const start = i;
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      // A comment runs to the next " */".
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 || close + 2 > to ? to : close + 2;
      words.push({ text: text.slice(start, end), start, end });
      i = end;
      continue;
    }
    while (i < to && text.charCodeAt(i) !== 32 && text.charCodeAt(i) !== 9) i++;
    words.push({ text: text.slice(start, i), start, end: i });
  }
  return words;
}

interface RowResult { rule?: Rule; error?: string; rounded: boolean; v4: boolean; v6: boolean; names?: boolean }

const OPT_COLUMN = /^(--|-f|!f)$/;

function parseRow(text: string, s: number, e: number, columns: readonly string[], chain: string, line: number, table: string, lossLines: string[]): RowResult {
  const words = splitWords(text, s, e);
  let w = 0;
  let rounded = false;
  let counters: Counters | undefined;
  const base: RuleOption[] = [];
  let targetWord: Word | undefined;
  let v4 = false;
  let v6 = false;
  let names = false;
  let proto: string | undefined;
  const need = (what: string): RowResult => ({ error: `Truncated row: missing the ${what} column`, rounded, v4, v6 });
  for (const col of columns) {
    if (col === 'num') {
      if (!words[w] || !/^\d+$/.test(words[w].text)) return need('num');
      w++;
    } else if (col === 'pkts') {
      if (!words[w] || !words[w + 1]) return need('pkts/bytes');
      const p = readCount(words[w].text);
      const b = readCount(words[w + 1].text);
      if (Number.isNaN(p.value) || Number.isNaN(b.value)) return { error: 'Bad counters in the pkts/bytes columns', rounded, v4, v6 };
      rounded = p.rounded || b.rounded;
      counters = { packets: p.value, bytes: b.value };
      w += 2;
    } else if (col === 'bytes') {
      // read together with pkts
    } else if (col === 'target') {
      // The target column is blank for a rule without a target: then the next word is the opt column.
      if (!words[w]) return need('target');
      if (words[w + 1] && OPT_COLUMN.test(words[w + 1].text)) {
        // blank target; words[w] is prot
      } else {
        targetWord = words[w];
        w++;
      }
    } else if (col === 'prot') {
      if (!words[w]) return need('prot');
      const p = words[w].text;
      if (p !== '0' && p !== 'all') {
        const neg = p.startsWith('!');
        proto = protocolModule(neg ? p.slice(1) : p);
        base.push({ name: '-p', values: [proto], negated: neg, span: { start: words[w].start, end: words[w].end } });
      }
      w++;
    } else if (col === 'opt') {
      if (!words[w]) return need('opt');
      const o = words[w].text;
      if (o === '-f' || o === '!f') base.push({ name: '-f', values: [], negated: o === '!f', span: { start: words[w].start, end: words[w].end } });
      else if (o !== '--') return { error: `Unexpected \`${o}\` in the opt column`, rounded, v4, v6 };
      w++;
    } else if (col === 'in' || col === 'out') {
      if (!words[w]) return need(col);
      const v = words[w].text;
      if (v !== '*') {
        const neg = v.startsWith('!');
        base.push({ name: col === 'in' ? '-i' : '-o', values: [neg ? v.slice(1) : v], negated: neg, span: { start: words[w].start, end: words[w].end } });
      }
      w++;
    } else if (col === 'source' || col === 'destination') {
      if (!words[w]) return need(col);
      const v = words[w].text;
      const neg = v.startsWith('!');
      const addr = neg ? v.slice(1) : v;
      if (addr === 'anywhere') {
        names = true;
        w++;
        continue;
      }
      if (/[a-z]/i.test(addr) && !addr.includes(':')) names = true;
      else if (addr.includes(':')) v6 = true;
      else v4 = true;
      if (addr !== '0.0.0.0/0' && addr !== '::/0') {
        base.push({ name: col === 'source' ? '-s' : '-d', values: [addr], negated: neg, span: { start: words[w].start, end: words[w].end } });
      }
      w++;
    } else {
      w++;
    }
  }

  const matches: Match[] = [];
  if (base.length > 0) matches.push({ module: '', options: base, span: { start: base[0].span.start, end: base[base.length - 1].span.end } });
  const targetName = targetWord?.text;
  const targetOptions: RuleOption[] = [];
  let kind: 'jump' | 'goto' = 'jump';
  let comment: string | undefined;
  const rest = words.slice(w);
  const unread = readOptionsText(rest, targetName, matches, targetOptions, (k) => (kind = k), (c) => (comment = c));
  if (unread) {
    const restText = text.slice(unread.start, e);
    matches.push({ module: '(listing)', options: [{ name: '--text', values: [restText], negated: false, span: { start: unread.start, end: e } }], span: { start: unread.start, end: e } });
    lossLines.push(`Line ${line + 1}: the options text \`${restText}\` could not be read back into matches; it is kept as text.`);
  }
  const rule: { -readonly [K in keyof Rule]: Rule[K] } = {
    table, chain, index: 0, text: text.slice(s, e), span: { start: s, end: e }, line, matches,
  };
  if (counters) rule.counters = counters;
  if (targetWord) {
    const t: Target = {
      name: targetWord.text, kind, options: targetOptions,
      span: { start: targetWord.start, end: targetOptions.length > 0 ? targetOptions[targetOptions.length - 1].span.end : targetWord.end },
      nameSpan: { start: targetWord.start, end: targetWord.end },
    };
    rule.target = t;
  }
  if (comment !== undefined) rule.comment = comment;
  void proto;
  return { rule, rounded, v4, v6, names };
}

const PORT_WORD = /^(dpts?|spts?):(!?)(.+)$/;

/**
 * Reads the options text of one row phrase by phrase. Returns the first word it could not read
 * (everything from there on is unread), or undefined when it read everything.
 */
function readOptionsText(
  words: readonly Word[], target: string | undefined, matches: Match[], targetOptions: RuleOption[],
  setKind: (k: 'jump' | 'goto') => void, setComment: (c: string) => void,
): Word | undefined {
  let i = 0;
  let negateNext: Word | undefined;
  const opt = (name: string, values: string[], from: Word, to: Word, negated = false): RuleOption => ({
    name, values, negated, span: { start: from.start, end: to.end },
  });
  const push = (module: string, options: RuleOption[], from: Word, to: Word): void => {
    matches.push({ module, options, span: { start: from.start, end: to.end } });
  };
  while (i < words.length) {
    const w = words[i];
    const t = w.text;
    const neg = negateNext !== undefined;
    const first = negateNext ?? w;
    if (t === '!') {
      negateNext = w;
      i++;
      continue;
    }
    negateNext = undefined;
    if (t.startsWith('/*')) {
      const body = t.endsWith('*/') ? t.slice(2, -2).trim() : t.slice(2).trim();
      setComment(body);
      push('comment', [opt('--comment', [body], w, w)], w, w);
      i++;
    } else if (t === 'tcp' || t === 'udp' || t === 'sctp' || t === 'dccp' || t === 'udplite') {
      const options: RuleOption[] = [];
      let j = i + 1;
      let last = w;
      for (; j < words.length; j++) {
        const pm = PORT_WORD.exec(words[j].text);
        if (pm) {
          options.push(opt(pm[1].startsWith('d') ? '--dport' : '--sport', [pm[3]], words[j], words[j], pm[2] === '!'));
        } else if (words[j].text.startsWith('flags:')) {
          const f = words[j].text.slice(6);
          const fneg = f.startsWith('!');
          options.push(opt('--tcp-flags', [fneg ? f.slice(1) : f], words[j], words[j], fneg));
        } else if (words[j].text.startsWith('option=')) {
          options.push(opt('--tcp-option', [words[j].text.slice(7).replace(/^!/, '')], words[j], words[j], words[j].text.startsWith('option=!')));
        } else break;
        last = words[j];
      }
      push(t, options, w, last);
      i = j;
    } else if (t === 'icmp' || t === 'ipv6-icmp') {
      // "icmp echo-request", "icmptype 8" forms vary; read "icmp" alone or with a type name.
      const nx = words[i + 1];
      if (nx && /^(any|echo-request|echo-reply|destination-unreachable|time-exceeded|type)$/.test(nx.text)) {
        const v = nx.text === 'type' && words[i + 2] ? words[i + 2].text : nx.text;
        const end = nx.text === 'type' && words[i + 2] ? words[i + 2] : nx;
        push(t === 'icmp' ? 'icmp' : 'icmp6', [opt(t === 'icmp' ? '--icmp-type' : '--icmpv6-type', [v], nx, end)], w, end);
        i += nx.text === 'type' ? 3 : 2;
      } else {
        push(t === 'icmp' ? 'icmp' : 'icmp6', [], w, w);
        i++;
      }
    } else if (t === 'multiport') {
      const kindW = words[i + 1];
      const valW = words[i + 2];
      if (!kindW || !valW || !/^(dports|sports|ports)$/.test(kindW.text)) return first;
      let vi = i + 2;
      let mneg = false;
      if (valW.text === '!') {
        mneg = true;
        vi++;
      }
      const v = words[vi];
      if (!v) return first;
      const vt = v.text.startsWith('!') ? v.text.slice(1) : v.text;
      mneg ||= v.text.startsWith('!');
      push('multiport', [opt(`--${kindW.text}`, [vt], kindW, v, mneg)], w, v);
      i = vi + 1;
    } else if (t === 'statistic') {
      if (words[i + 1]?.text !== 'mode') return first;
      const mode = words[i + 2];
      if (!mode) return first;
      const options: RuleOption[] = [opt('--mode', [mode.text], words[i + 1], mode)];
      let j = i + 3;
      while (j + 1 < words.length && /^(probability|every|packet)$/.test(words[j].text)) {
        options.push(opt(`--${words[j].text}`, [words[j + 1].text], words[j], words[j + 1]));
        j += 2;
      }
      push('statistic', options, first, words[j - 1]);
      i = j;
    } else if (t === 'ADDRTYPE') {
      if (words[i + 1]?.text !== 'match') return first;
      const options: RuleOption[] = [];
      let j = i + 2;
      while (j < words.length) {
        const k = words[j].text;
        if ((k === 'src-type' || k === 'dst-type') && words[j + 1]) {
          const v = words[j + 1].text;
          const vneg = v.startsWith('!');
          options.push(opt(`--${k}`, [vneg ? v.slice(1) : v], words[j], words[j + 1], vneg));
          j += 2;
        } else if (k === 'limit-in' || k === 'limit-out') {
          options.push(opt(`--${k}`, [], words[j], words[j]));
          j++;
        } else break;
      }
      if (options.length === 0) return first;
      push('addrtype', options, w, words[j - 1]);
      i = j;
    } else if (t === 'mark' && words[i + 1]?.text === 'match') {
      let j = i + 2;
      let mneg = false;
      if (words[j]?.text === '!') {
        mneg = true;
        j++;
      }
      const v = words[j];
      if (!v) return first;
      push('mark', [opt('--mark', [v.text], words[i + 1], v, mneg)], w, v);
      i = j + 1;
    } else if (t === 'ctstate' || t === 'state' || t === 'ctstatus' || t === 'ctdir') {
      const v = words[i + 1];
      if (!v) return first;
      const module = t === 'state' ? 'state' : 'conntrack';
      const name = t === 'state' ? '--state' : `--${t}`;
      push(module, [opt(name, [v.text], first, v, neg)], first, v);
      i += 2;
    } else if (t === 'recent:') {
      const options: RuleOption[] = [];
      let j = i + 1;
      while (j < words.length) {
        const k = words[j].text;
        const v = words[j + 1];
        if (k === 'SET' || k === 'CHECK' || k === 'UPDATE' || k === 'REMOVE') {
          options.push(opt(k === 'SET' ? '--set' : k === 'CHECK' ? '--rcheck' : k === 'UPDATE' ? '--update' : '--remove', [], words[j], words[j], neg));
          j++;
        } else if (k === 'reap' || k === 'rttl') {
          options.push(opt(`--${k}`, [], words[j], words[j]));
          j++;
        } else if ((k === 'seconds:' || k === 'hit_count:' || k === 'name:' || k === 'mask:') && v) {
          const name = k === 'hit_count:' ? '--hitcount' : `--${k.slice(0, -1)}`;
          options.push(opt(name, [v.text], words[j], v));
          j += 2;
        } else if (k === 'side:' && v) {
          options.push(opt(v.text === 'dest' ? '--rdest' : '--rsource', [], words[j], v));
          j += 2;
        } else break;
      }
      if (options.length === 0) return first;
      push('recent', options, first, words[j - 1]);
      i = j;
    } else if (t === 'nfacct-name') {
      const v = words[i + 1];
      if (!v) return first;
      push('nfacct', [opt('--nfacct-name', [v.text], w, v)], w, v);
      i += 2;
    } else if (t === 'limit:' && words[i + 1]?.text === 'avg' && words[i + 2]) {
      const options: RuleOption[] = [opt('--limit', [words[i + 2].text], words[i + 1], words[i + 2])];
      let j = i + 3;
      if (words[j]?.text === 'burst' && words[j + 1]) {
        options.push(opt('--limit-burst', [words[j + 1].text], words[j], words[j + 1]));
        j += 2;
      }
      push('limit', options, w, words[j - 1]);
      i = j;
    } else if (t === 'match-set' && words[i + 2]) {
      push('set', [opt('--match-set', [words[i + 1].text, words[i + 2].text], first, words[i + 2], neg)], first, words[i + 2]);
      i += 3;
    } else if (t === '[goto]') {
      setKind('goto');
      i++;
    } else if (t.startsWith('to:') && (target === 'DNAT' || target === 'SNAT')) {
      targetOptions.push(opt(target === 'DNAT' ? '--to-destination' : '--to-source', [t.slice(3)], w, w));
      i++;
    } else if ((t === 'random' || t === 'random-fully' || t === 'persistent') && target !== undefined && /^(DNAT|SNAT|MASQUERADE|REDIRECT)$/.test(target)) {
      targetOptions.push(opt(`--${t}`, [], w, w));
      i++;
    } else if (t === 'masq' && words[i + 1]?.text === 'ports:' && words[i + 2] && target === 'MASQUERADE') {
      targetOptions.push(opt('--to-ports', [words[i + 2].text], w, words[i + 2]));
      i += 3;
    } else if (t === 'redir' && words[i + 1]?.text === 'ports' && words[i + 2] && target === 'REDIRECT') {
      targetOptions.push(opt('--to-ports', [words[i + 2].text], w, words[i + 2]));
      i += 3;
    } else if (t === 'MARK' && target === 'MARK' && words[i + 1] && words[i + 2]) {
      const op = words[i + 1].text;
      const name = op === 'or' ? '--or-mark' : op === 'xor' ? '--xor-mark' : op === 'and' ? '--and-mark' : op === 'set' ? '--set-mark' : op === 'xset' ? '--set-xmark' : undefined;
      if (!name) return first;
      targetOptions.push(opt(name, [words[i + 2].text], w, words[i + 2]));
      i += 3;
    } else if (t === 'reject-with' && words[i + 1] && target === 'REJECT') {
      targetOptions.push(opt('--reject-with', [words[i + 1].text], w, words[i + 1]));
      i += 2;
    } else {
      return first;
    }
  }
  return negateNext;
}
