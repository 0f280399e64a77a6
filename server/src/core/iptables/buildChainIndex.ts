import type { Span } from '../text/span';
import type { Ruleset } from './model';
import { isKnownTarget } from './targets';

/** One `-j CHAIN` / `-g CHAIN` in a rule. */
export interface ChainReference {
  /** The chain whose rule jumps. */
  readonly fromChain: string;
  /** 0-based index of the rule in fromChain. */
  readonly ruleIndex: number;
  readonly line: number;
  readonly kind: 'jump' | 'goto';
  /** The chain name after -j/-g. */
  readonly span: Span;
}

export interface ChainIndexEntry {
  readonly table: string;
  readonly chain: string;
  /** False for a name only ever jumped to (not declared in the table). */
  readonly declared: boolean;
  readonly builtin: boolean;
  readonly declSpan?: Span;
  readonly nameSpan?: Span;
  readonly ruleCount: number;
  readonly references: readonly ChainReference[];
}

export interface ChainIndex {
  /** In table order, then declaration order; names only referenced come after the declared ones. */
  readonly entries: readonly ChainIndexEntry[];
}

/**
 * Every chain of every table with its declaration and every `-j`/`-g` reference to it, for the
 * outline, go to definition and find references. Targets that are not chains of the table (ACCEPT,
 * DNAT…) are not indexed unless a chain of that name exists.
 */
export function buildChainIndex(ruleset: Ruleset, isTarget: (name: string) => boolean = isKnownTarget): ChainIndex {
  const entries: ChainIndexEntry[] = [];
  for (const table of ruleset.tables) {
    const refs = new Map<string, ChainReference[]>();
    for (const ch of table.chains) {
      for (const r of ch.rules) {
        const t = r.target;
        if (!t) continue;
        let list = refs.get(t.name);
        if (!list) refs.set(t.name, (list = []));
        list.push({ fromChain: ch.name, ruleIndex: r.index, line: r.line, kind: t.kind, span: t.nameSpan });
      }
    }
    const declared = new Set<string>();
    for (const ch of table.chains) {
      declared.add(ch.name);
      const e: { -readonly [K in keyof ChainIndexEntry]: ChainIndexEntry[K] } = {
        table: table.name, chain: ch.name, declared: ch.declSpan !== undefined, builtin: ch.builtin, ruleCount: ch.rules.length, references: refs.get(ch.name) ?? [],
      };
      if (ch.declSpan) e.declSpan = ch.declSpan;
      if (ch.nameSpan) e.nameSpan = ch.nameSpan;
      entries.push(e);
    }
    for (const [name, list] of refs) {
      if (declared.has(name) || isTarget(name)) continue;
      entries.push({ table: table.name, chain: name, declared: false, builtin: false, ruleCount: 0, references: list });
    }
  }
  return { entries };
}

/** The index entry whose declaration name or one of whose references covers `offset`. */
export function findChainAt(index: ChainIndex, offset: number): { readonly entry: ChainIndexEntry; readonly reference?: ChainReference } | undefined {
  for (const entry of index.entries) {
    if (entry.nameSpan && entry.nameSpan.start <= offset && offset <= entry.nameSpan.end) return { entry };
    for (const reference of entry.references) {
      if (reference.span.start <= offset && offset <= reference.span.end) return { entry, reference };
    }
  }
  return undefined;
}

export function lookupChain(index: ChainIndex, table: string, chain: string): ChainIndexEntry | undefined {
  return index.entries.find((e) => e.table === table && e.chain === chain);
}
