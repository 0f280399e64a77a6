// Go to Symbol in Workspace: every Kubernetes object (`Service web`, `Deployment api`, ...) whose
// kind/name contains the query's characters in order, with its namespace as the container.
import { SymbolKind, type SymbolInformation, type WorkspaceSymbolParams } from 'vscode-languageserver';
import type { FeatureContext } from './featureContext';
import { objectNameSpan, spanLocation } from './locations';

/** Clients filter further as the user types; this keeps the answer small for huge workspaces. */
export const MAX_WORKSPACE_SYMBOLS = 500;

export function provideWorkspaceSymbols(ctx: FeatureContext, params: WorkspaceSymbolParams): SymbolInformation[] {
  const query = params.query.toLowerCase().replace(/\s+/g, '');
  const out: SymbolInformation[] = [];
  for (const obj of ctx.snapshot.objects()) {
    if (out.length >= MAX_WORKSPACE_SYMBOLS) break;
    const name = obj.name ? `${obj.kind} ${obj.name}` : obj.kind;
    if (!isSubsequence(query, `${obj.kind}${obj.name}`.toLowerCase()) && !isSubsequence(query, obj.name.toLowerCase())) continue;
    const location = spanLocation(ctx, obj.uri, objectNameSpan(obj));
    if (!location) continue;
    out.push({ name, kind: SymbolKind.Struct, location, ...(obj.namespace !== undefined ? { containerName: obj.namespace } : {}) });
  }
  return out;
}

function isSubsequence(needle: string, haystack: string): boolean {
  let i = 0;
  for (const c of haystack) if (i < needle.length && c === needle[i]) i++;
  return i === needle.length;
}
