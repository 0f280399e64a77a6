import type { Span } from '../text/span';
import { BUILTIN_CHAINS, type Chain, type Counters, type DumpFormat, type IpFamily, type ParseError, type Rule, type Ruleset, type Table } from './model';
import { inferTable, inferTableFromBuiltins, tableHintsOf } from './inferTable';
import { parseListing } from './parseListing';
import { LazyRule } from './lazyRule';
import { checkRuleSpec, Interner, newRuleSpecSummary } from './parseRuleSpec';
import { WordScanner } from './scanWords';
import type { Token } from './tokenize';

/** Options for input that does not name its table (`iptables -S`, `iptables -L`). */
export interface ParseDumpOptions {
  /** The table to assume when the text has no `*table` line. Default `filter` (noted in `losses`). */
  readonly table?: string;
}

/** Shared by every `[0:0]` declaration (counters are readonly data). */
const ZERO_COUNTERS: Counters = Object.freeze({ packets: 0, bytes: 0 });

const KNOWN_TABLES: ReadonlySet<string> = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

interface MutableChain {
  name: string;
  table: string;
  builtin: boolean;
  policy?: string;
  counters?: Counters;
  declSpan?: Span;
  nameSpan?: Span;
  rules: Rule[];
  /** Set when -I/-R/-D/-F changed positions, so rule indexes are renumbered at the end. */
  reordered?: boolean;
}

interface MutableTable {
  name: string;
  span: Span;
  chains: MutableChain[];
  byName: Map<string, MutableChain>;
  deletedChains: string[];
  committed: boolean;
}

/**
 * Parses `iptables-save` / `ip6tables-save` output (legacy or nft, with or without counters),
 * `iptables-restore` input as kube-proxy writes it, `iptables -S` output, and the
 * `iptables -L -n -v` listing (dispatched to `parseListing`). Never throws: problems are returned
 * in `errors` with spans, and every other line is kept.
 *
 * Lazy rules (the design that makes a 160,000-line kube-proxy dump parse several times faster than
 * `iptables-restore --test`): building every rule's matches, options, values and spans up front
 * cost more than reading the text, and most callers look at few rules. So the eager pass only
 * finds lines, tables and chains, scans each rule's words once and walks them with
 * `checkRuleSpec`, which reports exactly the errors `parseRuleSpec` would (so `errors` is complete
 * as soon as parseDump returns), notes the address family, and records where the `-j`/`-g` target
 * is. Each rule is a `LazyRule` (lazyRule.ts): table, chain, index, line and counters are plain
 * fields; `target` (name, kind, spans) is built from the recorded offsets without parsing;
 * `matches`, `comment` and the target's `options` rescan the rule's text with `parseRuleSpec` on
 * first access and are cached. The getters never throw, and `toJSON` gives the same plain shape as
 * before. Listing input (`iptables -L`) is still parsed eagerly by `parseListing`.
 */
export function parseDump(text: string, options: ParseDumpOptions = {}): Ruleset {
  try {
    const first = firstMeaningfulLine(text);
    if (first.startsWith('Chain ')) {
      return parseListing(text, options);
    }
    const isRules = !/^[ \t]*(?::|COMMIT\b)/m.test(text);
    return parseCommands(text, isRules ? 'rules' : 'save', options);
  } catch (e) {
    // A bug here must not take the language server down: report it as data.
    return {
      format: 'save', tables: [], losses: [],
      errors: [{ message: `Internal error in the dump parser: ${e instanceof Error ? e.message : String(e)}`, span: { start: 0, end: Math.min(text.length, 1) }, severity: 'error' }],
    };
  }
}

function firstMeaningfulLine(text: string): string {
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const line = text.slice(pos, Math.min(end, pos + 200)).trim();
    if (line !== '' && !line.startsWith('#')) return line;
    pos = end + 1;
  }
  return '';
}

function isBuiltinChain(table: string, chain: string): boolean {
  const list = BUILTIN_CHAINS[table];
  return list !== undefined && list.includes(chain);
}

