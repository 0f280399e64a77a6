// File-system glue of the language server: finds the manifest files under the workspace folders,
// honouring node_modules/.git and VS Code's `files.exclude`, and reads them.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import picomatch from 'picomatch';

export const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];
const ALWAYS_SKIPPED_DIRS = new Set(['node_modules', '.git']);
/** Files bigger than this are not manifests anyone edits by hand; skipping them keeps the server responsive. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** A safety cap on the number of files read from one workspace. */
export const MAX_FILES = 20000;

/** VS Code's `files.exclude` shape: glob → true/false or `{ when: "$(basename).ts" }`. */
export type FilesExclude = Readonly<Record<string, boolean | { readonly when?: string }>>;

export interface ExcludeMatcher {
  /** `relativePath` uses forward slashes, relative to the workspace folder. */
  isExcluded(relativePath: string, isDirectory: boolean): boolean;
}

export function createExcludeMatcher(exclude: FilesExclude | null | undefined): ExcludeMatcher {
  const globs = Object.entries(exclude ?? {})
    // `when` clauses depend on sibling files; excluding unconditionally would hide real manifests.
    .filter(([, v]) => v === true)
    .map(([glob]) => glob);
  const matchers = globs.map((g) => picomatch(g, { dot: true }));
  return {
    isExcluded(relativePath, isDirectory) {
      const segments = relativePath.split('/');
      if (isDirectory && ALWAYS_SKIPPED_DIRS.has(segments[segments.length - 1])) return true;
      return matchers.some((m) => m(relativePath));
    },
  };
}

export function isManifestPath(p: string): boolean {
  const lower = p.toLowerCase();
  return MANIFEST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** True when some segment of the path below the folder is node_modules/.git or an excluded glob. */
export function isPathExcluded(folderPath: string, filePath: string, matcher: ExcludeMatcher): boolean {
  const rel = path.relative(folderPath, filePath).split(path.sep).join('/');
  if (rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const segments = rel.split('/');
  for (let i = 1; i <= segments.length; i++) {
    const isDirectory = i < segments.length;
    if (matcher.isExcluded(segments.slice(0, i).join('/'), isDirectory)) return true;
  }
  return false;
}

/** Every manifest file below `folderPath` (absolute paths, sorted), skipping excluded folders and symlinked dirs. */
export async function findManifestFiles(folderPath: string, matcher: ExcludeMatcher, limit = MAX_FILES): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to index
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (found.length >= limit) return;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const childPath = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!matcher.isExcluded(childRel, true)) await walk(childPath, childRel);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && isManifestPath(entry.name) && !matcher.isExcluded(childRel, false)) {
        found.push(childPath);
      }
    }
  }
  await walk(folderPath, '');
  return found;
}

/** The file's text, or undefined when it cannot be read, is not a regular file, or is too big. */
export async function readManifestFile(filePath: string): Promise<string | undefined> {
  try {
    const stat = await fsp.stat(filePath);
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return undefined;
    return await fsp.readFile(filePath, 'utf8');
  } catch {
    return undefined;
  }
}

export function uriToFsPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function fsPathToUri(p: string): string {
  return pathToFileURL(p).href;
}

/**
 * One spelling per file: clients percent-encode file URIs differently (VS Code encodes `:` and `@`,
 * Node does not), so the server keys everything by the URI Node would build from the path.
 */
export function canonicalUri(uri: string): string {
  const p = uriToFsPath(uri);
  return p === undefined ? uri : fsPathToUri(p);
}
