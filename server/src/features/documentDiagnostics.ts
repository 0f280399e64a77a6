// Diagnostics for open documents outside the manifest index (an iptables-save dump, a conntrack
// listing, ...). Each provider names the languages it reads; server.ts re-runs them when such a
// document changes. Add a provider to `documentDiagnosticProviders` (documentDiagnosticProviderList.ts).
import type { Diagnostic } from 'vscode-languageserver';
import type { FeatureContext, OpenDocument } from './featureContext';

export interface DocumentDiagnosticProvider {
  readonly id: string;
  readonly languageIds: readonly string[];
  /** LSP diagnostics for one open document (use `ctx.positions(doc.uri)` for ranges). */
  provideDiagnostics(ctx: FeatureContext, doc: OpenDocument): readonly Diagnostic[];
}

/** Runs the providers over the open documents of their languages; one failing provider loses only its own results. */
export function collectDocumentDiagnostics(
  ctx: FeatureContext,
  providers: readonly DocumentDiagnosticProvider[],
  onError: (providerId: string, err: unknown) => void,
): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  for (const doc of ctx.openDocuments()) {
    for (const provider of providers) {
      if (!provider.languageIds.includes(doc.languageId)) continue;
      try {
        const found = provider.provideDiagnostics(ctx, doc);
        const list = out.get(doc.uri) ?? [];
        list.push(...found);
        out.set(doc.uri, list);
      } catch (err) {
        onError(provider.id, err);
      }
    }
  }
  return out;
}