/** `[123:4567]` at `text[start]`; returns the counters and the offset after `]`, or undefined. */
function readCounters(text: string, start: number, to: number): { counters: Counters; end: number } | undefined {
  if (text.charCodeAt(start) !== 91 /* [ */) return undefined;
  let i = start + 1;
  let packets = 0;
  let digits = 0;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    packets = packets * 10 + (c - 48);
    digits++;
    i++;
  }
  if (digits === 0 || text.charCodeAt(i) !== 58 /* : */) return undefined;
  i++;
  let bytes = 0;
  digits = 0;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    bytes = bytes * 10 + (c - 48);
    digits++;
    i++;
  }
  if (digits === 0 || text.charCodeAt(i) !== 93 /* ] */) return undefined;
  return { counters: { packets, bytes }, end: i + 1 };
}

const COMMANDS: Readonly<Record<string, string>> = {
  '-A': '-A', '--append': '-A', '-I': '-I', '--insert': '-I', '-N': '-N', '--new-chain': '-N', '--new': '-N',
  '-X': '-X', '--delete-chain': '-X', '-P': '-P', '--policy': '-P', '-D': '-D', '--delete': '-D',
  '-R': '-R', '--replace': '-R', '-F': '-F', '--flush': '-F', '-Z': '-Z', '--zero': '-Z',
  '-E': '-E', '--rename-chain': '-E',
};

