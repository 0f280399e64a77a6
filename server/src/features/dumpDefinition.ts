// Go to definition in an iptables dump: from a `-j`/`-g` chain name to the chain's declaration;
// from a KUBE-SVC/SVL/EXT/FW/SEP declaration to the Service (port) in the workspace that produced it.
import type { DefinitionParams, Location } from 'vscode-languageserver';
import { findChainAt } from '../core/iptables/buildChainIndex';
import type { FeatureContext } from './featureContext';
import { dumpAnalysisOf, findService, openDump, servicePortLocation } from './dumpDocuments';

export function provideDumpDefinition(ctx: FeatureContext, params: DefinitionParams): Location[] {
  const doc = openDump(ctx, params.textDocument.uri);
  const positions = doc && ctx.positions(doc.uri);
  if (!doc || !positions) return [];
  const analysis = dumpAnalysisOf(ctx, doc);
  const hit = findChainAt(analysis.chainIndex, positions.toOffset(params.position));
  if (!hit) return [];
  if (hit.reference) {
    const span = hit.entry.nameSpan ?? hit.entry.declSpan;
    return span ? [{ uri: doc.uri, range: positions.toRange(span) }] : [];
  }
  const owner = analysis.map.byChain.get(hit.entry.chain);
  const service = owner ? findService(ctx.snapshot, owner.namespace, owner.name) : undefined;
  const location = service ? servicePortLocation(ctx, service, owner?.portName) : undefined;
  return location ? [location] : [];
}
