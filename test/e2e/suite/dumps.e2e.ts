// The dump language features on an iptables-save of a node and a conntrack listing saved in the
// workspace, as a user who copied them from a node would see them: outline, Go to Definition and
// Find All References between chains, hovers that name the Service and the share of traffic,
// links to the manifests, "Trace from here", dump checks and drift, conntrack lens and hover.
// The dump is the node's own iptables-save as the extension generates it (kpp-rules:), so what it
// must say about nginx is known from the manifests.
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import { activateExtension, hoverText, openDocument, positionOf, waitFor, writeWorkspaceFile } from './helpers';

const NODE = 'aks-nodepool1-12345678-vmss000000';
const DUMP = 'dumps/aks-node-0.iptables';

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'kube-packet-path');
}
function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}
/** 0-based numbers of the lines matching `re`. */
function linesMatching(document: vscode.TextDocument, re: RegExp): number[] {
  const out: number[] = [];
  for (let i = 0; i < document.lineCount; i++) if (re.test(document.lineAt(i).text)) out.push(i);
  return out;
}

suite('iptables and conntrack dumps', () => {
  let dump: vscode.TextDocument;
  let svcChain: string; // nginx's KUBE-SVC chain, as the Service's CodeLens names it

  suiteSetup(async () => {
    await activateExtension();
    const service = await openDocument('nginx/service.yaml');
    const lens = await waitFor('the nginx rules lens', async () => {
      const ls = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', service.uri, 10);
      return ls.find((l) => /^KUBE-SVC-[A-Z2-7]{16} · /.test(l.command?.title ?? ''));
    });
    svcChain = lens.command!.title.split(' ')[0];
    const node = await vscode.workspace.openTextDocument(vscode.Uri.parse(`kpp-rules:/${NODE}/save-legacy.iptables`));
    const text = await waitFor('the node rules', () => (/COMMIT/.test(node.getText()) ? node.getText() : undefined));
    dump = await vscode.workspace.openTextDocument(await writeWorkspaceFile(DUMP, text));
    await vscode.window.showTextDocument(dump, { preview: false });
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the dump opens as iptables; its outline lists tables and chains with their Service port', async () => {
    assert.equal(dump.languageId, 'iptables');
    const symbols = await waitFor('the outline', async () => {
      const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', dump.uri);
      return s?.length ? s : undefined;
    });
    assert.deepEqual(symbols.map((s) => s.name).sort(), ['filter', 'mangle', 'nat']); // mangle: kube-proxy's canary chain
    const nat = symbols.find((s) => s.name === 'nat')!;
    const chain = nat.children.find((c) => c.name === svcChain);
    assert.ok(chain, `${svcChain} not in the nat outline`);
    assert.match(chain.detail, /default\/nginx:http/);
    assert.match(chain.detail, /4 rules/); // the masquerade rule and one per endpoint
  });

  test('Go to Definition on a jump lands on the chain declaration', async () => {
    const jump = positionOf(dump, `"default/nginx:http cluster IP" -m tcp --dport 80 -j ${svcChain}`, `"default/nginx:http cluster IP" -m tcp --dport 80 -j `.length + 2);
    const found = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', dump.uri, jump);
    const lines = found.map((l) => ('targetUri' in l ? l.targetRange.start.line : l.range.start.line));
    assert.deepEqual(lines, linesMatching(dump, new RegExp(`^:${svcChain} `)));
  });

  test('Find All References on a chain lists its declaration and every jump to it', async () => {
    const declaration = positionOf(dump, `:${svcChain} `, 2);
    const found = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', dump.uri, declaration);
    const expected = linesMatching(dump, new RegExp(`^:${svcChain} |-j ${svcChain}$`));
    assert.ok(expected.length >= 3, 'the dump has fewer jumps than kube-proxy writes');
    assert.deepEqual([...new Set(found.map((l) => l.range.start.line))].sort((a, b) => a - b), expected);
  });

  test('hovering a chain names its Service port and who jumps to it', async () => {
    const text = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', dump.uri, positionOf(dump, `:${svcChain} `, 2)));
    assert.match(text, /Service port `default\/nginx:http`/);
    assert.match(text, /4 rules/);
    assert.match(text, /Jumped to from .*KUBE-SERVICES/);
  });

  test('hovering the first statistic rule of nginx gives each endpoint its third', async () => {
    const at = positionOf(dump, '--probability 0.33333333349', 3, linesMatching(dump, /--probability 0\.33333333349/).findIndex((l) => dump.lineAt(l).text.startsWith(`-A ${svcChain} `)));
    const text = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', dump.uri, at));
    assert.match(text, /it takes 33\.3% of those/);
    assert.match(text, /3 endpoints; an even spread is 33\.3% each/);
  });

  test('the nginx chains link to the Service in nginx/service.yaml', async () => {
    const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', dump.uri, 500);
    const onChain = links.filter((l) => dump.getText(l.range) === svcChain);
    assert.ok(onChain.length >= 2, `links on ${svcChain}: ${onChain.length}`);
    for (const link of onChain) assert.match(link.target?.path ?? '', /\/nginx\/service\.yaml$/);
  });

  test('"Trace from here" sits on the KUBE-SERVICES rules of nginx', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', dump.uri, 500);
    const nginx = lenses.filter((l) => /^Trace from here \(default\/nginx:http via /.test(l.command?.title ?? ''));
    assert.ok(nginx.length >= 2, JSON.stringify(nginx.map((l) => l.command?.title))); // cluster IP and load-balancer IP
    for (const lens of nginx) {
      assert.equal(lens.command?.command, 'kubePacketPath.tracePacketPath');
      assert.match(dump.lineAt(lens.range.start.line).text, /^-A KUBE-SERVICES .*default\/nginx:http/);
    }
  });

  test('the dump agrees with the manifests: no errors or drift warnings', async () => {
    await waitFor('dump diagnostics', () => ours(dump.uri).length > 0 || undefined);
    const loud = ours(dump.uri).filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning);
    assert.deepEqual(loud.map((d) => `${codeOf(d)}: ${d.message}`), []);
  });

  test('a jump to an undeclared chain is an error; undoing the edit clears it', async () => {
    const editor = await vscode.window.showTextDocument(dump, { preview: false });
    const natStart = linesMatching(dump, /^\*nat$/)[0];
    const commitLine = linesMatching(dump, /^COMMIT$/).find((l) => l > natStart);
    assert.ok(commitLine !== undefined, 'no COMMIT after *nat');
    const commit = new vscode.Position(commitLine, 0);
    assert.ok(await editor.edit((b) => b.insert(commit, '-A KUBE-SERVICES -j KUBE-SVC-DOESNOTEXIST1234\n')));
    const problem = await waitFor('undeclared-chain', () => ours(dump.uri).find((d) => codeOf(d) === 'undeclared-chain'));
    assert.equal(problem.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(dump.getText(problem.range), 'KUBE-SVC-DOESNOTEXIST1234');
    await vscode.commands.executeCommand('undo');
    await waitFor('the error to clear', () => !ours(dump.uri).some((d) => codeOf(d) === 'undeclared-chain') || undefined);
  });

  test('an endpoint on another port than the manifests\' targetPort is reported as drift', async () => {
    // The pod IPs are assumed (no EndpointSlices in the workspace), so drift compares the number of
    // endpoints and their ports, not their addresses.
    const editor = await vscode.window.showTextDocument(dump, { preview: false });
    const dnat = linesMatching(dump, /--comment "default\/nginx:http" -m tcp -j DNAT --to-destination \S+:80$/)[0];
    assert.ok(dnat !== undefined, 'no nginx DNAT rule');
    const end = dump.lineAt(dnat).range.end;
    assert.ok(await editor.edit((b) => b.replace(new vscode.Range(end.translate(0, -':80'.length), end), ':8080')));
    try {
      const drift = await waitFor('drift', () => ours(dump.uri).find((d) => codeOf(d) === 'drift-endpoints-differ' && /default\/nginx:http/.test(d.message)));
      assert.equal(drift.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(drift.message, /8080/);
      assert.ok((drift.relatedInformation ?? []).some((r) => r.location.uri.path.endsWith('/nginx/service.yaml')), 'the drift does not point at the Service');
    } finally {
      await vscode.commands.executeCommand('undo');
    }
    await waitFor('the drift to clear', () => !ours(dump.uri).some((d) => codeOf(d) === 'drift-endpoints-differ') || undefined);
  });

  test('a conntrack listing: an entry to nginx\'s load balancer is decoded and counted per Service', async () => {
    // An entry as conntrack -L prints it for a client of nginx's (assumed) load-balancer IP, DNATed
    // to one of its endpoints and masqueraded; both addresses come from the node's rules.
    const lb = /^-A KUBE-SERVICES -d (\S+)\/32 .*"default\/nginx:http loadbalancer IP"/m.exec(dump.getText())?.[1];
    const endpoint = /--comment "default\/nginx:http" -m tcp -j DNAT --to-destination (\S+):80$/m.exec(dump.getText())?.[1];
    assert.ok(lb && endpoint, 'the node rules have no nginx load-balancer rule or DNAT');
    const listing = `tcp      6 86399 ESTABLISHED src=203.0.113.10 dst=${lb} sport=51234 dport=80 `
      + `src=${endpoint} dst=10.224.0.4 sport=80 dport=51234 [ASSURED] mark=0 use=1\n`;
    const document = await vscode.workspace.openTextDocument(await writeWorkspaceFile('dumps/conntrack-node-0.txt', listing));
    await vscode.window.showTextDocument(document, { preview: false });
    assert.equal(document.languageId, 'conntrack');
    const lenses = await waitFor('the conntrack lens', async () => {
      const ls = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10);
      return ls.length ? ls : undefined;
    });
    assert.deepEqual(lenses.map((l) => l.command?.title), [`Service default/nginx:http (assumed load-balancer IP): 1 entry, 1 DNAT, 1 SNAT → ${endpoint}:80 ×1`]);
    const text = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, positionOf(document, `dst=${lb}`, 5)));
    assert.ok(text.includes(`asked for: \`${lb}:80\` — Service \`default/nginx:http`), text);
    assert.ok(text.includes(`answered by: \`${endpoint}:80\``), text);
    assert.match(text, /DNAT: yes; SNAT\/masquerade: yes/);
  });
});
