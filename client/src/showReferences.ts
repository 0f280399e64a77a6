// kubePacketPath.showReferences: the CodeLens "3 pods in 1 workload" opens the references peek
// with the workloads. The server sends plain LSP JSON; the client converts it to VS Code types.
import * as vscode from 'vscode';
import type * as lsp from 'vscode-languageserver-protocol';
import { ClientCommands } from '../../server/src/protocol';
import type { ClientCommand } from './commandRegistry';

export const showReferencesCommand: ClientCommand = {
  id: ClientCommands.showReferences,
  run(context, uri, position, locations) {
    const converter = context.client.protocol2CodeConverter;
    return vscode.commands.executeCommand(
      'editor.action.showReferences',
      vscode.Uri.parse(String(uri)),
      converter.asPosition(position as lsp.Position),
      ((locations as lsp.Location[] | undefined) ?? []).map((l) => converter.asLocation(l)),
    );
  },
};
