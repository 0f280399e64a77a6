/**
 * The normalisation kube-proxy's own unit tests apply before comparing an iptables-restore
 * dump (`sortIPTablesRules`), the dump parser it rests on (`iptablestest.ParseIPTablesDump`),
 * the per-chain extraction of `assertIPTablesChainEqual`, and the consistency check
 * `checkIPTablesRuleJumps`. Ported from their description in the conformance corpus README
 * (§4.2, §4.3). Nothing here throws: problems come back as error strings.
 */

export interface TestDumpRule {
  readonly chain: string;
  /** The whole line, trimmed, e.g. `-A KUBE-SERVICES -m comment ...`. */
  readonly raw: string;
  /** The value after `--comment` (quotes removed), if any. */
  readonly comment?: string;
}

export interface TestDumpChain {
  readonly name: string;
  readonly packets: string;
  readonly bytes: string;
  readonly rules: TestDumpRule[];
  deleted: boolean;
}

export interface TestDumpTable {
  readonly name: string;
  readonly chains: TestDumpChain[];
}

export interface TestDump {
  readonly tables: readonly TestDumpTable[];
  readonly errors: readonly string[];
}

const CHAIN_DECL = /^:([^ ]*) - \[([0-9]*):([0-9]*)\]$/;
const WORD = /(?:^|\s)("[^"]*"|[^"]\S*)/g;

/** ParseRule's comment: words split like the Go test helper, `-m X` pairs skipped, the word after `--comment`. */
export function ruleComment(raw: string): string | undefined {
  const words: string[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(raw); m; m = WORD.exec(raw)) {
    let w = m[1];
    if (w.length >= 2 && w.startsWith('"') && w.endsWith('"')) w = w.slice(1, -1);
    words.push(w);
  }
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '-m') {
      i++;
      continue;
    }
    if (words[i] === '--comment') return i + 1 < words.length ? words[i + 1] : undefined;
  }
  return undefined;
}

/** `iptablestest.ParseIPTablesDump`: the tables of a restore-format text, with their chains in declaration order. */
export function parseTestDump(text: string): TestDump {
  const errors: string[] = [];
  const tables: TestDumpTable[] = [];
  const lines = text.replace(/^\n+|\n+$/g, '').split('\n');
  let table: TestDumpTable | undefined;
  let byName = new Map<string, TestDumpChain>();
  let inDecls = false;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!table) {
      if (line.startsWith('*')) {
        table = { name: line.slice(1), chains: [] };
        tables.push(table);
        byName = new Map();
        inDecls = true;
        continue;
      }
      errors.push(`line ${n + 1}: expected a table (*NAME), got ${JSON.stringify(line)}`);
      break;
    }
    if (inDecls) {
      const m = CHAIN_DECL.exec(line);
      if (m) {
        const chain: TestDumpChain = { name: m[1], packets: m[2], bytes: m[3], rules: [], deleted: false };
        table.chains.push(chain);
        byName.set(chain.name, chain);
        continue;
      }
      inDecls = false;
    }
    if (line.startsWith('-A ')) {
      const name = line.slice(3).split(' ', 1)[0];
      const chain = byName.get(name);
      if (!chain) {
        errors.push(`line ${n + 1}: rule for undeclared chain ${name}`);
        break;
      }
      chain.rules.push({ chain: name, raw: line, comment: ruleComment(line) });
    } else if (line.startsWith('-X ')) {
      const name = line.slice(3).trim();
      const chain = byName.get(name);
      if (!chain) {
        errors.push(`line ${n + 1}: -X for undeclared chain ${name}`);
        break;
      }
      if (chain.rules.length > 0) {
        errors.push(`line ${n + 1}: -X for chain ${name} that has rules`);
        break;
      }
      chain.deleted = true;
    } else if (line === 'COMMIT') {
      table = undefined;
    } else {
      errors.push(`line ${n + 1}: unexpected line ${JSON.stringify(line)}`);
      break;
    }
  }
  if (table && errors.length === 0) errors.push(`table ${table.name} has no COMMIT`);
  return { tables, errors };
}

