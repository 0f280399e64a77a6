// The custom LSP protocol of Kubernetes Packet Path: method names and their param/result types, in
// one module with no runtime dependencies (the client and tests import it). Add a method as a
// `<Name>Method` constant plus `<Name>Params` / `<Name>Result` types.

import type { PathTrace, TraceScenario } from './core/trace/types';

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

// ---------------------------------------------------------------------------------------------
// Generated rules and packet traces (features/generatedRules.ts, features/tracePacket.ts).

/** Formats of the generated-rules document; `node-restore` is the whole node as the simulator reads it (trace reveal). */
export type GeneratedRulesFormat = 'restore' | 'save-legacy' | 'save-nft' | 'node-restore';

/** Request: the rules kube-proxy would write on a node, as text (the `kpp-rules:` virtual document). */
export const GeneratedRulesMethod = 'kpp/generatedRules' as const;
export interface GeneratedRulesParams {
  /** Node name; default the `kubePacketPath.rules.node` setting, then the first node. */
  readonly node?: string;
  /** Default the `kubePacketPath.rules.format` setting (`save-legacy`). */
  readonly format?: GeneratedRulesFormat;
  /** `namespace/name`: only that Service's lines (every port), picked from the node's text. */
  readonly service?: string;
}
export interface GeneratedRulesResult {
  readonly text: string;
  /** The node the text is for (the default resolved). */
  readonly node: string;
  readonly format: GeneratedRulesFormat;
  /** Every node of the (synthesized) cluster. */
  readonly nodes: readonly string[];
  /** Problems: unknown node or Service, rendering errors. */
  readonly errors: readonly string[];
}

/** Notification from the server: manifests or settings changed, generated rules may differ (re-request open `kpp-rules:` documents and traces). */
export const RulesChangedMethod = 'kpp/rulesChanged' as const;
export interface RulesChangedParams {
  readonly generation: number;
}

/** Request: the packet path for a scenario (params: TraceScenario, result: PathTrace). */
export const TracePacketMethod = 'kpp/tracePacket' as const;
export type TracePacketParams = TraceScenario;
export type TracePacketResult = PathTrace;

/** Request: every Service and Ingress of the workspace with the scenario a trace starts from. */
export const TraceTargetsMethod = 'kpp/traceTargets' as const;
/** Empty: every Service and Ingress. With `uri` and `offset` (an editor's cursor): only the one there. */
export type TraceTargetsParams = { readonly uri?: string; readonly offset?: number };
export interface TraceTargetItem {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  readonly scenario: TraceScenario;
}
export type TraceTargetsResult = readonly TraceTargetItem[];

/** Request: what the trace panel's controls can offer for a scenario. */
export const ScenarioOptionsMethod = 'kpp/scenarioOptions' as const;
export type ScenarioOptionsParams = TraceScenario;
export interface ScenarioOptionsResult {
  readonly nodes: readonly string[];
  readonly dumps: readonly { readonly uri: string; readonly label: string; readonly node?: string }[];
  readonly ports: readonly string[];
  readonly hosts: readonly string[];
}

/** Commands the generated-rules and trace CodeLenses run (registered by the client). */
export const RulesCommands = {
  /** Argument: ShowGeneratedRulesArgs (optional). Opens the `kpp-rules:` document. */
  showGeneratedRules: 'kubePacketPath.showGeneratedRules',
  /** Argument: TraceScenario (optional: a quick pick when absent). Opens the trace panel. */
  tracePacketPath: 'kubePacketPath.tracePacketPath',
} as const;

export interface ShowGeneratedRulesArgs {
  readonly node?: string;
  readonly format?: GeneratedRulesFormat;
  /** `namespace/name`. */
  readonly service?: string;
  /** A chain to put the cursor on (its `:CHAIN` declaration). */
  readonly chain?: string;
}

/** The `kpp-rules:` virtual document's URI: `kpp-rules:/<node>/<format>.iptables[?service=ns/name]`. */
export const RULES_SCHEME = 'kpp-rules' as const;

export function formatRulesUri(node: string, format: GeneratedRulesFormat, service?: string): string {
  return `${RULES_SCHEME}:/${encodeURIComponent(node)}/${format}.iptables${service ? `?service=${encodeURIComponent(service)}` : ''}`;
}

/** Reads a rules URI's decoded path and query (as `vscode.Uri` gives them); undefined when it is not one. */
export function parseRulesUri(path: string, query: string): { readonly node: string; readonly format: GeneratedRulesFormat; readonly service?: string } | undefined {
  const m = /^\/([^/]+)\/(restore|save-legacy|save-nft|node-restore)\.iptables$/.exec(path);
  if (!m) return undefined;
  const service = /(?:^|&)service=([^&]+)/.exec(query)?.[1];
  let node = m[1];
  try {
    node = decodeURIComponent(node);
  } catch {
    // already decoded
  }
  return { node, format: m[2] as GeneratedRulesFormat, ...(service ? { service } : {}) };
}
