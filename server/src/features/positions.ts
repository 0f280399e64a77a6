// The ONE place that turns the core's offset spans into LSP positions and ranges (and back).
import type { Position, Range } from 'vscode-languageserver';
import { LineIndex } from '../core/text/lineIndex';
import type { Span } from '../core/text/span';

/** A document's text with its line index, built once per (uri, version). */
export interface PositionMapper {
  toPosition(offset: number): Position;
  toRange(span: Span): Range;
  toOffset(position: Position): number;
}

export function createPositionMapper(text: string): PositionMapper {
  const index = new LineIndex(text);
  const toPosition = (offset: number): Position => index.positionAt(offset);
  return {
    toPosition,
    toRange: (span) => ({ start: toPosition(span.start), end: toPosition(Math.max(span.start, span.end)) }),
    toOffset: (position) => index.offsetAt(position.line, position.character),
  };
}