function chainOrder(a: string, b: string): number {
  const rank = (c: string): number => (c === 'KUBE-NODEPORTS' ? 0 : c === 'KUBE-SERVICES' ? 1 : c.startsWith('KUBE-') ? 2 : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function serviceNameOf(rule: TestDumpRule): string | undefined {
  if (rule.comment === undefined) return undefined;
  const cut = rule.comment.search(/[ :]/);
  return cut < 0 ? rule.comment : rule.comment.slice(0, cut);
}

/** A stable sort by a Go-style `less`, as `sort.SliceStable` does it. */
function stableSort<T>(items: T[], less: (a: T, b: T) => boolean): T[] {
  const indexed = items.map((v, i) => ({ v, i }));
  indexed.sort((x, y) => (less(x.v, y.v) ? -1 : less(y.v, x.v) ? 1 : x.i - y.i));
  return indexed.map((x) => x.v);
}

function sortRulesOf(table: string, chain: TestDumpChain): TestDumpRule[] {
  const byName = (a: TestDumpRule, b: TestDumpRule): boolean => {
    const na = serviceNameOf(a);
    const nb = serviceNameOf(b);
    if (na === undefined || nb === undefined) return false;
    return na < nb;
  };
  if ((table === 'filter' && (chain.name === 'KUBE-NODEPORTS' || chain.name === 'KUBE-SERVICES')) || (table === 'nat' && chain.name === 'KUBE-NODEPORTS')) {
    return stableSort(chain.rules, byName);
  }
  if (table === 'nat' && chain.name === 'KUBE-SERVICES') {
    const isLast = (r: TestDumpRule): boolean => r.comment !== undefined && r.comment.includes('must be the last rule');
    return stableSort(chain.rules, (a, b) => {
      if (isLast(a)) return false;
      if (isLast(b)) return true;
      return byName(a, b);
    });
  }
  return chain.rules;
}

export interface SortResult {
  readonly text: string;
  readonly errors: readonly string[];
}

/** sortIPTablesRules with its parse errors; on an error the text is returned unchanged. */
export function trySortIPTablesRules(text: string): SortResult {
  const dump = parseTestDump(text);
  if (dump.errors.length > 0) return { text, errors: dump.errors };
  const out: string[] = [];
  const tables = [...dump.tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const t of tables) {
    out.push(`*${t.name}\n`);
    const chains = [...t.chains].sort((a, b) => chainOrder(a.name, b.name));
    for (const c of chains) out.push(`:${c.name} - [${c.packets}:${c.bytes}]\n`);
    for (const c of chains) for (const r of sortRulesOf(t.name, c)) out.push(r.raw + '\n');
    for (const c of chains) if (c.deleted) out.push(`-X ${c.name}\n`);
    out.push('COMMIT\n');
  }
  return { text: out.join(''), errors: [] };
}

/**
 * kube-proxy's test normalisation (`sortIPTablesRules`): tables by name, chains KUBE-NODEPORTS,
 * KUBE-SERVICES, other KUBE-*, then the rest; rules re-ordered by service name only in filter
 * KUBE-NODEPORTS/KUBE-SERVICES and nat KUBE-NODEPORTS/KUBE-SERVICES. Returns the input
 * unchanged if it does not parse (see `trySortIPTablesRules` for the errors).
 */
export function sortIPTablesRules(text: string): string {
  return trySortIPTablesRules(text).text;
}

/** `assertIPTablesChainEqual`'s value: the raw rules of one chain (unsorted), each with `\n`, or '' when absent. */
export function extractChainRules(text: string, table: string, chain: string): string {
  const dump = parseTestDump(text);
  const t = dump.tables.find((x) => x.name === table);
  const c = t?.chains.find((x) => x.name === chain);
  return c ? c.rules.map((r) => r.raw + '\n').join('') : '';
}

const TERMINAL_TARGETS = new Set(['ACCEPT', 'REJECT', 'DROP', 'MARK', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE']);
const NEED_NOT_BE_JUMPED_TO = new Set(['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-FORWARD', 'KUBE-MARK-MASQ', 'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL']);

/**
 * `checkIPTablesRuleJumps`: per table, every `-j X` (non-terminal) and `-A X` names a declared,
 * undeleted chain; every chain jumped to has a rule (KUBE-NODEPORTS exempt); every declared chain
 * is jumped to (the top-level chains exempt). Returns the problems found ([] = consistent).
 */
export function checkIPTablesRuleJumps(text: string): string[] {
  const problems: string[] = [];
  for (const block of text.split('COMMIT\n')) {
    const lines = block.split('\n');
    const tableLine = lines.find((l) => l.startsWith('*'));
    if (!tableLine) continue;
    const table = tableLine.slice(1);
    const declared = new Set<string>();
    const deleted = new Set<string>();
    const jumpedTo = new Set<string>();
    const hasRules = new Set<string>();
    for (const l of lines) {
      const d = CHAIN_DECL.exec(l);
      if (d) declared.add(d[1]);
      else if (l.startsWith('-X ')) deleted.add(l.slice(3).trim());
    }
    for (const l of lines) {
      if (!l.startsWith('-A ')) continue;
      const words = l.split(' ');
      const chain = words[1];
      hasRules.add(chain);
      if (!declared.has(chain) || deleted.has(chain)) problems.push(`${table}: rule appended to undeclared chain ${chain}`);
      const j = words.indexOf('-j');
      if (j >= 0 && j + 1 < words.length) {
        const target = words[j + 1];
        if (TERMINAL_TARGETS.has(target)) continue;
        jumpedTo.add(target);
        if (!declared.has(target) || deleted.has(target)) problems.push(`${table}: ${chain} jumps to undeclared chain ${target}`);
      }
    }
    for (const c of jumpedTo) {
      if (c !== 'KUBE-NODEPORTS' && !hasRules.has(c)) problems.push(`${table}: chain ${c} is jumped to but has no rules`);
    }
    for (const c of declared) {
      if (deleted.has(c) || NEED_NOT_BE_JUMPED_TO.has(c)) continue;
      if (!jumpedTo.has(c)) problems.push(`${table}: chain ${c} is declared but never jumped to`);
    }
  }
  return problems;
}
