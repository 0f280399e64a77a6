// Publishes diagnostics after a short debounce: every file that has some, and an empty list for
// files that had some before and no longer do (so fixing a Deployment clears the Service's error).
import type { Diagnostic } from 'vscode-languageserver';

export interface PublishTarget {
  publish(uri: string, diagnostics: Diagnostic[]): void;
  /** Called after every publishing pass (e.g. to ask the client to refresh CodeLenses). */
  afterPublish?(): void;
}

export class DiagnosticsPublisher {
  private timer: NodeJS.Timeout | undefined;
  /** The non-empty lists the client currently shows, per uri, as JSON (to skip publishing unchanged lists). */
  private readonly shown = new Map<string, string>();

  constructor(
    private readonly target: PublishTarget,
    private readonly compute: () => Map<string, Diagnostic[]>,
    private readonly onError: (err: unknown) => void,
    private readonly delayMs = 150,
  ) {}

  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publishNow();
    }, this.delayMs);
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  get filesWithDiagnostics(): number {
    return this.shown.size;
  }

  publishNow(): void {
    let next: Map<string, Diagnostic[]>;
    try {
      next = this.compute();
    } catch (err) {
      this.onError(err);
      return;
    }
    for (const [uri, diagnostics] of next) {
      const before = this.shown.get(uri);
      if (diagnostics.length === 0) {
        if (before !== undefined) {
          this.shown.delete(uri);
          this.target.publish(uri, []);
        }
        continue;
      }
      const json = JSON.stringify(diagnostics);
      if (before === json) continue;
      this.shown.set(uri, json);
      this.target.publish(uri, diagnostics);
    }
    for (const uri of [...this.shown.keys()]) {
      if (!next.has(uri)) {
        this.shown.delete(uri);
        this.target.publish(uri, []);
      }
    }
    this.target.afterPublish?.();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
