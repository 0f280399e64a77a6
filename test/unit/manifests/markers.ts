/**
 * Span markers for tests: `⟦` and `⟧` wrap an expected span (several allowed, in order) and are
 * removed from the text. Returns the clean text and the spans.
 */
export function extractSpans(marked: string): { text: string; spans: { start: number; end: number }[] } {
  let text = '';
  const spans: { start: number; end: number }[] = [];
  const open: number[] = [];
  for (const ch of marked) {
    if (ch === '⟦') open.push(text.length);
    else if (ch === '⟧') {
      const start = open.pop();
      if (start === undefined) throw new Error('unbalanced ⟧');
      spans.push({ start, end: text.length });
    } else text += ch;
  }
  if (open.length) throw new Error('unbalanced ⟦');
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  return { text, spans };
}
