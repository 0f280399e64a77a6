import type { Token } from './tokenize';

/**
 * The result of splitting one line into words, the way iptables-restore does (white space
 * separates words, double quotes group, `\"` and `\\` escape inside quotes; `tokenizeRuleLine`
 * is this with line-relative offsets), written as a charCode
 * scan that slices unquoted words instead of building them one character at a time: the dump
 * parser calls it once per line of files with hundreds of thousands of lines.
 */
export interface ScannedWords {
  readonly tokens: Token[];
  /** Offset (absolute) of a quote that is never closed. */
  readonly unterminatedQuoteAt?: number;
}

/** Splits `text[from, to)` into words; spans are absolute offsets into `text`. Never throws. */
export function scanWords(text: string, from: number, to: number): ScannedWords {
  const tokens: Token[] = [];
  let i = from;
  let unterminatedQuoteAt: number | undefined;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    const start = i;
    // Fast path: an unquoted word.
    while (i < to) {
      const ch = text.charCodeAt(i);
      if (ch === 32 || ch === 9 || ch === 13 || ch === 34 /* " */) break;
      i++;
    }
    if (i >= to || text.charCodeAt(i) !== 34) {
      tokens.push({ text: text.slice(start, i), span: { start, end: i }, quoted: false });
      continue;
    }
    // Slow path: the word contains a quote somewhere.
    let word = text.slice(start, i);
    while (i < to) {
      const ch = text.charCodeAt(i);
      if (ch === 32 || ch === 9 || ch === 13) break;
      if (ch !== 34) {
        let j = i + 1;
        while (j < to) {
          const cj = text.charCodeAt(j);
          if (cj === 32 || cj === 9 || cj === 13 || cj === 34) break;
          j++;
        }
        word += text.slice(i, j);
        i = j;
        continue;
      }
      i++; // opening quote
      let closed = false;
      let segStart = i;
      while (i < to) {
        const q = text.charCodeAt(i);
        if (q === 92 /* \ */ && i + 1 < to) {
          const nx = text.charCodeAt(i + 1);
          if (nx === 34 || nx === 92) {
            word += text.slice(segStart, i) + text[i + 1];
            i += 2;
            segStart = i;
            continue;
          }
        }
        if (q === 34) {
          word += text.slice(segStart, i);
          closed = true;
          i++;
          break;
        }
        i++;
      }
      if (!closed) {
        word += text.slice(segStart, i);
        unterminatedQuoteAt = start;
      }
    }
    tokens.push({ text: word, span: { start, end: i }, quoted: true });
  }
  return unterminatedQuoteAt === undefined ? { tokens } : { tokens, unterminatedQuoteAt };
}

/**
 * The same word splitting as `scanWords`, into reusable arrays instead of one object per word:
 * the dump parser scans every line with one scanner and slices only the words it keeps.
 */
export class WordScanner {
  count = 0;
  starts: number[] = [];
  ends: number[] = [];
  /** The unquoted text of quoted words (undefined for plain words). */
  quotedText: (string | undefined)[] = [];
  unterminatedQuoteAt: number | undefined;
  text = '';

  scan(text: string, from: number, to: number): void {
    this.text = text;
    this.count = 0;
    this.unterminatedQuoteAt = undefined;
    let i = from;
    while (i < to) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13) {
        i++;
        continue;
      }
      const start = i;
      while (i < to) {
        const ch = text.charCodeAt(i);
        // Most characters are above `"` (34): one comparison for them.
        if (ch <= 34 && (ch === 32 || ch === 9 || ch === 13 || ch === 34)) break;
        i++;
      }
      const k = this.count++;
      this.starts[k] = start;
      if (i >= to || text.charCodeAt(i) !== 34) {
        this.ends[k] = i;
        this.quotedText[k] = undefined;
        continue;
      }
      // The word has a quote. Fast path: the whole word is "..." without escapes.
      let j = i;
      let inQuote = false;
      let escapes = false;
      while (j < to) {
        const ch = text.charCodeAt(j);
        if (inQuote) {
          if (ch === 92 && j + 1 < to) {
            escapes = true;
            j += 2;
            continue;
          }
          if (ch === 34) inQuote = false;
        } else if (ch === 32 || ch === 9 || ch === 13) break;
        else if (ch === 34) inQuote = true;
        j++;
      }
      this.ends[k] = j;
      if (!inQuote && !escapes && i === start && j - start >= 2 && text.charCodeAt(j - 1) === 34 && text.indexOf('"', start + 1) === j - 1) {
        this.quotedText[k] = text.slice(start + 1, j - 1);
      } else {
        const r = scanWords(text, start, j);
        this.quotedText[k] = r.tokens.length > 0 ? r.tokens[0].text : '';
        if (r.unterminatedQuoteAt !== undefined) this.unterminatedQuoteAt = r.unterminatedQuoteAt;
      }
      i = j;
    }
  }

  /** The word's text (quotes removed). */
  word(k: number): string {
    const q = this.quotedText[k];
    return q !== undefined ? q : this.text.slice(this.starts[k], this.ends[k]);
  }

  quoted(k: number): boolean {
    return this.quotedText[k] !== undefined;
  }

  /** Whether word k is exactly `s` (unquoted), without slicing. */
  is(k: number, s: string): boolean {
    const start = this.starts[k];
    return this.quotedText[k] === undefined && this.ends[k] - start === s.length && this.text.startsWith(s, start);
  }

  /** The words as Token objects (for the rare commands that are not -A). */
  toTokens(): Token[] {
    const out: Token[] = [];
    for (let k = 0; k < this.count; k++) out.push({ text: this.word(k), span: { start: this.starts[k], end: this.ends[k] }, quoted: this.quoted(k) });
    return out;
  }
}
