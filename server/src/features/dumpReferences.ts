// Find all references of a chain in an iptables dump: every `-j`/`-g` to it (and its declaration
// when the client asks for it).
import type { Location, ReferenceParams } from 'vscode-languageserver';
import { findChainAt } from '../core/iptables/buildChainIndex';
import type { FeatureContext } from './featureContext';
import { dumpAnalysisOf, openDump } from './dumpDocuments';

export function provideDumpReferences(ctx: FeatureContext, params: ReferenceParams): Location[] {
  const doc = openDump(ctx, params.textDocument.uri);
  const positions = doc && ctx.positions(doc.uri);
  if (!doc || !positions) return [];
  const hit = findChainAt(dumpAnalysisOf(ctx, doc).chainIndex, positions.toOffset(params.position));
  if (!hit) return [];
  const out: Location[] = [];
  if (params.context.includeDeclaration && hit.entry.nameSpan) out.push({ uri: doc.uri, range: positions.toRange(hit.entry.nameSpan) });
  for (const r of hit.entry.references) out.push({ uri: doc.uri, range: positions.toRange(r.span) });
  return out;
}
