/**
 * What the trace panel does, without `vscode`: it validates every message from the webview,
 * fences `reveal` to the workspace, asks for traces (only the latest answer is shown, older
 * requests are cancelled), and turns "copy" and "save" requests into Markdown and SVG made from
 * the trace it holds (never from anything the webview sends). `tracePanel.ts` is the thin
 * adapter that gives it a real webview; tests give it a fake host.
 */
import type { PathTrace, TraceScenario } from '../../server/src/core/trace/types';
import type { Span } from '../../server/src/core/text/span';
import { formatTraceMarkdown } from '../../server/src/core/trace/formatMarkdown';
import {
  emptyScenarioOptions,
  isRevealAllowed,
  validateWebviewMessage,
  type FromWebviewMessage,
  type ScenarioOptions,
  type ToWebviewMessage,
} from '../webview/messages';
import { traceToSvg } from '../webview/svg';

export interface Cancellation<Token> {
  readonly token: Token;
  cancel(): void;
  dispose(): void;
}

/** The editor around the panel. */
export interface TracePanelHost<Token> {
  postMessage(message: ToWebviewMessage): PromiseLike<boolean>;
  isVisible(): boolean;
  setTitle(title: string): void;
  /** The workspace folders' URIs, as strings. */
  workspaceFolders(): readonly string[];
  writeClipboard(text: string): PromiseLike<void>;
  /** Asks where to save and writes the file; returns the file name, or undefined when cancelled. */
  saveFile(suggestedName: string, content: string): PromiseLike<string | undefined>;
  newCancellation(): Cancellation<Token>;
}

/** What the controller needs from the extension (see `TracePanelDeps`). */
export interface TraceControllerDeps<Token> {
  requestTrace(scenario: TraceScenario, token: Token): Promise<PathTrace>;
  reveal(uri: string, span: Span): Promise<void> | void;
  scenarioOptions?(scenario: TraceScenario): Promise<ScenarioOptions>;
  readonly ownSchemes?: readonly string[];
  /** The webview drew a trace: what it shows (for tests and status). */
  onRendered?(info: RenderedTrace): void;
}

/** What the webview reports after drawing a trace. */
export interface RenderedTrace {
  readonly title: string;
  readonly branches: number;
  readonly hops: number;
}

export const defaultOwnSchemes: readonly string[] = ['kpp-rules', 'kube-packet-path'];

export function panelTitle(scenario: TraceScenario | undefined): string {
  return scenario ? `Trace: ${scenario.target.name}` : 'Packet Path';
}

/** A file name for the saved picture, from the target's namespace and name. */
export function svgFileName(trace: PathTrace): string {
  const base = `${trace.scenario.target.namespace}-${trace.scenario.target.name}`.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 80);
  return `packet-path-${base || 'trace'}.svg`;
}

export class TracePanelController<Token> {
  private scenario: TraceScenario | undefined;
  private trace: PathTrace | undefined;
  private sequence = 0;
  private pending: Cancellation<Token> | undefined;
  private stale = false;
  private disposed = false;

  constructor(private readonly host: TracePanelHost<Token>, private readonly deps: TraceControllerDeps<Token>, scenario?: TraceScenario) {
    this.scenario = scenario;
    host.setTitle(panelTitle(scenario));
  }

  get currentScenario(): TraceScenario | undefined {
    return this.scenario;
  }

  get currentTrace(): PathTrace | undefined {
    return this.trace;
  }

  /** Entry point for everything the webview posts: unknown or malformed messages are ignored. */
  receive(raw: unknown): Promise<void> {
    const message = validateWebviewMessage(raw);
    return message ? this.handle(message) : Promise.resolve();
  }

  setScenario(scenario: TraceScenario): Promise<void> {
    this.scenario = scenario;
    this.host.setTitle(panelTitle(scenario));
    return this.refresh();
  }

  /** The panel became visible: catch up on changes made while it was hidden. */
  becameVisible(): Promise<void> {
    return this.stale ? this.refresh() : Promise.resolve();
  }

  /**
   * Re-requests the trace of the current scenario. With `onlyIfVisible`, a hidden panel only
   * remembers it is out of date. Only the answer to the latest request reaches the webview.
   */
  async refresh(opts: { readonly onlyIfVisible?: boolean } = {}): Promise<void> {
    const scenario = this.scenario;
    if (this.disposed || !scenario) return;
    if (opts.onlyIfVisible && !this.host.isVisible()) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const seq = ++this.sequence;
    this.pending?.cancel();
    this.pending?.dispose();
    const cancellation = this.host.newCancellation();
    this.pending = cancellation;
    void this.post({ type: 'loading', scenario });
    try {
      const [trace, options] = await Promise.all([
        this.deps.requestTrace(scenario, cancellation.token),
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

  private post(message: ToWebviewMessage): PromiseLike<boolean> {
    return this.disposed ? Promise.resolve(false) : this.host.postMessage(message);
  }

  private async handle(message: FromWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        // A scenario given by a command wins over the one the webview restored.
        if (!this.scenario && message.scenario) this.scenario = message.scenario;
        this.host.setTitle(panelTitle(this.scenario));
        await this.refresh();
        return;
      case 'setScenario':
        await this.setScenario(message.scenario);
        return;
      case 'reveal':
        if (!isRevealAllowed(message.source.uri, this.host.workspaceFolders(), this.deps.ownSchemes ?? defaultOwnSchemes)) return;
        await this.deps.reveal(message.source.uri, message.source.span);
        return;
      case 'copyMarkdown':
        if (!this.trace) return;
        await this.host.writeClipboard(formatTraceMarkdown(this.trace));
        await this.post({ type: 'notice', message: 'Trace copied as Markdown.' });
        return;
      case 'rendered':
        this.deps.onRendered?.({ title: message.title, branches: message.branches, hops: message.hops });
        return;
      case 'saveSvg': {
        if (!this.trace) return;
        const saved = await this.host.saveFile(svgFileName(this.trace), traceToSvg(this.trace));
        if (saved !== undefined) await this.post({ type: 'notice', message: `Saved ${saved}.` });
        return;
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pending?.cancel();
    this.pending?.dispose();
    this.pending = undefined;
  }
}
