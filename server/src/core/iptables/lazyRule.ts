import type { Span } from '../text/span';
import type { Counters, Match, Rule, RuleOption, Target } from './model';
import { Interner, parseRuleSpec, type RuleSpec, type RuleSpecSummary } from './parseRuleSpec';
import { WordScanner } from './scanWords';

/**
 * A `Rule` whose matches, comment and target options are parsed from its text on first access and
 * then cached (see the design note in `parseDump.ts`). What the dump parser's eager pass already
 * knows (table, chain, position, span, counters, and where the target is) is stored as plain
 * fields, so chain indexes and reachability checks never parse a rule's matches. The getters
 * never throw: a bug in the lazy parse yields a rule with no matches rather than an exception.
 */
export class LazyRule implements Rule {
  table: string;
  chain: string;
  index: number;
  readonly line: number;
  declare readonly counters?: Counters;
  // The span as two numbers; the Span object is made on first access (one allocation less per rule).
  readonly #start: number;
  readonly #end: number;
  #span: Span | undefined;
  /** The whole dump text the span points into. */
  readonly #source: string;
  /**
   * Bits 0-1: the word of the line where the rule spec starts (`-A CHAIN ...` is words 0 and 1, so
   * 2; `-I CHAIN 3 ...` gives 3). Bits 2-3: the target: 0 none, 1 `-j`, 2 `-g`.
   */
  readonly #flags: number;
  // Where the target is (offsets), so `target` needs no parse; its options do.
  readonly #targetStart: number;
  readonly #targetEnd: number;
  readonly #targetNameStart: number;
  readonly #targetNameEnd: number;
  #target: LazyTarget | undefined;
  #spec: RuleSpec | undefined;

  constructor(table: string, chain: string, index: number, start: number, end: number, line: number, counters: Counters | undefined, source: string, from: number, summary: RuleSpecSummary) {
    this.table = table;
    this.chain = chain;
    this.index = index;
    this.#start = start;
    this.#end = end;
    this.#span = undefined;
    this.line = line;
    if (counters !== undefined) (this as { counters?: Counters }).counters = counters;
    this.#source = source;
    this.#flags = from | (summary.hasTarget ? (summary.targetKind === 'goto' ? 8 : 4) : 0);
    this.#targetStart = summary.targetStart;
    this.#targetEnd = summary.targetEnd;
    this.#targetNameStart = summary.targetNameStart;
    this.#targetNameEnd = summary.targetNameEnd;
    this.#target = undefined;
    this.#spec = undefined;
    // A quoted target name is not the source text: keep it now (rare).
    if (summary.hasTarget && summary.targetQuoted !== undefined) this.#target = this.newTarget(summary.targetQuoted);
  }

  get span(): Span {
    return (this.#span ??= { start: this.#start, end: this.#end });
  }

  get text(): string {
    return this.#source.slice(this.#start, this.#end);
  }

  get matches(): readonly Match[] {
    return this.spec().matches;
  }

  get target(): Target | undefined {
    if (this.#target === undefined && (this.#flags & 12) !== 0) {
      this.#target = this.newTarget(lazyIntern.at(this.#source, this.#targetNameStart, this.#targetNameEnd));
    }
    return this.#target;
  }

  get comment(): string | undefined {
    return this.spec().comment;
  }

  /** The target's options, parsed with the matches. */
  targetOptions(): readonly RuleOption[] {
    return this.spec().target?.options ?? NO_OPTIONS;
  }

  /** The same fields, in the same order, as the plain object the eager parser used to build. */
  toJSON(): object {
    const out: Record<string, unknown> = { table: this.table, chain: this.chain, index: this.index, text: this.text, span: this.span, line: this.line, matches: this.matches };
    if (this.target !== undefined) out.target = this.target;
    if (this.comment !== undefined) out.comment = this.comment;
    if (this.counters !== undefined) out.counters = this.counters;
    return out;
  }

  private newTarget(name: string): LazyTarget {
    return new LazyTarget(this, name, (this.#flags & 8) !== 0 ? 'goto' : 'jump', { start: this.#targetStart, end: this.#targetEnd }, { start: this.#targetNameStart, end: this.#targetNameEnd });
  }

  private spec(): RuleSpec {
    if (this.#spec !== undefined) return this.#spec;
    try {
      lazyScanner.scan(this.#source, this.#start, this.#end);
      this.#spec = parseRuleSpec(lazyScanner, this.#flags & 3, lazyIntern);
    } catch {
      this.#spec = EMPTY_SPEC;
    }
    return this.#spec;
  }
}

/** A rule's target: name, kind and spans known from the eager pass; options parsed on demand. */
class LazyTarget implements Target {
  readonly name: string;
  readonly kind: 'jump' | 'goto';
  readonly span: Span;
  readonly nameSpan: Span;
  readonly #rule: LazyRule;

  constructor(rule: LazyRule, name: string, kind: 'jump' | 'goto', span: Span, nameSpan: Span) {
    this.#rule = rule;
    this.name = name;
    this.kind = kind;
    this.span = span;
    this.nameSpan = nameSpan;
  }

  get options(): readonly RuleOption[] {
    return this.#rule.targetOptions();
  }

  toJSON(): object {
    return { name: this.name, kind: this.kind, options: this.options, span: this.span, nameSpan: this.nameSpan };
  }
}

// Lazy parses run one at a time (JavaScript is single-threaded and parseRuleSpec is synchronous).
const lazyScanner = new WordScanner();
const lazyIntern = new Interner();
const NO_OPTIONS: readonly RuleOption[] = Object.freeze([]) as readonly RuleOption[];
const EMPTY_SPEC: RuleSpec = Object.freeze({ matches: [], target: undefined, comment: undefined, counters: undefined, errors: [] });
