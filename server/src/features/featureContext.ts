// What every feature adapter gets: the workspace snapshot and the one offset↔position helper.
import type { WorkspaceSnapshot } from '../core/workspace/workspaceSnapshot';
import type { PositionMapper } from './positions';

/** A document open in the editor, whatever its language (yaml, json, iptables, conntrack, ...). */
export interface OpenDocument {
  readonly uri: string;
  readonly languageId: string;
  readonly version: number;
  readonly text: string;
}

export interface FeatureContext {
  readonly snapshot: WorkspaceSnapshot;
  /** Position mapping for a file in the index or open in the editor (undefined for others). */
  positions(uri: string): PositionMapper | undefined;
  /** An open document (iptables-save and conntrack dumps are not in the manifest index). */
  openDocument(uri: string): OpenDocument | undefined;
  /** Every open document. */
  openDocuments(): readonly OpenDocument[];
  /** A file's name for people: relative to its workspace folder. */
  displayPath(uri: string): string;
  /** Link to a diagnostic code's documentation (`codeDescription.href`), if known. */
  docsHref(code: string): string | undefined;
}

/** Escapes text from manifests (names, labels: attacker-controlled) for Markdown. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => '\\' + c);
}

/**
 * Inline code span that survives backticks in the text: the fence is a backtick run whose length
 * no run in the text has (a span closes only on a run of exactly its fence's length).
 */
export function inlineCode(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  const runs = new Set((clean.match(/`+/g) ?? []).map((r) => r.length));
  let n = 1;
  while (runs.has(n)) n++;
  const fence = '`'.repeat(n);
  const pad = runs.size > 0 ? ' ' : '';
  return fence + pad + clean + pad + fence;
}
