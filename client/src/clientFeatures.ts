// Features of the extension that need more than a command (a webview panel and its serializer, a
// content provider, a status bar item...). Each is called once at activation with the running
// client; what it returns is disposed on deactivation. Add yours to `clientFeatures`.
import type * as vscode from 'vscode';
import type { CommandContext } from './commandRegistry';
import { registerGeneratedRulesDocuments } from './generatedRulesDocument';
import { registerTraceCommands } from './traceCommands';

export type ClientFeature = (context: CommandContext) => vscode.Disposable | readonly vscode.Disposable[] | void;

export const clientFeatures: ClientFeature[] = [
  registerGeneratedRulesDocuments,
  registerTraceCommands,
];
