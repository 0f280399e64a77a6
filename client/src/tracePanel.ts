/**
 * The trace panel on the extension side: opens the webview, asks for traces through an injected
 * `requestTrace` (the `kpp/tracePacket` request in the extension), posts them to the webview,
 * and does what the webview asks after checking each message (`validateWebviewMessage`,
 * `isRevealAllowed`). The webview only draws; the extension only relays and validates.
 */
import * as vscode from 'vscode';
import type { PathTrace, TraceScenario } from '../../server/src/core/trace/types';
import type { Span } from '../../server/src/core/text/span';
import { validateScenario, type ScenarioOptions } from '../webview/messages';
import { getWebviewHtml, makeNonce } from './webviewHtml';
import { TracePanelController, panelTitle, type RenderedTrace } from './tracePanelController';

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
  /** Services and Ingresses for the quick pick; with `at`, only the one under that position of that document. */
  listTargets(at?: { readonly uri: string; readonly offset: number }): Promise<readonly TraceTarget[]>;
  /** Nodes, dumps, ports and hosts the scenario controls offer. Default: none. */
  scenarioOptions?(scenario: TraceScenario): Promise<ScenarioOptions>;
  /** Fires when manifests or dumps change: open panels re-request their trace. */
  readonly onDidChangeInputs?: vscode.Event<unknown>;
  /** URI schemes of our own virtual documents that `reveal` may open (default: `kpp-rules`, `kube-packet-path`). */
  readonly ownSchemes?: readonly string[];
  /** The webview drew a trace (it reports what it shows). */
  onRendered?(info: RenderedTrace): void;
}

/** One trace panel: a webview around a `TracePanelController`. */
export class TracePanel implements vscode.Disposable {
  private readonly controller: TracePanelController<vscode.CancellationToken>;
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

  private constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, deps: TracePanelDeps, scenario: TraceScenario | undefined) {
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [dist] };
    webview.html = getWebviewHtml({
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      cspSource: webview.cspSource,
    });
    this.controller = new TracePanelController<vscode.CancellationToken>({
      postMessage: (message) => webview.postMessage(message),
      isVisible: () => panel.visible,
      setTitle: (title) => {
        if (!this.disposed) panel.title = title;
      },
      workspaceFolders: () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()),
      writeClipboard: (text) => vscode.env.clipboard.writeText(text),
      saveFile: async (suggestedName, content) => {
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const uri = await vscode.window.showSaveDialog({ filters: { SVG: ['svg'] }, saveLabel: 'Save trace', ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, suggestedName) } : {}) });
        if (!uri) return undefined;
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
        return uri.path.split('/').pop() ?? suggestedName;
      },
      newCancellation: () => {
        const cts = new vscode.CancellationTokenSource();
        return { token: cts.token, cancel: () => cts.cancel(), dispose: () => cts.dispose() };
      },
    }, deps, scenario);
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => void this.controller.receive(raw)),
      panel.onDidChangeViewState(() => {
        if (panel.visible) void this.controller.becameVisible();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    if (deps.onDidChangeInputs) this.disposables.push(deps.onDidChangeInputs(() => void this.controller.refresh({ onlyIfVisible: true })));
  }

  get currentScenario(): TraceScenario | undefined {
    return this.controller.currentScenario;
  }

  get currentTrace(): PathTrace | undefined {
    return this.controller.currentTrace;
  }

  /** Shows another scenario (another target, or changed controls) and traces it. */
  setScenario(scenario: TraceScenario): Promise<void> {
    return this.controller.setScenario(scenario);
  }

  /** Re-requests the trace (call when documents changed); a hidden panel catches up when shown. */
  refresh(opts: { onlyIfVisible?: boolean } = {}): Promise<void> {
    return this.controller.refresh(opts);
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.controller.dispose();
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
      // A CodeLens or the dump's "Trace from here" passes a scenario. The editor's context menu
      // passes the document's Uri: trace the Service or Ingress under the cursor, if there is one.
      // Anything else opens the picker.
      let scenario = arg === undefined ? undefined : validateScenario(arg);
      const editor = vscode.window.activeTextEditor;
      if (!scenario && arg instanceof vscode.Uri && editor && editor.document.uri.toString() === arg.toString()) {
        const here = await deps.listTargets({ uri: arg.toString(), offset: editor.document.offsetAt(editor.selection.active) });
        if (here.length === 1) scenario = here[0].scenario;
      }
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

/**
 * A ready `reveal` for `TracePanelDeps`: opens the document (a file, or a virtual document whose
 * scheme has a content provider) and selects the span. Offsets become positions through the
 * document itself, the one place that knows its line breaks.
 */
export async function revealSpan(uri: string, span: Span): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri, true));
  const range = new vscode.Range(document.positionAt(span.start), document.positionAt(span.end));
  await vscode.window.showTextDocument(document, { selection: range, viewColumn: vscode.ViewColumn.One, preserveFocus: false });
}

/**
 * A ready `onDidChangeInputs` for `TracePanelDeps`: fires once edits to manifests or dumps (the
 * given languages) have paused for `delayMs`, and when such files change on disk.
 */
export function watchTraceInputs(languages: readonly string[] = ['yaml', 'json', 'iptables', 'conntrack'], delayMs = 400): vscode.Event<void> & vscode.Disposable {
  const emitter = new vscode.EventEmitter<void>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      emitter.fire();
    }, delayMs);
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml,json,iptables,rules,conntrack,txt}');
  const subscriptions = [
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0 && languages.includes(e.document.languageId)) schedule();
    }),
    watcher.onDidChange(schedule),
    watcher.onDidCreate(schedule),
    watcher.onDidDelete(schedule),
    watcher,
  ];
  const event = ((listener: (e: void) => unknown, thisArgs?: unknown, disposables?: vscode.Disposable[]) => emitter.event(listener, thisArgs, disposables)) as vscode.Event<void> & vscode.Disposable;
  event.dispose = () => {
    if (timer) clearTimeout(timer);
    for (const s of subscriptions) s.dispose();
    emitter.dispose();
  };
  return event;
}
