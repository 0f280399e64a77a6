// The outline of a manifest file: each object (`Deployment web`) with its notable fields.
import { SymbolKind, type DocumentSymbol, type DocumentSymbolParams } from 'vscode-languageserver';
import { outlineFile, type OutlineKind, type OutlineNode } from '../core/queries';
import type { FeatureContext } from './featureContext';
import type { PositionMapper } from './positions';

const KIND: Readonly<Record<OutlineKind, SymbolKind>> = {
  object: SymbolKind.Struct,
  selector: SymbolKind.Key,
  labels: SymbolKind.Property,
  port: SymbolKind.Interface,
  container: SymbolKind.Module,
  backend: SymbolKind.Function,
  field: SymbolKind.Field,
};

export function provideDocumentSymbols(ctx: FeatureContext, params: DocumentSymbolParams): DocumentSymbol[] {
  const uri = params.textDocument.uri;
  const file = ctx.snapshot.file(uri);
  const positions = ctx.positions(uri);
  if (!file || !positions) return [];
  return outlineFile(file).map((n) => toSymbol(positions, n));
}

function toSymbol(positions: PositionMapper, node: OutlineNode): DocumentSymbol {
  const range = positions.toRange(node.span);
  const inside = node.selectionSpan.start >= node.span.start && node.selectionSpan.end <= node.span.end;
  return {
    name: node.name || '(unnamed)',
    ...(node.detail ? { detail: node.detail } : {}),
    kind: KIND[node.kind],
    range,
    selectionRange: inside ? positions.toRange(node.selectionSpan) : range,
    children: node.children.map((c) => toSymbol(positions, c)),
  };
}
