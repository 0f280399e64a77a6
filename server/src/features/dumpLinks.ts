// Document links in an iptables dump: every KUBE-SVC/SVL/EXT/FW/SEP chain name (declaration and
// jumps) links to the Service port in the workspace that produced it.
import type { DocumentLink, DocumentLinkParams } from 'vscode-languageserver';
import type { FeatureContext } from './featureContext';
import { dumpAnalysisOf, findService, openDump, servicePortLocation } from './dumpDocuments';

const KIND_WORDS = { svc: 'service chain (Cluster policy)', svl: 'service chain (Local policy)', ext: 'external-traffic chain', fw: 'load-balancer firewall chain', sep: 'endpoint chain' } as const;

export function provideDumpLinks(ctx: FeatureContext, params: DocumentLinkParams): DocumentLink[] {
  const doc = openDump(ctx, params.textDocument.uri);
  const positions = doc && ctx.positions(doc.uri);
  if (!doc || !positions) return [];
  const analysis = dumpAnalysisOf(ctx, doc);
  const targets = new Map<string, { target: string; tooltip: string } | null>();
  const targetOf = (chain: string): { target: string; tooltip: string } | null => {
    const known = targets.get(chain);
    if (known !== undefined) return known;
    const owner = analysis.map.byChain.get(chain);
    const service = owner?.servicePort ? findService(ctx.snapshot, owner.namespace, owner.name) : undefined;
    const location = service ? servicePortLocation(ctx, service, owner?.portName) : undefined;
    let value: { target: string; tooltip: string } | null = null;
    if (owner && location) {
      const line = location.range.start.line + 1;
      const col = location.range.start.character + 1;
      const how = owner.via === 'comment' ? 'from the rule comments' : owner.via === 'legacy-hash' ? 'by the pre-1.6 name hash' : 'by the name hash';
      value = {
        target: `${location.uri}#L${line},${col}`,
        tooltip: `${owner.svcPortName ?? ''} ${KIND_WORDS[owner.kind]}${owner.endpoint ? ` for endpoint ${owner.endpoint}` : ''} (matched ${how}) — ${ctx.displayPath(location.uri)}:${line}`,
      };
    }
    targets.set(chain, value);
    return value;
  };
  const out: DocumentLink[] = [];
  for (const entry of analysis.chainIndex.entries) {
    if (!analysis.map.byChain.has(entry.chain)) continue;
    const t = targetOf(entry.chain);
    if (!t) continue;
    const spans = [...(entry.nameSpan ? [entry.nameSpan] : []), ...entry.references.map((r) => r.span)];
    for (const span of spans) out.push({ range: positions.toRange(span), target: t.target, tooltip: t.tooltip });
  }
  return out;
}
