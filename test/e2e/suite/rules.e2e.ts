// Generated rules and the trace panel in the real editor: the kpp-rules: documents opened by
// kubePacketPath.showGeneratedRules (one Service at its chain, the whole node, the node-restore
// text trace hops point into), their update after an unsaved edit, and the trace command.
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { activateExtension, hoverText, openDocument, positionOf, waitFor } from './helpers';

function activeRulesEditor(): vscode.TextEditor | undefined {
  const e = vscode.window.activeTextEditor;
  return e?.document.uri.scheme === 'kpp-rules' ? e : undefined;
}

suite('generated rules and traces', () => {
  suiteSetup(async () => {
    await activateExtension();
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the nginx port lens names its KUBE-SVC chain; clicking it opens the Service rules at that chain', async () => {
    const document = await openDocument('nginx/service.yaml');
    const lens = await waitFor('the rules lens', async () => {
      const ls = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10);
      return ls.find((l) => /^KUBE-SVC-[A-Z2-7]{16} · 3 endpoints$/.test(l.command?.title ?? ''));
    });
    assert.equal(lens.command!.command, 'kubePacketPath.showGeneratedRules');
    await vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
    const editor = await waitFor('the kpp-rules editor', () => activeRulesEditor());
    assert.equal(editor.document.languageId, 'iptables');
    assert.match(editor.document.uri.toString(true), /^kpp-rules:\/aks-nodepool1-12345678-vmss000000\/save-legacy\.iptables\?service=default\/nginx$/);
    const text = editor.document.getText();
    assert.equal((text.match(/^:KUBE-SEP-/gm) ?? []).length, 3);
    assert.match(text, /--probability 0\.33333333349 /);
    const chain = lens.command!.title.split(' ')[0];
    assert.equal(editor.document.lineAt(editor.selection.active.line).text, `:${chain} - [0:0]`);
  });

  test('the hover on the Service name shows its rules block', async () => {
    const document = await openDocument('nginx/service.yaml');
    const text = await waitFor('a hover with rules', async () => {
      const t = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, positionOf(document, 'name: nginx', 7)));
      return /```iptables/.test(t) ? t : undefined;
    });
    assert.equal((text.match(/^:KUBE-SEP-/gm) ?? []).length, 3);
    assert.match(text, /--probability 0\.50000000000 /);
    assert.match(text, /assumed/);
  });

  test('the whole node, and the rules update after an unsaved edit of replicas', async () => {
    await vscode.commands.executeCommand('kubePacketPath.showGeneratedRules');
    const whole = await waitFor('the node rules editor', () => activeRulesEditor());
    assert.match(whole.document.getText(), /^:PREROUTING ACCEPT \[0:0\]$/m);
    await vscode.commands.executeCommand('kubePacketPath.showGeneratedRules', { service: 'default/nginx' });
    const one = await waitFor('the nginx rules editor', () => (activeRulesEditor()?.document.uri.query ? activeRulesEditor() : undefined));
    const rulesDoc = one.document;
    assert.equal((rulesDoc.getText().match(/^:KUBE-SEP-/gm) ?? []).length, 3);
    const deployment = await openDocument('nginx/deployment.yaml');
    const edit = new vscode.WorkspaceEdit();
    const at = positionOf(deployment, 'replicas: 3', 10);
    edit.replace(deployment.uri, new vscode.Range(at, at.translate(0, 1)), '2');
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      await waitFor('two KUBE-SEP chains', () => ((rulesDoc.getText().match(/^:KUBE-SEP-/gm) ?? []).length === 2 ? true : undefined));
    } finally {
      const undo = new vscode.WorkspaceEdit();
      undo.replace(deployment.uri, new vscode.Range(at, at.translate(0, 1)), '3');
      await vscode.workspace.applyEdit(undo);
      await deployment.save();
    }
  });

  test('from the editor context menu (a resource argument): the Service under the cursor', async () => {
    const document = await openDocument('nginx/service.yaml');
    const editor = vscode.window.activeTextEditor!;
    const at = positionOf(document, 'targetPort: http', 3);
    editor.selection = new vscode.Selection(at, at);
    // The outline must be ready before the command reads it.
    await waitFor('document symbols', async () => {
      const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', document.uri);
      return symbols?.length ? symbols : undefined;
    });
    await vscode.commands.executeCommand('kubePacketPath.showGeneratedRules', document.uri);
    const rules = await waitFor('the nginx rules editor', () => activeRulesEditor());
    assert.equal(rules.document.uri.query, 'service=default/nginx');
    // The document may still show the previous test's replicas: 2 until the server's rulesChanged arrives.
    await waitFor('three KUBE-SEP chains', () => ((rules.document.getText().match(/^:KUBE-SEP-/gm) ?? []).length === 3 ? true : undefined))
      .catch(() => assert.equal((rules.document.getText().match(/^:KUBE-SEP-/gm) ?? []).length, 3));
  });

  test('the node-restore document the trace hops point into opens', async () => {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse('kpp-rules:/aks-nodepool1-12345678-vmss000000/node-restore.iptables'));
    assert.match(document.getText(), /^-A KUBE-SVC-[A-Z2-7]{16} .*--probability 0\.3333333333 /m);
  });

  test('Trace packet path with a scenario opens the trace panel', async () => {
    const registered = await vscode.commands.getCommands(true);
    assert.ok(registered.includes('kubePacketPath.tracePacketPath'));
    await vscode.commands.executeCommand('kubePacketPath.tracePacketPath', {
      target: { kind: 'Service', namespace: 'default', name: 'nginx', port: 'http' },
      source: 'external', via: 'loadbalancer', node: 'aks-nodepool1-12345678-vmss000000', rules: 'generated',
    });
    await waitFor('the trace panel tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Trace: nginx'));
  });
});
