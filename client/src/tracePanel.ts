/**
 * The trace panel on the extension side: opens the webview, asks for traces through an injected
 * `requestTrace` (the `kpp/tracePacket` request in the extension), posts them to the webview,
 * and does what the webview asks after checking each message (`validateWebviewMessage`,
 * `isRevealAllowed`). The webview only draws; the extension only relays and validates.
 */
import * as vscode from 'vscode';
import type { PathTrace, TraceScenario } from '../../server/src/core/trace/types';
import type { Span } from '../../server/src/core/text/span';
import { formatTraceMarkdown } from '../../server/src/core/trace/formatMarkdown';
import {
  emptyScenarioOptions,
  isRevealAllowed,
  validateScenario,
  validateWebviewMessage,
  type FromWebviewMessage,
  type ScenarioOptions,
  type ToWebviewMessage,
} from '../webview/messages';
import { traceToSvg } from '../webview/svg';
import { getWebviewHtml, makeNonce } from './webviewHtml';

export const traceViewType = 'kubePacketPath.trace';
export const tracePacketPathCommandId = 'kubePacketPath.tracePacketPath';

/** A Service or Ingress the user can pick, with the scenario to start from. */
export interface TraceTarget {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  readonly scenario: TraceScenario;
}

/** What the panel needs from the rest of the extension. */
export interface TracePanelDeps {
  /** Sends `kpp/tracePacket` and returns the server's PathTrace. */
  requestTrace(scenario: TraceScenario, token: vscode.CancellationToken): Promise<PathTrace>;
  /** Shows `span` of the document `uri` (a manifest, a dump, or a generated-rules document). */
  reveal(uri: string, span: Span): Promise<void> | void;
  /** Services and Ingresses for the quick pick. */
  listTargets(): Promise<readonly TraceTarget[]>;
  /** Nodes, dumps, ports and hosts the scenario controls offer. Default: none. */
  scenarioOptions?(scenario: TraceScenario): Promise<ScenarioOptions>;
  /** Fires when manifests or dumps change: open panels re-request their trace. */
  readonly onDidChangeInputs?: vscode.Event<unknown>;
  /** URI schemes of our own virtual documents that `reveal` may open (default: `kpp-rules`, `kube-packet-path`). */
  readonly ownSchemes?: readonly string[];
}

const defaultOwnSchemes = ['kpp-rules', 'kube-packet-path'];

function panelTitle(scenario: TraceScenario | undefined): string {
  return scenario ? `Trace: ${scenario.target.name}` : 'Packet Path';
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'trace';
}

/** One trace panel: a webview, the scenario it shows, and the last trace it got. */
export class TracePanel implements vscode.Disposable {
  private scenario: TraceScenario | undefined;
  private trace: PathTrace | undefined;
  private sequence = 0;
  private pending: vscode.CancellationTokenSource | undefined;
  private stale = false;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly onDidDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDidDisposeEmitter.event;

