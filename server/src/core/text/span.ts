/** A half-open range of UTF-16 offsets into a document's text: [start, end). The core speaks only in these. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A span inside a named document. `uri` is whatever the caller used to name the file. */
export interface Location {
  readonly uri: string;
  readonly span: Span;
}

export function span(start: number, end: number): Span {
  return { start, end };
}
