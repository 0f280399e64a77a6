import type { Span } from '../text/span';

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
 */
export function tokenizeRuleLine(line: string, base = 0): TokenizeResult {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  let unterminatedQuoteAt: number | undefined;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    const start = i;
    let text = '';
    let quoted = false;
    while (i < n) {
      const ch = line[i];
      if (ch === ' ' || ch === '\t' || ch === '\r') break;
      if (ch === '"') {
        quoted = true;
        i++;
        let closed = false;
        while (i < n) {
          const q = line[i];
          if (q === '\\' && i + 1 < n && (line[i + 1] === '"' || line[i + 1] === '\\')) {
            text += line[i + 1];
            i += 2;
            continue;
          }
          if (q === '"') {
            closed = true;
            i++;
            break;
          }
          text += q;
          i++;
        }
        if (!closed) unterminatedQuoteAt = base + start;
        continue;
      }
      text += ch;
      i++;
    }
    tokens.push({ text, span: { start: base + start, end: base + i }, quoted });
  }
  return unterminatedQuoteAt === undefined ? { tokens } : { tokens, unterminatedQuoteAt };
}

/** Quotes a word for an iptables-save style line when it needs it (spaces, quotes, empty). */
export function quoteWord(word: string): string {
  if (word !== '' && !/[\s"\\]/.test(word)) return word;
  return '"' + word.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}
