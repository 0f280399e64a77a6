import type { Token } from './tokenize';

/**
 * The result of splitting one line into words. Same rules as `tokenizeRuleLine` (white space
 * separates words, double quotes group, `\"` and `\\` escape inside quotes), written as a charCode
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
