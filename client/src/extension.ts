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
import { registerClientCommands } from './commandRegistry';
import { clientCommands } from './commands';

let client: LanguageClient | undefined;

/** The languages the server analyses, in saved files and unsaved (untitled) editors. */
export const DOCUMENT_LANGUAGES: readonly string[] = ['yaml', 'json', 'iptables', 'conntrack'];

export async function activate(context: vscode.ExtensionContext): Promise<void> {
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
  await client.start();
  context.subscriptions.push(...registerClientCommands({ extension: context, client, output }, clientCommands));
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}
