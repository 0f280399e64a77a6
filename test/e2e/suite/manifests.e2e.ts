// The manifest editor features through VS Code's own provider commands (what the user gets on
// hover, in CodeLenses, Go to Definition, Find All References and the Outline), on the nginx and
// ingress examples.
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { activateExtension, hoverText, openDocument, positionOf, waitFor, workspaceUri } from './helpers';

function relative(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false);
}
function locationsOf(result: readonly (vscode.Location | vscode.LocationLink)[]): { file: string; line: number }[] {
  return result.map((l) => ('targetUri' in l
    ? { file: relative(l.targetUri), line: (l.targetSelectionRange ?? l.targetRange).start.line + 1 }
    : { file: relative(l.uri), line: l.range.start.line + 1 }));
}

suite('manifest features', () => {
  suiteSetup(async () => {
    await activateExtension();
    // The server has analysed the workspace once broken/ diagnostics are out.
    await waitFor('the first analysis', () => vscode.languages.getDiagnostics(workspaceUri('broken/yaml-syntax.yaml')).length > 0 || undefined);
  });

  test('hover on the nginx Service selector lists the Deployment and its replicas', async () => {
    const document = await openDocument('nginx/service.yaml');
    const text = await waitFor('a hover', async () => hoverText(await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider', document.uri, positionOf(document, 'app: nginx', 2))));
    assert.match(text, /Service `nginx`/);
    assert.match(text, /3 pods in 1 workload/);
    assert.match(text, /Deployment `nginx` — 3 replicas — `nginx\/deployment\.yaml`/);
  });

  test('hover on the nginx pod template labels names the Service selecting them', async () => {
    const document = await openDocument('nginx/deployment.yaml');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider', document.uri, positionOf(document, 'app: nginx', 2, 2));
    assert.match(hoverText(hovers), /Selected by 1 Service:[\s\S]*Service `nginx` — `nginx\/service\.yaml`/);
  });

  test('CodeLens on the nginx Service counts its pods', async () => {
    const document = await openDocument('nginx/service.yaml');
    const lenses = await waitFor('CodeLenses', async () => {
      const ls = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10);
      return ls.length > 0 ? ls : undefined;
    });
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.includes('3 pods in 1 workload'), `lenses: ${JSON.stringify(titles)}`);
    const pods = lenses.find((l) => l.command?.title === '3 pods in 1 workload')!;
    assert.equal(pods.command?.command, 'kubePacketPath.showReferences');
    const registered = await vscode.commands.getCommands(true);
    assert.ok(registered.includes('kubePacketPath.showReferences'), 'the lens command is not registered');
  });

  test('CodeLens on a Service whose selector matches nothing says so', async () => {
    const document = await openDocument('broken/service-selector-matches-no-pods.yaml');
    const lenses = await waitFor('CodeLenses', async () => {
      const ls = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10);
      return ls.length > 0 ? ls : undefined;
    });
    assert.ok(lenses.some((l) => l.command?.title === 'no pods match'), JSON.stringify(lenses.map((l) => l.command?.title)));
  });

  test('Go to Definition: selector label → pod template label; Ingress backend → Service', async () => {
    const service = await openDocument('nginx/service.yaml');
    const fromSelector = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
      'vscode.executeDefinitionProvider', service.uri, positionOf(service, 'app: nginx', 6));
    assert.deepEqual(locationsOf(fromSelector), [{ file: 'nginx/deployment.yaml', line: 16 }]);

    const ingress = await openDocument('ingress/hello-world-ingress.yaml');
    const fromBackend = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
      'vscode.executeDefinitionProvider', ingress.uri, positionOf(ingress, 'name: aks-helloworld-two', 8));
    assert.deepEqual(locationsOf(fromBackend).map((l) => l.file), ['ingress/aks-helloworld-two.yaml']);
  });

  test('Find All References: the aks-helloworld-one Service is used by two Ingress paths', async () => {
    const document = await openDocument('ingress/aks-helloworld-one.yaml');
    const at = positionOf(document, 'kind: Service');
    const nameAt = positionOf(document, 'name: aks-helloworld-one', 8, document.getText().slice(0, document.offsetAt(at)).split('name: aks-helloworld-one').length - 1);
    const references = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', document.uri, nameAt);
    const inIngress = locationsOf(references).filter((l) => l.file === 'ingress/hello-world-ingress.yaml');
    assert.equal(inIngress.length, 2, JSON.stringify(locationsOf(references)));
  });

  test('the Outline shows each object with its notable fields', async () => {
    const document = await openDocument('nginx/deployment.yaml');
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', document.uri);
    assert.equal(symbols.length, 1);
    assert.equal(symbols[0].name, 'Deployment nginx');
    const children = symbols[0].children.map((c) => c.name);
    for (const name of ['replicas', 'selector', 'pod labels', 'container nginx']) assert.ok(children.includes(name), `outline lacks ${name}: ${children}`);
  });

  test('Go to Symbol in Workspace finds the nginx Service and Deployment in their files', async () => {
    const symbols = await waitFor('workspace symbols', async () => {
      const found = await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', 'nginx');
      return found.length > 0 ? found : undefined;
    });
    const byName = new Map(symbols.map((s) => [s.name, relative(s.location.uri)]));
    assert.equal(byName.get('Service nginx'), 'nginx/service.yaml');
    assert.equal(byName.get('Deployment nginx'), 'nginx/deployment.yaml');
    assert.equal(byName.get('Deployment ingress-nginx-controller'), 'ingress/ingress-nginx-controller.yaml');
  });
});
