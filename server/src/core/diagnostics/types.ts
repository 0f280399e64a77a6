import type { Span } from '../text/span';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** Another place that explains the diagnostic (often in another file). */
export interface RelatedInformation {
  readonly uri: string;
  readonly span: Span;
  readonly message: string;
}

export interface TextEdit {
  readonly uri: string;
  readonly span: Span;
  readonly newText: string;
}

/** A quick fix: edits to apply together. */
export interface Fix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
}

export interface Diagnostic {
  readonly uri: string;
  readonly span: Span;
  readonly severity: Severity;
  /** A code from the rule catalog (`rules.ts`), or `manifest-skipped` for the one note a skipped file gets. */
  readonly code: string;
  readonly message: string;
  readonly related: readonly RelatedInformation[];
  readonly fixes?: readonly Fix[];
}

/** Sorts diagnostics by file, then position, then code: the order every caller shows them in. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.uri !== b.uri) return a.uri < b.uri ? -1 : 1;
  if (a.span.start !== b.span.start) return a.span.start - b.span.start;
  if (a.span.end !== b.span.end) return a.span.end - b.span.end;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
