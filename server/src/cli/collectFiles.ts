import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from './io';

/** Folders never walked. */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(['node_modules', '.git']);
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/**
 * The manifest files under `paths` (files given explicitly are taken whatever their extension;
 * folders are walked for *.yaml, *.yml and *.json, skipping node_modules and .git), as absolute
 * paths, sorted, without duplicates. Throws UsageError for a path that does not exist or cannot be read.
 */
export function collectFiles(paths: readonly string[], cwd: string): string[] {
  const out = new Set<string>();
  const visited = new Set<string>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      throw new UsageError(`cannot read "${p}": ${describeError(e)}`);
    }
    if (st.isDirectory()) walk(abs, out, visited, p);
    else out.add(abs);
  }
  return [...out].sort();
}

function walk(dir: string, out: Set<string>, visited: Set<string>, shown: string): void {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (e) {
    throw new UsageError(`cannot read "${shown}": ${describeError(e)}`);
  }
  if (visited.has(real)) return;
  visited.add(real);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new UsageError(`cannot read directory "${shown}": ${describeError(e)}`);
  }
  for (const name of names) {
    if (SKIPPED_DIRECTORIES.has(name)) continue;
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // a dangling symlink: nothing to check
    }
    if (st.isDirectory()) walk(p, out, visited, join(shown, name));
    else if (st.isFile() && MANIFEST_FILE.test(name)) out.add(p);
  }
}

export function describeError(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e) {
    const code = String((e as { code: unknown }).code);
    const known: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      ENOTDIR: 'not a directory',
      EISDIR: 'is a directory',
    };
    return known[code] ?? code;
  }
  return e instanceof Error ? e.message : String(e);
}
