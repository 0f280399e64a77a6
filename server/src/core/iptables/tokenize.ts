import type { Span } from '../text/span';
import { scanWords } from './scanWords';

/** One word of an iptables rule line, as iptables-restore splits it. */
export interface Token {
  /** The word with quotes removed and `\"` / `\\` escapes resolved. */
  readonly text: string;
  /** Offsets of the word as written (quotes included), relative to the start of the tokenized text plus `base`. */
  readonly span: Span;
  /** True when the word was written in double quotes. */
  readonly quoted: boolean;
}

export interface TokenizeResult {
  readonly tokens: Token[];
  /** Set when a quote is never closed; the last token then runs to the end of the line. */
  readonly unterminatedQuoteAt?: number;
}

/**
 * Splits one rule line into words the way iptables-restore does: white space separates words,
 * double quotes group a word that contains spaces, and inside quotes a backslash escapes the next
 * character. Never throws. `base` is added to every span (the line's offset in its document).
 * The scan itself is `scanWords`, shared with the dump parser.
 */
export function tokenizeRuleLine(line: string, base = 0): TokenizeResult {
  const r = scanWords(line, 0, line.length);
  if (base === 0) return r;
  const tokens = r.tokens.map((t) => ({ ...t, span: { start: t.span.start + base, end: t.span.end + base } }));
  return r.unterminatedQuoteAt === undefined ? { tokens } : { tokens, unterminatedQuoteAt: r.unterminatedQuoteAt + base };
}

/** Quotes a word for an iptables-save style line when it needs it (spaces, quotes, empty). */
export function quoteWord(word: string): string {
  if (word !== '' && !/[\s"\\]/.test(word)) return word;
  return '"' + word.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}
