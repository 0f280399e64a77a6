// Outline of an iptables dump: tables, and in each its chains with their rule count (and, for
// kube-proxy's per-Service chains, the Service port they belong to).
import { SymbolKind, type DocumentSymbol, type DocumentSymbolParams } from 'vscode-languageserver';
import type { FeatureContext } from './featureContext';
import { dumpAnalysisOf, openDump } from './dumpDocuments';

export function provideDumpSymbols(ctx: FeatureContext, params: DocumentSymbolParams): DocumentSymbol[] {
  const doc = openDump(ctx, params.textDocument.uri);
  const positions = doc && ctx.positions(doc.uri);
  if (!doc || !positions) return [];
  const { ruleset, map } = dumpAnalysisOf(ctx, doc);
  const out: DocumentSymbol[] = [];
  for (const table of ruleset.tables) {
    const children: DocumentSymbol[] = [];
    let tableEnd = table.span.end;
    for (const chain of table.chains) {
      const last = chain.rules[chain.rules.length - 1];
      const start = chain.declSpan?.start ?? chain.rules[0]?.span.start;
      if (start === undefined) continue;
      const end = Math.max(chain.declSpan?.end ?? start, last?.span.end ?? start);
      tableEnd = Math.max(tableEnd, end);
      const owner = map.byChain.get(chain.name);
      const count = `${chain.rules.length} rule${chain.rules.length === 1 ? '' : 's'}`;
      const detail = [chain.policy ? `policy ${chain.policy}` : '', count, owner?.svcPortName ?? '', owner?.endpoint ? `→ ${owner.endpoint}` : ''].filter((s) => s !== '').join(' · ');
      const selection = chain.nameSpan ?? chain.declSpan ?? { start, end: start };
      children.push({
        name: chain.name,
        detail,
        kind: chain.builtin ? SymbolKind.Event : SymbolKind.Function,
        range: positions.toRange({ start: Math.min(start, selection.start), end: Math.max(end, selection.end) }),
        selectionRange: positions.toRange(selection),
      });
    }
    for (const c of table.chains) for (const r of c.rules) tableEnd = Math.max(tableEnd, r.span.end);
    out.push({
      name: table.name,
      detail: `${table.chains.length} chain${table.chains.length === 1 ? '' : 's'}`,
      kind: SymbolKind.Namespace,
      range: positions.toRange({ start: table.span.start, end: tableEnd }),
      selectionRange: positions.toRange(table.span),
      children,
    });
  }
  return out;
}
