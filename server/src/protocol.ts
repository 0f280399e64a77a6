// The custom LSP protocol of Kubernetes Packet Path: method names and their param/result types, in
// one module with no runtime dependencies (the client and tests import it). Add a method as a
// `<Name>Method` constant plus `<Name>Params` / `<Name>Result` types.

/** Request: how far the workspace index is. Tests and status UIs wait for `ready`. */
export const WorkspaceStatusMethod = 'kpp/workspaceStatus' as const;
export type WorkspaceStatusParams = Record<string, never>;
export interface WorkspaceStatusResult {
  /** False until the first scan of every workspace folder has been read, analysed and published. */
  readonly ready: boolean;
  /** Manifest files in the index (open documents included). */
  readonly files: number;
  /** Files that currently carry at least one diagnostic. */
  readonly filesWithDiagnostics: number;
  /** Bumped on every change applied to the index. */
  readonly generation: number;
}

/** Notification from the server: the first workspace scan (or a rescan) is done. */
export const WorkspaceReadyMethod = 'kpp/workspaceReady' as const;
export type WorkspaceReadyParams = WorkspaceStatusResult;

/**
 * Client-side commands the server puts on CodeLenses. The client registers them (client/src/commands.ts);
 * arguments are plain LSP JSON so any client can run them.
 */
export const ClientCommands = {
  /** Arguments: [uri: string, position: Position, locations: Location[]]. Opens the references peek. */
  showReferences: 'kubePacketPath.showReferences',
} as const;

/** `initializationOptions` the server understands (all optional; other clients send nothing). */
export interface InitializationOptions {
  /**
   * The client watches `**\/*.{yaml,yml,json}` itself and sends workspace/didChangeWatchedFiles (the
   * VS Code extension does). Otherwise the server registers the watcher dynamically when the client
   * supports that.
   */
  readonly clientWatchesFiles?: boolean;
}
