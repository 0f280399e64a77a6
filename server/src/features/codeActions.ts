// Quick fixes: the core attaches `fixes` to its diagnostics; this turns them into LSP code actions.
import { CodeActionKind, type CodeAction, type CodeActionParams, type TextEdit } from 'vscode-languageserver';
import type { FeatureContext } from './featureContext';
import { isSameDiagnostic, toLspDiagnostic } from './diagnostics';

export function provideCodeActions(ctx: FeatureContext, params: CodeActionParams): CodeAction[] {
  const uri = params.textDocument.uri;
  const positions = ctx.positions(uri);
  if (!positions) return [];
  // Only quick fixes here: answer nothing when the client asks for other kinds (refactor, source...).
  if (params.context.only && !params.context.only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(k + '.'))) return [];
  const start = positions.toOffset(params.range.start);
  const end = positions.toOffset(params.range.end);
  const actions: CodeAction[] = [];
  for (const d of ctx.snapshot.diagnosticsFor(uri)) {
    if (!d.fixes || d.fixes.length === 0) continue;
    if (d.span.end < start || d.span.start > end) continue;
    const lspDiagnostic = params.context.diagnostics.find((l) => isSameDiagnostic(ctx, l, d)) ?? toLspDiagnostic(ctx, d);
    for (const fix of d.fixes) {
      const changes: Record<string, TextEdit[]> = {};
      let complete = true;
      for (const edit of fix.edits) {
        const p = ctx.positions(edit.uri);
        if (!p) {
          complete = false;
          break;
        }
        (changes[edit.uri] ??= []).push({ range: p.toRange(edit.span), newText: edit.newText });
      }
      if (!complete) continue;
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        ...(lspDiagnostic ? { diagnostics: [lspDiagnostic] } : {}),
        isPreferred: d.fixes.length === 1,
        edit: { changes },
      });
    }
  }
  return actions;
}
