// Small helpers for the editor integration suite: public `vscode` API only.
import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';

export const EXTENSION_ID = 'kube-packet-path.kube-packet-path';

/** The opened workspace: a temporary copy of the repository's examples/ folder. */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open (the e2e runner opens a copy of examples/)');
  return folder.uri;
}

export function workspaceUri(relativePath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relativePath.split('/'));
}

export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  await extension.activate();
  return extension;
}

export async function openDocument(relativePath: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(workspaceUri(relativePath));
  await vscode.window.showTextDocument(document, { preview: false });
  return document;
}

export async function writeWorkspaceFile(relativePath: string, text: string): Promise<vscode.Uri> {
  const uri = workspaceUri(relativePath);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

/** Polls `probe` until it returns something truthy; fails with `what` and the last value seen. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${describe(last)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value)?.slice(0, 500) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The position of the `occurrence`-th (0-based) `needle` in the document, plus `offset` characters. */
export function positionOf(document: vscode.TextDocument, needle: string, offset = 0, occurrence = 0): vscode.Position {
  const text = document.getText();
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `"${needle}" (occurrence ${occurrence}) not found in ${document.uri.path}`);
  }
  return document.positionAt(at + offset);
}

/** The plain text of hover contents, whatever shape each part has. */
export function hoverText(hovers: readonly vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n---\n');
}
