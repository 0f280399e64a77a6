// Turns the core's diagnostics into LSP diagnostics: source, code, related information across files,
// a link to the rule's documentation.
import {
  DiagnosticSeverity,
  type Diagnostic as LspDiagnostic,
  type DiagnosticRelatedInformation,
} from 'vscode-languageserver';
import type { Diagnostic, Severity } from '../core/diagnostics/types';
import type { FeatureContext } from './featureContext';

export const DIAGNOSTIC_SOURCE = 'kube-packet-path';

const SEVERITY: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(ctx: FeatureContext, d: Diagnostic): LspDiagnostic | undefined {
  const positions = ctx.positions(d.uri);
  if (!positions) return undefined;
  const related: DiagnosticRelatedInformation[] = [];
  for (const r of d.related) {
    const rp = ctx.positions(r.uri);
    if (rp) related.push({ location: { uri: r.uri, range: rp.toRange(r.span) }, message: r.message });
  }
  const href = ctx.docsHref(d.code);
  return {
    range: positions.toRange(d.span),
    severity: SEVERITY[d.severity],
    source: DIAGNOSTIC_SOURCE,
    code: d.code,
    ...(href ? { codeDescription: { href } } : {}),
    message: d.message,
    ...(related.length > 0 ? { relatedInformation: related } : {}),
  };
}

/**
 * Every file's LSP diagnostics. Files the index knows but that have none get an empty list, so a
 * publisher can clear what it sent before.
 */
export function collectDiagnostics(ctx: FeatureContext): Map<string, LspDiagnostic[]> {
  const out = new Map<string, LspDiagnostic[]>();
  for (const uri of ctx.snapshot.files.keys()) out.set(uri, []);
  for (const d of ctx.snapshot.diagnostics()) {
    const lsp = toLspDiagnostic(ctx, d);
    if (!lsp) continue;
    const list = out.get(d.uri);
    if (list) list.push(lsp);
    else out.set(d.uri, [lsp]);
  }
  return out;
}

/** Is this LSP diagnostic the LSP form of that core diagnostic? (Used to attach quick fixes.) */
export function isSameDiagnostic(ctx: FeatureContext, lsp: LspDiagnostic, d: Diagnostic): boolean {
  if (lsp.code !== d.code || lsp.message !== d.message) return false;
  const range = ctx.positions(d.uri)?.toRange(d.span);
  return range !== undefined && range.start.line === lsp.range.start.line && range.start.character === lsp.range.start.character;
}
