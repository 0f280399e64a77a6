// Diagnostics as VS Code shows them (the Problems panel's data): every file of examples/broken/
// reports exactly its diagnostic(s) without being opened, the good examples report nothing, and an
// edit in the editor clears a diagnostic in another file.
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { activateExtension, openDocument, positionOf, waitFor, workspaceUri } from './helpers';
import { EXPECTED_DIAGNOSTICS, GOOD_FILES, type Severity } from '../expected';

const SEVERITY: Record<vscode.DiagnosticSeverity, Severity> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'information',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};
const EXPECTED = EXPECTED_DIAGNOSTICS;
const GOOD = GOOD_FILES;

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'kube-packet-path');
}
function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}
function summarize(ds: readonly vscode.Diagnostic[]): [string, Severity, number][] {
  return ds.map((d): [string, Severity, number] => [codeOf(d), SEVERITY[d.severity], d.range.start.line + 1])
    .sort((a, b) => a[2] - b[2] || a[0].localeCompare(b[0]));
}

suite('diagnostics', () => {
  suiteSetup(async () => {
    await activateExtension();
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    test(`${file} shows ${expected.map((e) => e[0]).join(', ')} without being opened`, async () => {
      const uri = workspaceUri(file);
      await waitFor(`${expected.length} diagnostic(s) on ${file}`, () => ours(uri).length >= expected.length || undefined)
        .catch(() => assert.deepEqual(summarize(ours(uri)), expected));
      assert.deepEqual(summarize(ours(uri)), expected);
    });
  }

  test('every diagnostic explains itself and links to its rule', async () => {
    const all = Object.keys(EXPECTED).flatMap((file) => ours(workspaceUri(file)));
    assert.ok(all.length > 0);
    for (const d of all) {
      assert.ok(d.message.length > 20, `terse message: ${d.message}`);
      if (codeOf(d) === 'yaml-syntax') continue;
      assert.equal(typeof d.code, 'object', `${codeOf(d)} has no documentation link`);
    }
  });

  test('the good examples show nothing', async () => {
    // Diagnostics of broken/ have arrived (tests above), so the server has analysed the workspace.
    await waitFor('broken/ diagnostics', () => ours(workspaceUri('broken/yaml-syntax.yaml')).length > 0 || undefined);
    const noisy = GOOD.map((f) => [f, summarize(ours(workspaceUri(f)))] as const).filter(([, ds]) => ds.length > 0);
    assert.deepEqual(noisy, []);
  });

  test('a cross-file diagnostic points at its peer (related information)', async () => {
    const uri = workspaceUri('broken/service-port-invalid.yaml');
    const twice = ours(uri).filter((d) => /also used by/.test(d.message));
    assert.ok(twice.length > 0, 'no "nodePort used twice" diagnostic');
    assert.ok(twice.every((d) => (d.relatedInformation ?? []).length > 0), 'no related information');
  });

  test('the quick fix for a selector typo is offered and, applied, clears the warning', async () => {
    const document = await openDocument('broken/service-selector-matches-no-pods.yaml');
    const diagnostic = await waitFor('the selector warning', () => ours(document.uri).find((d) => /web-frontnd/.test(d.message)));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.kind?.value === vscode.CodeActionKind.QuickFix.value && a.edit);
    assert.ok(fix, `no quick fix; got ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit!));
    assert.ok(!document.getText().includes('app: web-frontnd'), 'the edit did not replace the typo');
    await waitFor('the selector warning to clear', () => !ours(document.uri).some((d) => /web-frontnd/.test(d.message)) || undefined);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('fixing a pod template clears the workload mismatch, live from the unsaved buffer', async () => {
    const document = await openDocument('broken/workload-selector-mismatch.yaml');
    await waitFor('the workload mismatch', () => ours(document.uri).find((d) => codeOf(d) === 'workload-selector-mismatch'));
    const at = positionOf(document, 'app: workers');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(at, at.translate(0, 'app: workers'.length)), 'app: worker');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor('the mismatch to clear', () => !ours(document.uri).some((d) => codeOf(d) === 'workload-selector-mismatch') || undefined);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor('the mismatch to come back after revert', () => ours(document.uri).some((d) => codeOf(d) === 'workload-selector-mismatch') || undefined);
  });

  test('breaking the nginx pod labels in deployment.yaml flags the Service in service.yaml; undoing clears it', async () => {
    const service = workspaceUri('nginx/service.yaml');
    const document = await openDocument('nginx/deployment.yaml');
    const at = positionOf(document, 'app: nginx', 0, 2); // the pod template's label (after metadata.labels and matchLabels)
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(at, at.translate(0, 'app: nginx'.length)), 'app: nginy');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const flagged = await waitFor('service.yaml to be flagged', () => ours(service).find((d) => codeOf(d) === 'service-selector-matches-no-pods'));
    assert.match(flagged.message, /nginx/);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor('service.yaml to be clean again', () => ours(service).length === 0 || undefined);
  });
});
