// Wires the trace panel (tracePanel.ts) to the language server: `requestTrace` is
// `kpp/tracePacket`, the quick pick lists `kpp/traceTargets`, the controls ask
// `kpp/scenarioOptions`, and reveal opens the manifest, dump or `kpp-rules:` document at the span
// (offsets become positions through the document itself). Open panels re-trace when the server
// reports changed rules and when dumps are edited.
import * as vscode from 'vscode';
import type { PathTrace, TraceScenario } from '../../server/src/core/trace/types';
import {
  ScenarioOptionsMethod,
  TracePacketMethod,
  TraceTargetsMethod,
  type ScenarioOptionsResult,
  type TraceTargetItem,
} from '../../server/src/protocol';
import type { CommandContext } from './commandRegistry';
import { onDidChangeRules } from './generatedRulesDocument';
import { registerTracePanel, revealSpan, watchTraceInputs, type TracePanelRegistration } from './tracePanel';
import type { RenderedTrace } from './tracePanelController';

/**
 * What the extension's `activate()` returns: a way to open the trace panel and to hear what its
 * webview drew. The in-editor test suite uses it for a real message round trip with the webview
 * (extension → trace → webview draws → webview reports); other extensions may too.
 */
export interface TraceApi {
  openTrace(scenario?: TraceScenario): Promise<void>;
  readonly onDidRenderTrace: vscode.Event<RenderedTrace>;
}

const rendered = new vscode.EventEmitter<RenderedTrace>();
let registered: TracePanelRegistration | undefined;

export const traceApi: TraceApi = {
  openTrace: async (scenario) => {
    if (!registered) throw new Error('the trace panel is not registered yet');
    await registered.open(scenario);
  },
  onDidRenderTrace: rendered.event,
};

export function registerTraceCommands(ctx: CommandContext): vscode.Disposable[] {
  const inputs = new vscode.EventEmitter<void>();
  // Manifests: the server's notification (after the change is applied). Dumps: their edits.
  const dumps = watchTraceInputs(['iptables', 'conntrack']);
  const registration = registerTracePanel(ctx.extension, {
    requestTrace: (scenario: TraceScenario, token: vscode.CancellationToken) => ctx.client.sendRequest<PathTrace>(TracePacketMethod, scenario, token),
    reveal: (uri, span) => revealSpan(uri, span),
    listTargets: async (at) => (await ctx.client.sendRequest<readonly TraceTargetItem[]>(TraceTargetsMethod, at ?? {})).map((t) => ({ ...t })),
    scenarioOptions: (scenario) => ctx.client.sendRequest<ScenarioOptionsResult>(ScenarioOptionsMethod, scenario),
    onDidChangeInputs: inputs.event,
    onRendered: (info) => rendered.fire(info),
  });
  registered = registration;
  return [inputs, dumps, registration, onDidChangeRules(() => inputs.fire()), dumps(() => inputs.fire())];
}
