// The VS Code extension: starts the Kubernetes Packet Path language server (dist/server.js) over
// node IPC, keeps `files.exclude` and manifest files on disk in sync, and registers the commands.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';
import type { InitializationOptions } from '../../server/src/protocol';
import { registerClientCommands, type CommandContext } from './commandRegistry';
import { clientFeatures } from './clientFeatures';
import { clientCommands } from './commands';
import { traceApi, type TraceApi } from './traceCommands';

let client: LanguageClient | undefined;

/** The languages the server analyses, in saved files and unsaved (untitled) editors. */
export const DOCUMENT_LANGUAGES: readonly string[] = ['yaml', 'json', 'iptables', 'conntrack'];

export async function activate(context: vscode.ExtensionContext): Promise<TraceApi> {
  const output = vscode.window.createOutputChannel('Kubernetes Packet Path', { log: true });
  context.subscriptions.push(output);
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml,json}');
  context.subscriptions.push(watcher);
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    synchronize: {
      // Sends workspace/didChangeConfiguration when these change; the server then re-reads
      // `files.exclude` with workspace/configuration and rescans.
      configurationSection: ['kubePacketPath', 'files.exclude'],
      fileEvents: watcher,
    },
    initializationOptions: { clientWatchesFiles: true } satisfies InitializationOptions,
    outputChannel: output,
    diagnosticCollectionName: 'kube-packet-path',
  };
  client = new LanguageClient('kubePacketPath', 'Kubernetes Packet Path', serverOptions, clientOptions);
  const commandContext: CommandContext = { extension: context, client, output };
  // Commands, panels and serializers are registered before the server starts (requests wait for it),
  // so a server that fails to start still leaves a working UI that explains the failure.
  context.subscriptions.push(...registerClientCommands(commandContext, clientCommands));
  for (const feature of clientFeatures) {
    try {
      const disposables = feature(commandContext);
      if (disposables) context.subscriptions.push(...(Array.isArray(disposables) ? disposables : [disposables]));
    } catch (err) {
      output.error(`a client feature failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
  }
  try {
    await client.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    output.error(`the language server did not start: ${message}`);
    void vscode.window.showErrorMessage(`Kubernetes Packet Path: the language server did not start (${message}). See the output channel.`);
  }
  return traceApi;
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}