  /** Opens a new panel beside the active editor. */
  static create(extensionUri: vscode.Uri, deps: TracePanelDeps, scenario?: TraceScenario): TracePanel {
    const panel = vscode.window.createWebviewPanel(traceViewType, panelTitle(scenario), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: true,
      enableCommandUris: false,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
    });
    return new TracePanel(panel, extensionUri, deps, scenario);
  }

  /** Takes over a panel VS Code restored after a reload; `state` is the webview's saved state. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, deps: TracePanelDeps, state: unknown): TracePanel {
    const saved = typeof state === 'object' && state !== null ? validateScenario((state as Record<string, unknown>).scenario) : undefined;
    return new TracePanel(panel, extensionUri, deps, saved);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly deps: TracePanelDeps,
    scenario: TraceScenario | undefined,
  ) {
    this.scenario = scenario;
    const webview = panel.webview;
    webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
    webview.html = getWebviewHtml({
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.css')).toString(),
      cspSource: webview.cspSource,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => {
        const message = validateWebviewMessage(raw);
        if (!message) return; // Unknown or malformed: ignored, never acted on.
        void this.handle(message);
      }),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.stale) void this.refresh();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    if (deps.onDidChangeInputs) this.disposables.push(deps.onDidChangeInputs(() => this.refresh({ onlyIfVisible: true })));
  }

  get currentScenario(): TraceScenario | undefined {
    return this.scenario;
  }

  get currentTrace(): PathTrace | undefined {
    return this.trace;
  }

  /** Shows another scenario (another target, or changed controls) and traces it. */
  setScenario(scenario: TraceScenario): Promise<void> {
    this.scenario = scenario;
    this.panel.title = panelTitle(scenario);
    return this.refresh();
  }

  /**
   * Re-requests the trace for the current scenario (call when documents changed). Only the
   * answer to the latest request is shown; an older one still running is cancelled.
   */
  async refresh(opts: { onlyIfVisible?: boolean } = {}): Promise<void> {
    const scenario = this.scenario;
    if (this.disposed || !scenario) return;
    if (opts.onlyIfVisible && !this.panel.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const seq = ++this.sequence;
    this.pending?.cancel();
    this.pending?.dispose();
    const cts = new vscode.CancellationTokenSource();
    this.pending = cts;
    void this.post({ type: 'loading', scenario });
    try {
      const [trace, options] = await Promise.all([
        this.deps.requestTrace(scenario, cts.token),
        this.deps.scenarioOptions ? this.deps.scenarioOptions(scenario).catch(() => emptyScenarioOptions) : Promise.resolve(emptyScenarioOptions),
      ]);
      if (seq !== this.sequence || this.disposed) return;
      this.trace = trace;
      await this.post({ type: 'trace', trace, options });
    } catch (err) {
      if (seq !== this.sequence || this.disposed) return;
      await this.post({ type: 'error', scenario, message: err instanceof Error ? err.message : String(err) });
    }
  }

  private post(message: ToWebviewMessage): Thenable<boolean> {
    return this.disposed ? Promise.resolve(false) : this.panel.webview.postMessage(message);
  }

  private async handle(message: FromWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        // Our own scenario (from a command) wins over one the webview restored.
        if (!this.scenario && message.scenario) this.scenario = message.scenario;
        this.panel.title = panelTitle(this.scenario);
        await this.refresh();
        return;
      case 'setScenario':
        await this.setScenario(message.scenario);
        return;
      case 'reveal': {
        const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString());
        if (!isRevealAllowed(message.source.uri, folders, this.deps.ownSchemes ?? defaultOwnSchemes)) return;
        await this.deps.reveal(message.source.uri, message.source.span);
        return;
      }
      case 'copyMarkdown':
        if (!this.trace) return;
        await vscode.env.clipboard.writeText(formatTraceMarkdown(this.trace));
        await this.post({ type: 'notice', message: 'Trace copied as Markdown.' });
        return;
      case 'saveSvg': {
        if (!this.trace) return;
        const trace = this.trace;
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const name = `packet-path-${slug(trace.scenario.target.namespace + '-' + trace.scenario.target.name)}.svg`;
        const uri = await vscode.window.showSaveDialog({ filters: { SVG: ['svg'] }, saveLabel: 'Save trace', ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}) });
        if (!uri) return;
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(traceToSvg(trace)));
        await this.post({ type: 'notice', message: `Saved ${uri.path.split('/').pop() ?? 'the picture'}.` });
        return;
      }
    }
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pending?.cancel();
    this.pending?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    this.onDidDisposeEmitter.fire();
    this.onDidDisposeEmitter.dispose();
  }
}

export interface TracePanelRegistration extends vscode.Disposable {
  /** Opens (or re-targets) the panel on `scenario`, or asks with a quick pick when omitted. */
  open(scenario?: TraceScenario): Promise<void>;
  /** Re-requests the trace of every open panel. */
  refreshAll(): Promise<void>;
  readonly current: TracePanel | undefined;
}

/**
 * Registers the `kubePacketPath.tracePacketPath` command (argument: an optional TraceScenario,
 * e.g. from a CodeLens) and the panel serializer that brings the panel back after a reload.
 */
export function registerTracePanel(context: vscode.ExtensionContext, deps: TracePanelDeps): TracePanelRegistration {
  let current: TracePanel | undefined;
  const track = (panel: TracePanel) => {
    current = panel;
    panel.onDidDispose(() => {
      if (current === panel) current = undefined;
    });
    return panel;
  };

  async function pickScenario(): Promise<TraceScenario | undefined> {
    const targets = await deps.listTargets();
    if (targets.length === 0) {
      void vscode.window.showInformationMessage('Kubernetes Packet Path: no Service or Ingress found in the workspace.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      targets.map((t) => ({ label: t.label, description: t.description, detail: t.detail, target: t })),
      { title: 'Trace Packet Path', placeHolder: 'Pick a Service or an Ingress', matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.target.scenario;
  }

  async function open(scenario?: TraceScenario): Promise<void> {
    const chosen = scenario ?? (await pickScenario());
    if (!chosen) return;
    if (current) {
      current.reveal();
      await current.setScenario(chosen);
      return;
    }
    // The new webview posts `ready`, which triggers the first trace.
    track(TracePanel.create(context.extensionUri, deps, chosen));
  }

  const disposables: vscode.Disposable[] = [
    vscode.commands.registerCommand(tracePacketPathCommandId, async (arg?: unknown) => {
      // A CodeLens or the dump's "Trace from here" passes a scenario; anything else opens the picker.
      const scenario = arg === undefined ? undefined : validateScenario(arg);
      await open(scenario);
    }),
    vscode.window.registerWebviewPanelSerializer(traceViewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        track(TracePanel.revive(panel, context.extensionUri, deps, state));
      },
    }),
  ];
  context.subscriptions.push(...disposables);

  return {
    open,
    refreshAll: async () => {
      await current?.refresh({ onlyIfVisible: true });
    },
    get current() {
      return current;
    },
    dispose: () => {
      current?.dispose();
      for (const d of disposables) d.dispose();
    },
  };
}
