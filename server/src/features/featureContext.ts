// What every feature adapter gets: the workspace snapshot and the one offset↔position helper.
import type { WorkspaceSnapshot } from '../core/workspace/workspaceSnapshot';
import type { PositionMapper } from './positions';

export interface FeatureContext {
  readonly snapshot: WorkspaceSnapshot;
  /** Position mapping for a file in the index (undefined for files it does not know). */
  positions(uri: string): PositionMapper | undefined;
  /** A file's name for people: relative to its workspace folder. */
  displayPath(uri: string): string;
  /** Link to a diagnostic code's documentation (`codeDescription.href`), if known. */
  docsHref(code: string): string | undefined;
}

/** Escapes text from manifests (names, labels: attacker-controlled) for Markdown. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => '\\' + c);
}

/** Inline code span that survives backticks in the text. */
export function inlineCode(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  const fence = clean.includes('`') ? '`` ' : '`';
  return fence + clean + (fence === '`` ' ? ' ``' : '`');
}