/** The table-based formats (save/restore) and `iptables -S` (format 'rules'), which share their commands. */
export function parseCommands(text: string, mode: 'save' | 'rules', options: ParseDumpOptions = {}): Ruleset {
  const errors: ParseError[] = [];
  const losses: string[] = [];
  const tables: MutableTable[] = [];
  let cur: MutableTable | undefined;
  let flavour: 'legacy' | 'nft' | undefined;
  let family: IpFamily | undefined;
  let headerSeen = false;
  let restoreOnly = false;
  let sawV4 = false;
  let sawV6 = false;
  const n = text.length;
  let pos = 0;
  let line = 0;
  const scanner = new WordScanner();
  const intern = new Interner();
  const summary = newRuleSpecSummary();
  let lastChain: MutableChain | undefined;

  const err = (message: string, start: number, end: number, severity: 'error' | 'warning' = 'error'): void => {
    errors.push({ message, span: { start, end }, severity });
  };

  const openTable = (name: string, span: Span): MutableTable => {
    const t: MutableTable = { name, span, chains: [], byName: new Map(), deletedChains: [], committed: false };
    tables.push(t);
    return t;
  };

  const implicitTable = (at: number): MutableTable => {
    let name = options.table;
    if (name === undefined) {
      const policies: string[] = [];
      for (const m of text.matchAll(/^[ \t]*-P[ \t]+(\S+)/gm)) policies.push(m[1]);
      const inferred = inferTable(policies, tableHintsOf(text));
      name = inferred ?? 'filter';
      losses.push(inferred !== undefined && inferred !== 'filter'
        ? `iptables -S lists one table and does not name it; no \`*table\` line was given, so the table is inferred as ${inferred} from ${inferTableFromBuiltins(policies) === inferred ? 'its built-in chains' : 'the chains and targets it shows'}.`
        : 'iptables -S lists one table and does not name it; no `*table` line was given, so the table is assumed to be filter.');
    }
    return openTable(name, { start: at, end: at });
  };

  const getChain = (t: MutableTable, name: string, span: Span, create: boolean): MutableChain | undefined => {
    let ch = t.byName.get(name);
    if (ch || !create) return ch;
    const builtin = isBuiltinChain(t.name, name);
    if (!builtin) err(`Chain ${name} is not declared in table ${t.name}`, span.start, span.end);
    ch = { name, table: t.name, builtin, rules: [] };
    t.byName.set(name, ch);
    t.chains.push(ch);
    return ch;
  };

  const declareChain = (t: MutableTable, name: string, nameSpan: Span, declSpan: Span, policy: string | undefined, counters: Counters | undefined, policyCommand = false): void => {
    const builtin = isBuiltinChain(t.name, name);
    const existing = t.byName.get(name);
    if (existing) {
      if (existing.declSpan && !policyCommand) {
        err(`Chain ${name} is declared twice in table ${t.name}`, nameSpan.start, nameSpan.end, 'warning');
      }
      if (!existing.declSpan) {
        existing.declSpan = declSpan;
        existing.nameSpan = nameSpan;
      }
      if (policy !== undefined && policy !== '-') existing.policy = policy;
      if (counters) existing.counters = counters;
      return;
    }
    const ch: MutableChain = { name, table: t.name, builtin, declSpan, nameSpan, rules: [] };
    if (policy !== undefined && policy !== '-') ch.policy = policy;
    if (counters) ch.counters = counters;
    if (!builtin && policy !== undefined && policy !== '-') {
      err(`Only built-in chains have a policy; ${name} is a user chain`, declSpan.start, declSpan.end, 'warning');
    }
    t.byName.set(name, ch);
    t.chains.push(ch);
  };

  while (pos <= n) {
    let lineEnd = text.indexOf('\n', pos);
    if (lineEnd < 0) lineEnd = n;
    const nextPos = lineEnd + 1;
    // Trim both ends without slicing.
    let s = pos;
    let e = lineEnd;
    while (s < e) {
      const c = text.charCodeAt(s);
      if (c !== 32 && c !== 9 && c !== 13) break;
      s++;
    }
    while (e > s) {
      const c = text.charCodeAt(e - 1);
      if (c !== 32 && c !== 9 && c !== 13) break;
      e--;
    }
    if (s === e) {
      pos = nextPos;
      line++;
      continue;
    }
    const c0 = text.charCodeAt(s);
    if (c0 === 35 /* # */) {
      if (text.startsWith('# Generated by ', s)) {
        headerSeen = true;
        const header = text.slice(s, e);
        if (/nf_tables|iptables-nft|xtables-nft/.test(header)) flavour = 'nft';
        else if (/legacy|iptables-save v|ip6tables-save v/.test(header)) flavour = flavour ?? 'legacy';
        if (/ip6tables/.test(header)) family = 'ipv6';
        else if (/iptables/.test(header)) family = family ?? 'ipv4';
      } else if (text.startsWith('# Warning: iptables-legacy tables present', s)) {
        flavour = 'nft';
      }
    } else if (c0 === 42 /* * */) {
      let nameEnd = s + 1;
      while (nameEnd < e) {
        const c = text.charCodeAt(nameEnd);
        if (c === 32 || c === 9) break;
        nameEnd++;
      }
      const name = text.slice(s + 1, nameEnd);
      if (cur && !cur.committed && mode === 'save') {
        err(`Table ${cur.name} is not closed with COMMIT before *${name}`, cur.span.start, cur.span.end);
      }
      if (name === '') err('Missing table name after `*`', s, e);
      else if (!KNOWN_TABLES.has(name)) err(`Unknown table \`${name}\` (expected filter, nat, mangle, raw or security)`, s, e);
      if (nameEnd < e) err(`Unexpected text after *${name}`, nameEnd, e);
      cur = openTable(name, { start: s, end: e });
    } else if (c0 === 58 /* : */) {
      if (!cur) {
        err('Chain declaration before any table (expected a `*table` line first)', s, e);
      } else {
        if (cur.committed) err(`Chain declaration after COMMIT of table ${cur.name}`, s, e);
        scanner.scan(text, s + 1, e);
        const words = scanner.count;
        if (words === 0) {
          err('Missing chain name after `:`', s, e);
        } else {
          const nameSpan = { start: scanner.starts[0], end: scanner.ends[0] };
          const name = scanner.word(0);
          let counters: Counters | undefined;
          if (words < 2) err(`Missing policy for chain ${name} (expected \`-\`, ACCEPT or DROP)`, s, e);
          const policy = words >= 2 ? intern.at(text, scanner.starts[1], scanner.ends[1]) : undefined;
          if (words >= 3) {
            const cs = scanner.starts[2];
            const ce = scanner.ends[2];
            const rc = readCounters(text, cs, ce);
            if (rc && rc.end === ce) counters = rc.counters.packets === 0 && rc.counters.bytes === 0 ? ZERO_COUNTERS : rc.counters;
            else err(`Bad counters \`${scanner.word(2)}\` (expected [packets:bytes])`, cs, ce);
          }
          if (words > 3) err('Unexpected text after the chain counters', scanner.starts[3], e);
          declareChain(cur, name, nameSpan, { start: s, end: e }, policy, counters);
        }
      }
    } else if (c0 === 67 /* C */ && e - s === 6 && text.startsWith('COMMIT', s)) {
      if (!cur) err('COMMIT without a table', s, e);
      else if (cur.committed) err(`Second COMMIT for table ${cur.name}`, s, e);
      else cur.committed = true;
      if (mode === 'save') cur = undefined;
    } else {
      // A command line, optionally after [packets:bytes].
      let cmdStart = s;
      let lineCounters: Counters | undefined;
      if (c0 === 91 /* [ */) {
        const rc = readCounters(text, s, e);
        if (!rc) {
          err('Bad counters (expected [packets:bytes] before the rule)', s, e);
          pos = nextPos;
          line++;
          continue;
        }
        lineCounters = rc.counters;
        cmdStart = rc.end;
        while (cmdStart < e && (text.charCodeAt(cmdStart) === 32 || text.charCodeAt(cmdStart) === 9)) cmdStart++;
      }
      scanner.scan(text, cmdStart, e);
      if (scanner.unterminatedQuoteAt !== undefined) err('Unterminated quote', scanner.unterminatedQuoteAt, e);
      const cmd = scanner.count === 0 ? undefined
        : scanner.ends[0] - scanner.starts[0] === 2 && text.charCodeAt(scanner.starts[0]) === 45 && text.charCodeAt(scanner.starts[0] + 1) === 65 ? '-A'
          : COMMANDS[scanner.word(0)];
      if (cmd === undefined) {
        err(`Unrecognised line \`${text.slice(s, Math.min(e, s + 40))}\``, s, e);
      } else {
        if (!cur || (cur.committed && mode === 'save')) {
          if (mode === 'rules' && !cur) cur = implicitTable(s);
          else {
            const last = cur ?? tables[tables.length - 1];
            const cmdText = scanner.word(0);
            err(last ? `${cmdText} after COMMIT of table ${last.name} (expected a \`*table\` line first)` : `${cmdText} before any table (expected a \`*table\` line first)`, s, e);
          }
        }
        const t = cur && !(cur.committed && mode === 'save') ? cur : undefined;
        if (t) {
          if (cmd === '-A' && scanner.count >= 2) appendRule(t, s, e, cmdStart, lineCounters);
          else {
            if (cmd !== '-A') restoreOnly = true;
            const tokens = scanner.toTokens();
            handleCommand(cmd, tokens[0], tokens, t, s, e, cmdStart, lineCounters);
          }
        }
      }
    }
    pos = nextPos;
    line++;
  }

  function appendRule(t: MutableTable, s: number, e: number, cmdStart: number, lineCounters: Counters | undefined): void {
    // Rules of one chain come together: reuse the last chain when the name is the same, without slicing.
    let ch: MutableChain | undefined;
    const ns = scanner.starts[1];
    const ne = scanner.ends[1];
    if (lastChain !== undefined && lastChain.table === t.name && scanner.quotedText[1] === undefined && lastChain.name.length === ne - ns && text.startsWith(lastChain.name, ns) && t.byName.get(lastChain.name) === lastChain) {
      ch = lastChain;
    } else {
      const chainName = scanner.quotedText[1] !== undefined ? scanner.word(1) : intern.at(text, ns, ne);
      ch = t.byName.get(chainName) ?? getChain(t, chainName, { start: ns, end: ne }, true)!;
      lastChain = ch;
    }
    checkRuleSpec(scanner, 2, intern, summary);
    if (summary.errors.length > 0) for (const pe of summary.errors) errors.push(pe);
    if (!summary.hasTarget && summary.matchCount === 0 && scanner.count <= 2) {
      err(`Rule in ${ch.name} has no matches and no target`, s, e, 'warning');
    }
    if (!sawV4 && !sawV6) noteFamily();
    ch.rules.push(new LazyRule(t.name, ch.name, ch.rules.length, cmdStart, e, line, lineCounters ?? summary.counters, text, 2, summary));
  }

  /** Notes the address family the last checked rule's base -s/-d show. */
  function noteFamily(): void {
    if (summary.sawV6) sawV6 = true;
    if (summary.sawV4) sawV4 = true;
  }

  function handleCommand(cmd: string, cmdTok: Token, tokens: Token[], t: MutableTable, s: number, e: number, cmdStart: number, lineCounters: Counters | undefined): void {
    const chainTok = tokens[1];
    if (!chainTok && cmd !== '-F' && cmd !== '-Z' && cmd !== '-X') {
      err(`Missing chain name after ${cmdTok.text}`, cmdTok.span.start, e);
      return;
    }
    switch (cmd) {
      case '-A':
      case '-I':
      case '-R': {
        const ch = getChain(t, chainTok.text, chainTok.span, true)!;
        let specFrom = 2;
        let position: number | undefined;
        if ((cmd === '-I' || cmd === '-R') && tokens[2] && /^\d+$/.test(tokens[2].text)) {
          position = Number(tokens[2].text);
          specFrom = 3;
        }
        if (cmd === '-R' && position === undefined) {
          err('-R needs a rule number', cmdTok.span.start, e);
          return;
        }
        scanner.scan(text, cmdStart, e);
        checkRuleSpec(scanner, specFrom, intern, summary);
        for (const pe of summary.errors) errors.push(pe);
        if (!summary.hasTarget && summary.matchCount === 0 && tokens.length <= specFrom) {
          // `-A CHAIN` alone is valid (a rule that matches everything and does nothing) but often a truncation.
          err(`Rule in ${ch.name} has no matches and no target`, s, e, 'warning');
        }
        noteFamily();
        const rule = new LazyRule(t.name, ch.name, 0, cmdStart, e, line, lineCounters ?? summary.counters, text, specFrom, summary);
        if (cmd !== '-A') ch.reordered = true;
        if (cmd === '-A') ch.rules.push(rule);
        else if (cmd === '-I') {
          const at = position === undefined ? 0 : position - 1;
          if (at < 0 || at > ch.rules.length) {
            err(`Rule number ${position} is out of range for ${ch.name} (${ch.rules.length} rules)`, tokens[2].span.start, tokens[2].span.end);
            ch.rules.push(rule);
          } else ch.rules.splice(at, 0, rule);
        } else {
          const at = (position as number) - 1;
          if (at < 0 || at >= ch.rules.length) err(`Rule number ${position} is out of range for ${ch.name} (${ch.rules.length} rules)`, tokens[2].span.start, tokens[2].span.end);
          else ch.rules[at] = rule;
        }
        return;
      }
      case '-N': {
        if (tokens.length > 2) err('Unexpected text after the chain name', tokens[2].span.start, e);
        if (isBuiltinChain(t.name, chainTok.text)) err(`${chainTok.text} is a built-in chain of ${t.name}`, chainTok.span.start, chainTok.span.end);
        declareChain(t, chainTok.text, chainTok.span, { start: s, end: e }, undefined, undefined);
        return;
      }
      case '-P': {
        const policyTok = tokens[2];
        if (!policyTok) {
          err(`Missing policy for ${chainTok.text} (expected ACCEPT or DROP)`, s, e);
          return;
        }
        if (!isBuiltinChain(t.name, chainTok.text)) err(`${chainTok.text} is not a built-in chain of ${t.name}; only built-in chains have a policy`, chainTok.span.start, chainTok.span.end);
        let counters: Counters | undefined;
        if (tokens[3] && (tokens[3].text === '-c' || tokens[3].text === '--set-counters') && tokens[4] && tokens[5]) {
          counters = { packets: Number(tokens[4].text), bytes: Number(tokens[5].text) };
        }
        declareChain(t, chainTok.text, chainTok.span, { start: s, end: e }, policyTok.text, counters, true);
        return;
      }
      case '-X': {
        const names = chainTok ? [chainTok.text] : t.chains.filter((c) => !c.builtin).map((c) => c.name);
        for (const name of names) {
          const ch = t.byName.get(name);
          if (!ch) {
            if (chainTok) err(`Chain ${name} is not declared in table ${t.name}`, chainTok.span.start, chainTok.span.end);
          } else if (ch.builtin) {
            if (chainTok) err(`Cannot delete built-in chain ${name}`, chainTok.span.start, chainTok.span.end);
            continue;
          } else {
            if (ch.rules.length > 0 && chainTok) err(`Chain ${name} still has ${ch.rules.length} rules when it is deleted`, chainTok.span.start, chainTok.span.end);
            t.byName.delete(name);
            t.chains.splice(t.chains.indexOf(ch), 1);
          }
          t.deletedChains.push(name);
        }
        return;
      }
      case '-F': {
        if (chainTok) {
          const ch = t.byName.get(chainTok.text);
          if (ch) ch.rules = [];
          else if (!isBuiltinChain(t.name, chainTok.text)) err(`Chain ${chainTok.text} is not declared in table ${t.name}`, chainTok.span.start, chainTok.span.end);
        } else for (const ch of t.chains) ch.rules = [];
        return;
      }
      case '-Z':
        return;
      case '-E': {
        const newTok = tokens[2];
        const ch = t.byName.get(chainTok.text);
        if (!newTok) err('-E needs the old and the new chain name', s, e);
        else if (!ch) err(`Chain ${chainTok.text} is not declared in table ${t.name}`, chainTok.span.start, chainTok.span.end);
        else {
          t.byName.delete(ch.name);
          ch.name = newTok.text;
          for (const r of ch.rules) (r as { chain: string }).chain = newTok.text;
          t.byName.set(ch.name, ch);
        }
        return;
      }
      case '-D': {
        const ch = t.byName.get(chainTok.text);
        if (!ch) {
          err(`Chain ${chainTok.text} is not declared in table ${t.name}`, chainTok.span.start, chainTok.span.end);
          return;
        }
        const numTok = tokens[2];
        if (numTok && /^\d+$/.test(numTok.text) && tokens.length === 3) {
          const at = Number(numTok.text) - 1;
          if (at < 0 || at >= ch.rules.length) err(`Rule number ${numTok.text} is out of range for ${ch.name}`, numTok.span.start, numTok.span.end);
          else ch.rules.splice(at, 1);
          ch.reordered = true;
          return;
        }
        const want = numTok ? text.slice(numTok.span.start, e) : '';
        const at = ch.rules.findIndex((r) => r.text.slice(r.text.indexOf(ch.name) + ch.name.length).trim() === want);
        if (at < 0) err(`No rule in ${ch.name} matches the rule to delete`, s, e);
        else ch.rules.splice(at, 1);
        ch.reordered = true;
        return;
      }
    }
  }

  if (mode === 'save') {
    for (const t of tables) {
      if (!t.committed) err(`Table ${t.name} is not closed with COMMIT`, t.span.start, t.span.end);
    }
  }

  const outTables: Table[] = tables.map((t) => ({
    name: t.name,
    span: t.span,
    deletedChains: t.deletedChains,
    chains: t.chains.map((c): Chain => {
      if (c.reordered) for (let i = 0; i < c.rules.length; i++) if (c.rules[i].index !== i) (c.rules[i] as { index: number }).index = i;
      const out: { -readonly [K in keyof Chain]: Chain[K] } = { name: c.name, table: c.table, builtin: c.builtin, rules: c.rules };
      if (c.policy !== undefined) out.policy = c.policy;
      if (c.counters) out.counters = c.counters;
      if (c.declSpan) out.declSpan = c.declSpan;
      if (c.nameSpan) out.nameSpan = c.nameSpan;
      return out;
    }),
  }));

  let format: DumpFormat;
  if (mode === 'rules') format = 'rules';
  else if (headerSeen) format = 'save';
  else if (restoreOnly) format = 'restore';
  else {
    // No header: iptables-save output stripped of comments declares every built-in chain with a policy.
    const declaresBuiltins = tables.length > 0 && tables.every((t) => {
      const builtins = BUILTIN_CHAINS[t.name] ?? [];
      return builtins.length > 0 && builtins.every((b) => {
        const ch = t.byName.get(b);
        return ch !== undefined && ch.policy !== undefined;
      });
    });
    format = declaresBuiltins ? 'save' : 'restore';
  }
  if (family === undefined) {
    if (sawV6 && !sawV4) family = 'ipv6';
    else if (sawV4 && !sawV6) family = 'ipv4';
  }
  const result: { -readonly [K in keyof Ruleset]: Ruleset[K] } = { format, tables: outTables, errors, losses };
  if (family) result.family = family;
  if (flavour) result.flavour = flavour;
  return result;
}
