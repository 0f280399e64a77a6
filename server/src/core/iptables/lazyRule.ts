import type { Span } from '../text/span';
import type { Counters, Match, Rule, RuleOption, Target } from './model';
import { Interner, parseRuleSpec, type RuleSpec, type RuleSpecSummary } from './parseRuleSpec';
import { WordScanner } from './scanWords';

/**
 * A `Rule` whose matches, comment and target options are parsed from its text on first access and
 * then cached (see the design note in `parseDump.ts`). What the dump parser's eager pass already
 * knows (table, chain, position, span, counters, and where the target is) is stored as plain
 * fields, so a chain index needs no rule's matches, and checkDump's reachability check parses only
 * the rules whose target is a verdict or a goto. The getters
 * never throw: a bug in the lazy parse yields a rule with no matches rather than an exception.
 */
export class LazyRule implements Rule {
  table: string;
  chain: string;
  index: number;
  readonly line: number;
  declare readonly counters?: Counters;
  /** The whole dump text the rule's span points into. */
  readonly #source: string;
  readonly #start: number;
  readonly #end: number;
  /**
   * Packed small numbers, so that a rule is one small object (a dump has a hundred thousand):
   * bits 0-1 the word of the line where the rule spec starts (`-A CHAIN ...` is words 0 and 1,
   * so 2; `-I CHAIN 3 ...` gives 3); bits 2-3 the target (0 none, 1 `-j`, 2 `-g`); bits 4-11 from
   * the `-j` to the target name; bits 12-29 from the end of the name to the end of the target's
   * options. A target whose offsets do not fit is built eagerly instead.
   */
  readonly #flags: number;
  readonly #targetStart: number;
  readonly #targetNameEnd: number;
  /** What is made on first access: the span object, the target, the parsed spec. */
  #lazy: { span?: Span; target?: LazyTarget; spec?: RuleSpec } | undefined;

  constructor(table: string, chain: string, index: number, start: number, end: number, line: number, counters: Counters | undefined, source: string, from: number, summary: RuleSpecSummary) {
    this.table = table;
    this.chain = chain;
    this.index = index;
    this.line = line;
    if (counters !== undefined) (this as { counters?: Counters }).counters = counters;
    this.#source = source;
    this.#start = start;
    this.#end = end;
    this.#lazy = undefined;
    this.#targetStart = summary.targetStart;
    this.#targetNameEnd = summary.targetNameEnd;
    const kind = summary.hasTarget ? (summary.targetKind === 'goto' ? 2 : 1) : 0;
    const toName = summary.targetNameStart - summary.targetStart;
    const tail = summary.targetEnd - summary.targetNameEnd;
    const fits = toName >= 0 && toName <= 0xff && tail >= 0 && tail <= 0x3ffff;
    this.#flags = from | (kind << 2) | (fits ? (toName << 4) | (tail << 12) : 0);
    // A quoted target name is not the source text, and odd offsets do not pack: build those now (rare).
    if (kind !== 0 && (summary.targetQuoted !== undefined || !fits)) {
      const name = summary.targetQuoted ?? lazyIntern.at(source, summary.targetNameStart, summary.targetNameEnd);
      this.#lazy = { target: new LazyTarget(this, name, kind === 2 ? 'goto' : 'jump', { start: summary.targetStart, end: summary.targetEnd }, { start: summary.targetNameStart, end: summary.targetNameEnd }) };
    }
  }

  get span(): Span {
    const lazy = (this.#lazy ??= {});
    return (lazy.span ??= { start: this.#start, end: this.#end });
  }

  get text(): string {
    return this.#source.slice(this.#start, this.#end);
  }

  get matches(): readonly Match[] {
    return this.spec().matches;
  }

  get target(): Target | undefined {
    const kind = (this.#flags >> 2) & 3;
    if (kind === 0) return undefined;
    const lazy = (this.#lazy ??= {});
    if (lazy.target === undefined) {
      const nameStart = this.#targetStart + ((this.#flags >> 4) & 0xff);
      const end = this.#targetNameEnd + (this.#flags >>> 12);
      lazy.target = new LazyTarget(this, lazyIntern.at(this.#source, nameStart, this.#targetNameEnd), kind === 2 ? 'goto' : 'jump',
        { start: this.#targetStart, end }, { start: nameStart, end: this.#targetNameEnd });
    }
    return lazy.target;
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

  private spec(): RuleSpec {
    const lazy = (this.#lazy ??= {});
    if (lazy.spec !== undefined) return lazy.spec;
    try {
      lazyScanner.scan(this.#source, this.#start, this.#end);
      lazy.spec = parseRuleSpec(lazyScanner, this.#flags & 3, lazyIntern);
    } catch {
      lazy.spec = EMPTY_SPEC;
    }
    return lazy.spec;
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
