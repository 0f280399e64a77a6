// The Trace packet path CodeLenses as the editor gets them: one per Service port and one per
// Ingress rule path, each carrying the scenario it traces; running the Ingress one opens the panel.
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { activateExtension, openDocument, waitFor } from './helpers';

interface Scenario {
  target: { kind: string; namespace: string; name: string; port?: string };
  path?: string;
}

async function traceLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
  return waitFor('Trace packet path lenses', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 100);
    const trace = lenses.filter((l) => l.command?.title === 'Trace packet path');
    return trace.length ? trace : undefined;
  });
}

suite('trace lenses', () => {
  suiteSetup(async () => {
    await activateExtension();
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the ingress-nginx controller Service has one per port (http and https)', async () => {
    const document = await openDocument('ingress/ingress-nginx-controller.yaml');
    const lenses = await traceLenses(document);
    const targets = lenses.map((l) => (l.command!.arguments![0] as Scenario).target);
    assert.deepEqual(targets.map((t) => `${t.kind} ${t.namespace}/${t.name}:${t.port}`).sort(),
      ['Service ingress-nginx/ingress-nginx-controller:http', 'Service ingress-nginx/ingress-nginx-controller:https']);
    for (const lens of lenses) assert.equal(lens.command!.command, 'kubePacketPath.tracePacketPath');
  });

  test('hello-world-ingress has one per rule path, on that path, tracing a request it matches', async () => {
    const document = await openDocument('ingress/hello-world-ingress.yaml');
    const lenses = await traceLenses(document);
    const pathLines = [];
    for (let i = 0; i < document.lineCount; i++) if (/^\s*- path: /.test(document.lineAt(i).text)) pathLines.push(i);
    assert.equal(pathLines.length, 3);
    assert.deepEqual(lenses.map((l) => l.range.start.line).sort((a, b) => a - b), pathLines);
    for (const lens of lenses) {
      const scenario = lens.command!.arguments![0] as Scenario;
      assert.deepEqual(scenario.target, { kind: 'Ingress', namespace: 'ingress-nginx', name: 'hello-world-ingress' });
      const pattern = /- path: (\S+)/.exec(document.lineAt(lens.range.start.line).text)![1];
      assert.ok(typeof scenario.path === 'string' && new RegExp(`^${pattern}`).test(scenario.path), `${scenario.path} does not match ${pattern}`);
    }
  });

  test('running the /hello-world-two lens opens the trace panel for the Ingress', async () => {
    const document = await openDocument('ingress/hello-world-ingress.yaml');
    const lenses = await traceLenses(document);
    const two = lenses.find((l) => /hello-world-two/.test(document.lineAt(l.range.start.line).text));
    assert.ok(two, 'no lens on the /hello-world-two path');
    await vscode.commands.executeCommand(two.command!.command, ...two.command!.arguments!);
    const tab = await waitFor('the trace panel tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputWebview && /kubePacketPath\.trace/.test(t.input.viewType)));
    assert.match(tab.label, /hello-world-ingress/);
  });

  // A real round trip with the webview, the way VS Code's own webview tests do it: the extension
  // posts the trace, the webview draws it and reports back what its DOM now shows.
  test('the trace panel draws what the extension sends and says so (webview round trip)', async () => {
    const extension = await activateExtension();
    const api = extension.exports as TraceApi;
    assert.equal(typeof api?.openTrace, 'function', 'activate() returns the trace API');
    // Start from a fresh panel: the previous test's panel may still be loading its own trace.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const next = (what: string, match: (r: Rendered) => boolean) => nextRender(api, what, match);
    const nginx = next('the nginx trace', (r) => /default\/nginx/.test(r.title) && !/what-if/.test(r.title));
    await api.openTrace({ target: { kind: 'Service', namespace: 'default', name: 'nginx', port: 'http' }, source: 'external', via: 'loadbalancer', node: 'aks-nodepool1-12345678-vmss000000', rules: 'generated' });
    const drawn = await nginx;
    assert.equal(drawn.branches, 3, 'one branch per nginx pod');
    assert.ok(drawn.hops > 10, `hops drawn: ${drawn.hops}`);
    // What-if externalTrafficPolicy Local on the node without an nginx pod: one dropped branch.
    const local = next('the what-if trace', (r) => /what-if: externalTrafficPolicy Local/.test(r.title));
    await api.openTrace({ target: { kind: 'Service', namespace: 'default', name: 'nginx', port: 'http' }, source: 'external', via: 'loadbalancer', node: 'aks-nodepool1-12345678-vmss000001', externalTrafficPolicy: 'Local', rules: 'generated' });
    const dropped = await local;
    assert.equal(dropped.branches, 1);
  });
});

suite('trace from the editor context menu', () => {
  test('with the cursor in a Service, the command traces that Service (no quick pick)', async () => {
    const extension = await activateExtension();
    const api = extension.exports as TraceApi;
    const document = await openDocument('nginx/service.yaml');
    const editor = await vscode.window.showTextDocument(document);
    const line = Array.from({ length: document.lineCount }, (_, i) => i).find((i) => /^kind: Service/.test(document.lineAt(i).text))!;
    editor.selection = new vscode.Selection(line, 2, line, 2);
    const drawn = nextRender(api, 'the nginx trace', (r) => /^default\/nginx:http from /.test(r.title) && !/what-if/.test(r.title));
    // The editor context menu passes the document's Uri.
    await vscode.commands.executeCommand('kubePacketPath.tracePacketPath', document.uri);
    assert.equal((await drawn).branches, 3);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

interface Rendered { title: string; branches: number; hops: number }

/** The next trace the webview reports drawing that `match`es; fails after 60 s, saying what it drew instead. */
function nextRender(api: TraceApi, what: string, match: (r: Rendered) => boolean): Promise<Rendered> {
  return new Promise<Rendered>((resolve, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => { sub.dispose(); reject(new Error(`timed out waiting for the webview to draw ${what}; it drew: ${seen.join(' | ') || 'nothing'}`)); }, 60_000);
    const sub = api.onDidRenderTrace((r) => {
      seen.push(`${r.title} (${r.branches})`);
      if (!match(r)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(r);
    });
  });
}
interface TraceApi {
  openTrace(scenario: unknown): Promise<void>;
  onDidRenderTrace: vscode.Event<Rendered>;
}
