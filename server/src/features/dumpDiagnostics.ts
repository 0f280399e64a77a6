// Diagnostics on an open iptables dump: parse errors, jumps to undeclared chains, KUBE-* chains
// nobody jumps to, unreachable rules (checkDump), and drift against the rules generated for the
// node the dump came from. Drift findings about a Service point to its manifest (related
// information); a "has no endpoints" REJECT points to the Service's own selector diagnostic.
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import { checkDump } from '../core/iptables/checkDump';
import type { DriftFinding } from '../core/dump/drift';
import type { DocumentDiagnosticProvider } from './documentDiagnostics';
import { DIAGNOSTIC_SOURCE } from './diagnostics';
import type { FeatureContext, OpenDocument } from './featureContext';
import { conntrackTableOf, dumpAnalysisOf, findService, isConntrackDocument, isDumpDocument, servicePortLocation } from './dumpDocuments';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information } as const;

function relatedOf(ctx: FeatureContext, f: DriftFinding): DiagnosticRelatedInformation[] {
  if (!f.service) return [];
  const service = findService(ctx.snapshot, f.service.namespace, f.service.name);
  if (!service) return [];
  const out: DiagnosticRelatedInformation[] = [];
  if (f.code === 'drift-no-endpoints') {
    for (const d of ctx.snapshot.diagnostics()) {
      if (d.code !== 'service-selector-matches-no-pods' || d.uri !== service.uri || d.span.start < service.span.start || d.span.end > service.span.end) continue;
      const p = ctx.positions(d.uri);
      if (p) out.push({ location: { uri: d.uri, range: p.toRange(d.span) }, message: d.message });
    }
  }
  const location = servicePortLocation(ctx, service, f.service.svcPortName.includes(':') ? f.service.svcPortName.split(':')[1] : '');
  if (location) out.push({ location, message: `Service ${f.service.svcPortName} in the workspace` });
  return out;
}

export function computeDumpDiagnostics(ctx: FeatureContext, doc: OpenDocument): Diagnostic[] {
  const positions = ctx.positions(doc.uri);
  if (!positions) return [];
  const analysis = dumpAnalysisOf(ctx, doc);
  const out: Diagnostic[] = [];
  for (const p of checkDump(analysis.ruleset)) {
    const href = ctx.docsHref(p.code);
    out.push({ range: positions.toRange(p.span), severity: SEVERITY[p.severity], source: DIAGNOSTIC_SOURCE, code: p.code, ...(href ? { codeDescription: { href } } : {}), message: p.message });
  }
  const nodeNote = analysis.node.via === 'first-node' || analysis.node.via === 'setting' ? ` (compared with node ${analysis.node.name}: ${analysis.node.reason})` : '';
  for (const f of analysis.drift) {
    const related = relatedOf(ctx, f);
    const href = ctx.docsHref(f.code);
    out.push({
      range: positions.toRange(f.span), severity: SEVERITY[f.severity], source: DIAGNOSTIC_SOURCE, code: f.code,
      ...(href ? { codeDescription: { href } } : {}),
      message: f.message + nodeNote,
      ...(related.length > 0 ? { relatedInformation: related } : {}),
    });
  }
  return out;
}

export const dumpDiagnosticsProvider: DocumentDiagnosticProvider = {
  id: 'dumpDiagnostics',
  languageIds: ['iptables', 'plaintext'],
  provideDiagnostics: (ctx, doc) => (isDumpDocument(doc) ? computeDumpDiagnostics(ctx, doc) : []),
};

/** Lines of a conntrack listing that are not entries. */
export const conntrackDiagnosticsProvider: DocumentDiagnosticProvider = {
  id: 'conntrackDiagnostics',
  languageIds: ['conntrack', 'plaintext'],
  provideDiagnostics: (ctx, doc) => {
    const positions = isConntrackDocument(doc) ? ctx.positions(doc.uri) : undefined;
    if (!positions) return [];
    const href = ctx.docsHref('parse-error');
    return conntrackTableOf(doc).errors.map((e) => ({
      range: positions.toRange(e.span), severity: SEVERITY[e.severity], source: DIAGNOSTIC_SOURCE, code: 'parse-error',
      ...(href ? { codeDescription: { href } } : {}), message: e.message,
    }));
  },
};
