import { parseManifests } from '../manifests/parseManifests';
import type { ManifestFile } from '../manifests/types';
import { DiagnosticsEngine } from '../diagnostics/computeDiagnostics';
import { WorkspaceSnapshot } from './workspaceSnapshot';

export interface WorkspaceIndexStats {
  /** How many times a file was parsed. */
  readonly parses: number;
  /** How many times one namespace's diagnostics were computed (the rest came from the cache). */
  readonly namespaceAnalyses: number;
}

/**
 * The workspace model. Callers push file contents in (`setFile`, `deleteFile`: the editor's
 * unsaved text or what they read from disk; the core never reads files) and take immutable
 * snapshots out. A file is parsed once per (uri, version); diagnostics are computed per namespace
 * and reused while the namespace's objects are unchanged, so an edit re-analyses only the
 * namespaces it touches (plus the cheap cluster-wide checks).
 */
export class WorkspaceIndex {
  private readonly files = new Map<string, { version: number | string | undefined; file: ManifestFile }>();
  private readonly engine = new DiagnosticsEngine();
  private parses = 0;
  private current: WorkspaceSnapshot | undefined;

  /** Adds or replaces a file. Same uri and version as last time (and same text) does nothing. */
  setFile(uri: string, text: string, version?: number | string): void {
    const known = this.files.get(uri);
    if (known && known.version === version && known.file.text === text) return;
    this.parses++;
    this.files.set(uri, { version, file: parseManifests(uri, text) });
    this.current = undefined;
  }

  deleteFile(uri: string): boolean {
    const deleted = this.files.delete(uri);
    if (deleted) this.current = undefined;
    return deleted;
  }

  hasFile(uri: string): boolean {
    return this.files.has(uri);
  }

  uris(): readonly string[] {
    return [...this.files.keys()].sort();
  }

  /** The workspace as it is now. The same object is returned until the next change. */
  snapshot(): WorkspaceSnapshot {
    if (!this.current) {
      const files = new Map<string, ManifestFile>();
      for (const [uri, { file }] of this.files) files.set(uri, file);
      this.current = new WorkspaceSnapshot(files, this.engine);
    }
    return this.current;
  }

  get stats(): WorkspaceIndexStats {
    return { parses: this.parses, namespaceAnalyses: this.engine.namespaceAnalyses };
  }
}
