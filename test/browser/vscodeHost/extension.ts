// A test-only extension for code-server: hosts the real trace panel (client/src/tracePanel.ts,
// bundled in) with stand-in deps that answer from the recorded traces, and writes what the panel
// asked for (trace requests, reveals) to a JSON-lines file the test reads. It registers the panel
// like the extension does (command + serializer), so a reload restores it. Never shipped.
import * as vscode from 'vscode';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerTracePanel, watchTraceInputs } from '../../../client/src/tracePanel';
import type { PathTrace, TraceScenario } from '../../../server/src/core/trace/types';

export function activate(context: vscode.ExtensionContext): void {
  const log = process.env.KPP_TRACE_HOST_LOG || join(context.extensionPath, 'events.jsonl');
  const record = (event: Record<string, unknown>) => appendFileSync(log, JSON.stringify({ at: Date.now(), ...event }) + '\n');
  const fixture = (name: string) => JSON.parse(readFileSync(join(context.extensionPath, 'fixtures', name + '.json'), 'utf8')) as PathTrace;
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.toString() ?? '';
  // The recorded traces point at examples/... relative to the repository; here the workspace is a
  // temporary copy of examples/.
  const rebase = (trace: PathTrace): PathTrace => JSON.parse(JSON.stringify(trace).split('"uri":"examples/').join(`"uri":"${workspace}/`)) as PathTrace;
  const traceFor = (scenario: TraceScenario): PathTrace => {
    const base = scenario.externalTrafficPolicy === 'Local' ? fixture('nginx-etp-local-drop') : fixture('nginx-loadbalancer-external');
    return { ...rebase(base), scenario };
  };
  const inputs = watchTraceInputs(['yaml', 'json'], 200);
  context.subscriptions.push(inputs);
  const registration = registerTracePanel(context, {
    onDidChangeInputs: inputs,
    requestTrace: async (scenario) => {
      record({ type: 'requestTrace', scenario });
      return traceFor(scenario);
    },
    reveal: (uri, span) => record({ type: 'reveal', uri, span }),
    listTargets: async () => [],
    scenarioOptions: async () => ({ nodes: ['aks-nodepool1-0', 'aks-nodepool1-3'], dumps: [], ports: ['http'], hosts: [] }),
  });
  record({ type: 'activated', workspace, version: vscode.version });
  // First start: open the panel on the nginx scenario. After a reload the serializer brings it back.
  if (!context.workspaceState.get<boolean>('opened')) {
    void context.workspaceState.update('opened', true);
    void registration.open(fixture('nginx-loadbalancer-external').scenario);
  }
}

export function deactivate(): void {}
