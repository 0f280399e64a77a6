// The read-only `kpp-rules:` documents: the rules kube-proxy would write on a node (whole node, or
// one Service), in the configured flavour, as the server makes them (`kpp/generatedRules`). They
// update when the server says rules changed (`kpp/rulesChanged`). Command
// `kubePacketPath.showGeneratedRules` opens one (from a port CodeLens: that Service, at its chain;
// from the editor's context menu: the Service under the cursor; otherwise the whole node).
import * as vscode from 'vscode';
import {
  formatRulesUri,
  GeneratedRulesMethod,
  parseRulesUri,
  RULES_SCHEME,
  RulesChangedMethod,
  RulesCommands,
  type GeneratedRulesFormat,
  type GeneratedRulesParams,
  type GeneratedRulesResult,
  type ShowGeneratedRulesArgs,
} from '../../server/src/protocol';
import type { ClientCommand, CommandContext } from './commandRegistry';

const rulesChanged = new vscode.EventEmitter<void>();
/** Fires when the server reports that generated rules may have changed (manifests or settings). */
export const onDidChangeRules: vscode.Event<void> = rulesChanged.event;

const FORMATS: readonly GeneratedRulesFormat[] = ['restore', 'save-legacy', 'save-nft', 'node-restore'];

function readArgs(arg: unknown): ShowGeneratedRulesArgs {
  if (typeof arg !== 'object' || arg === null || arg instanceof vscode.Uri) return {};
  const a = arg as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length < 1024 ? v : undefined);
  const format = FORMATS.includes(a.format as GeneratedRulesFormat) ? (a.format as GeneratedRulesFormat) : undefined;
  return {
    ...(s(a.node) ? { node: s(a.node) } : {}),
    ...(format ? { format } : {}),
    ...(s(a.service) ? { service: s(a.service) } : {}),
    ...(s(a.chain) ? { chain: s(a.chain) } : {}),
  };
}

/** The Service (`ns/name`) whose outline entry holds the cursor of the active YAML editor, if any. */
async function serviceUnderCursor(): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', editor.document.uri);
  const at = editor.selection.active;
  const hit = (symbols ?? []).find((s) => s.name.startsWith('Service ') && s.range.contains(at));
  if (!hit) return undefined;
  const ns = /^namespace (\S+)$/.exec(hit.detail ?? '')?.[1] ?? 'default';
  return `${ns}/${hit.name.slice('Service '.length)}`;
}

/** Puts the cursor on `chain`'s declaration (or its first rule) in an open rules document. */
function revealChain(editor: vscode.TextEditor, chain: string): void {
  const lines = editor.document.getText().split('\n');
  let line = lines.findIndex((l) => l.startsWith(`:${chain} `));
  if (line < 0) line = lines.findIndex((l) => l.startsWith(`-A ${chain} `));
  if (line < 0) return;
  const range = new vscode.Range(line, 0, line, lines[line].length);
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

export const showGeneratedRulesCommand: ClientCommand = {
  id: RulesCommands.showGeneratedRules,
  async run(ctx: CommandContext, arg?: unknown) {
    const args = readArgs(arg);
    const service = args.service ?? (arg instanceof vscode.Uri ? await serviceUnderCursor() : undefined);
    // The node and format the server resolves (settings) when the arguments leave them out.
    const probe = await ctx.client.sendRequest<GeneratedRulesResult>(GeneratedRulesMethod, { ...(args.node ? { node: args.node } : {}), ...(args.format ? { format: args.format } : {}) } satisfies GeneratedRulesParams);
    if (!probe.node) throw new Error(probe.errors[0] ?? 'the server returned no rules');
    const uri = vscode.Uri.parse(formatRulesUri(probe.node, probe.format, service), true);
    const document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== 'iptables') await vscode.languages.setTextDocumentLanguage(document, 'iptables');
    const editor = await vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    if (args.chain) revealChain(editor, args.chain);
  },
};

/** The content provider and the `kpp/rulesChanged` listener. */
export function registerGeneratedRulesDocuments(ctx: CommandContext): vscode.Disposable[] {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    async provideTextDocumentContent(uri, token) {
      const parts = parseRulesUri(uri.path, uri.query);
      if (!parts) return `# Not a generated-rules document: ${uri.toString()}\n`;
      const params: GeneratedRulesParams = { node: parts.node, format: parts.format, ...(parts.service ? { service: parts.service } : {}) };
      const result = await ctx.client.sendRequest<GeneratedRulesResult>(GeneratedRulesMethod, params, token);
      for (const e of result.errors) ctx.output.appendLine(`${uri.toString()}: ${e}`);
      // node-restore is what trace hops point into: its offsets must stay exactly the server's.
      if (parts.format !== 'node-restore' && result.errors.length > 0 && result.text === '') return result.errors.map((e) => `# ${e.replace(/\n/g, ' ')}`).join('\n') + '\n';
      return result.text;
    },
  };
  const fireOpen = () => {
    for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === RULES_SCHEME) changed.fire(doc.uri);
    rulesChanged.fire();
  };
  const notification = ctx.client.onNotification(RulesChangedMethod, fireOpen);
  return [vscode.workspace.registerTextDocumentContentProvider(RULES_SCHEME, provider), changed, notification];
}
