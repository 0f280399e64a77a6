// Keeps the workspace index fed: manifest files read from the workspace folders, the editor's open
// documents (whose unsaved text wins over disk), and file changes on disk.
import * as path from 'node:path';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import type { WorkspaceSnapshot } from '../core/workspace/workspaceSnapshot';
import { createPositionMapper, type PositionMapper } from '../features/positions';
import {
  canonicalUri,
  createExcludeMatcher,
  findManifestFiles,
  fsPathToUri,
  isManifestPath,
  isPathExcluded,
  readManifestFile,
  uriToFsPath,
  MAX_FILES,
  type ExcludeMatcher,
  type FilesExclude,
} from './workspaceFiles';

interface FileEntry {
  readonly text: string;
  readonly version: number | string;
  readonly open: boolean;
  mapper?: PositionMapper;
}

export interface WorkspaceFolder {
  readonly uri: string;
  readonly fsPath: string;
  readonly matcher: ExcludeMatcher;
}

export class WorkspaceHost {
  readonly index = new WorkspaceIndex();
  private readonly entries = new Map<string, FileEntry>();
  private folders: WorkspaceFolder[] = [];
  private diskGeneration = 0;
  /** Bumped on every change to the index. */
  generation = 0;

  setFolders(folders: readonly { uri: string; exclude?: FilesExclude | null }[]): void {
    this.folders = folders.flatMap((f) => {
      const fsPath = uriToFsPath(f.uri);
      return fsPath === undefined ? [] : [{ uri: canonicalUri(f.uri), fsPath, matcher: createExcludeMatcher(f.exclude) }];
    });
  }

  get folderList(): readonly WorkspaceFolder[] {
    return this.folders;
  }

  /**
   * Reads every manifest below the folders into the index, and drops disk files no longer found
   * (deleted, or now excluded). Open documents are left alone.
   */
  async scanFolders(limit = MAX_FILES): Promise<{ readonly files: number; readonly truncated: boolean }> {
    const found = new Set<string>();
    let truncated = false;
    for (const folder of this.folders) {
      const paths = await findManifestFiles(folder.fsPath, folder.matcher, limit + 1);
      if (paths.length > limit) {
        truncated = true;
        paths.length = limit;
      }
      for (const filePath of paths) {
        const uri = fsPathToUri(filePath);
        found.add(uri);
        if (this.entries.get(uri)?.open) continue;
        const text = await readManifestFile(filePath);
        if (text !== undefined) this.setDiskText(uri, text);
      }
    }
    for (const [uri, entry] of [...this.entries]) {
      if (!entry.open && !found.has(uri)) this.remove(uri);
    }
    return { files: found.size, truncated };
  }

  /** The editor opened or changed a document: its text wins over disk. */
  setOpenDocument(rawUri: string, text: string, version: number): void {
    const uri = canonicalUri(rawUri);
    const known = this.entries.get(uri);
    if (known && known.text === text) {
      // Opening a file as it is on disk (or a no-op edit) changes nothing: no reparse, no new generation.
      this.entries.set(uri, { text, version, open: true, mapper: known.mapper });
      return;
    }
    this.entries.set(uri, { text, version, open: true });
    this.index.setFile(uri, text, version);
    this.generation++;
  }

  /** The editor closed a document: fall back to the file on disk, if it is part of the workspace. */
  async closeDocument(rawUri: string): Promise<void> {
    const uri = canonicalUri(rawUri);
    const entry = this.entries.get(uri);
    if (entry) this.entries.set(uri, { text: entry.text, version: entry.version, open: false, mapper: entry.mapper });
    const fsPath = uriToFsPath(uri);
    const text = fsPath !== undefined && this.isWorkspaceManifest(fsPath) ? await readManifestFile(fsPath) : undefined;
    if (this.entries.get(uri)?.open) return; // reopened while reading
    if (text === undefined) this.remove(uri);
    else this.setDiskText(uri, text);
  }

  /** A file changed on disk (created or modified). Ignored while the editor has it open. */
  async diskFileChanged(rawUri: string): Promise<void> {
    const uri = canonicalUri(rawUri);
    if (this.entries.get(uri)?.open) return;
    const fsPath = uriToFsPath(uri);
    if (fsPath === undefined || !this.isWorkspaceManifest(fsPath)) return;
    const text = await readManifestFile(fsPath);
    if (text === undefined) this.remove(uri);
    else this.setDiskText(uri, text);
  }

  /** A file or folder was deleted on disk: drop it (and everything below it) unless open in the editor. */
  diskFileDeleted(rawUri: string): void {
    const uri = canonicalUri(rawUri);
    const prefix = uri.endsWith('/') ? uri : uri + '/';
    for (const [known, entry] of [...this.entries]) {
      if (!entry.open && (known === uri || known.startsWith(prefix))) this.remove(known);
    }
  }

  isOpen(rawUri: string): boolean {
    return this.entries.get(canonicalUri(rawUri))?.open ?? false;
  }

  snapshot(): WorkspaceSnapshot {
    return this.index.snapshot();
  }

  /** Offset ↔ position conversion for a file the index knows, built once per version. */
  positions(rawUri: string): PositionMapper | undefined {
    const entry = this.entries.get(canonicalUri(rawUri));
    if (!entry) return undefined;
    entry.mapper ??= createPositionMapper(entry.text);
    return entry.mapper;
  }

  text(rawUri: string): string | undefined {
    return this.entries.get(canonicalUri(rawUri))?.text;
  }

  get fileCount(): number {
    return this.entries.size;
  }

  /** `broken/service.yaml` for a file below a workspace folder, else the file's path or uri. */
  displayPath(uri: string): string {
    const fsPath = uriToFsPath(uri);
    if (fsPath === undefined) return uri;
    for (const folder of this.folders) {
      const rel = path.relative(folder.fsPath, fsPath);
      if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
    }
    return fsPath;
  }

  private isWorkspaceManifest(fsPath: string): boolean {
    if (!isManifestPath(fsPath)) return false;
    const folder = this.folders.find((f) => {
      const rel = path.relative(f.fsPath, fsPath);
      return !rel.startsWith('..') && !path.isAbsolute(rel);
    });
    return folder !== undefined && !isPathExcluded(folder.fsPath, fsPath, folder.matcher);
  }

  private setDiskText(uri: string, text: string): void {
    const known = this.entries.get(uri);
    // The editor's text wins (a disk read may finish after the document was opened).
    if (known && (known.open || known.text === text)) return;
    const version = `disk:${++this.diskGeneration}`;
    this.entries.set(uri, { text, version, open: false });
    this.index.setFile(uri, text, version);
    this.generation++;
  }

  private remove(uri: string): void {
    if (this.entries.delete(uri)) {
      this.index.deleteFile(uri);
      this.generation++;
    }
  }
}
