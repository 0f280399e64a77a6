// A tiny command registry: each feature contributes `ClientCommand`s (see commands.ts) and the
// extension registers them all at activation. Add a command by adding an entry to `clientCommands`,
// and declare it in package.json `contributes.commands` if users should see it in the palette.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

/** What a command gets besides its own arguments. */
export interface CommandContext {
  readonly extension: vscode.ExtensionContext;
  /** The running language client (started before any command is registered). */
  readonly client: LanguageClient;
  readonly output: vscode.OutputChannel;
}

export interface ClientCommand {
  /** `kubePacketPath.<verb><Noun>` */
  readonly id: string;
  run(context: CommandContext, ...args: unknown[]): unknown;
}

export function registerClientCommands(context: CommandContext, commands: readonly ClientCommand[]): vscode.Disposable[] {
  return commands.map((command) =>
    vscode.commands.registerCommand(command.id, async (...args: unknown[]) => {
      try {
        return await command.run(context, ...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        context.output.appendLine(`${command.id} failed: ${message}`);
        void vscode.window.showErrorMessage(`Kubernetes Packet Path: ${message}`);
        return undefined;
      }
    }),
  );
}
