// A small LSP test client: spawns the bundled server (`node dist/server.js --stdio`), speaks real
// JSON-RPC over its stdio and keeps the diagnostics it publishes. Reused by every protocol test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import {
  ConfigurationRequest,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  FileChangeType,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  WorkDoneProgressCreateRequest,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver-protocol';
import { WorkspaceStatusMethod, type WorkspaceStatusResult } from '../../server/src/protocol';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SERVER_BUNDLE = join(REPO_ROOT, 'dist', 'server.js');

/** A temporary workspace folder on disk, deleted by `dispose`. */
export interface TempWorkspace {
  readonly dir: string;
  readonly uri: string;
  /** file:// URI of a path relative to the workspace (Node's spelling, as the server uses). */
  fileUri(relative: string): string;
  write(relative: string, text: string): string;
  dispose(): void;
}

export function createTempWorkspace(files: Readonly<Record<string, string>>, prefix = 'kpp-ws-'): TempWorkspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const ws: TempWorkspace = {
    dir,
    uri: pathToFileURL(dir).href,
    fileUri: (relative) => pathToFileURL(join(dir, relative)).href,
    write(relative, text) {
      const p = join(dir, relative);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
      return pathToFileURL(p).href;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
  for (const [relative, text] of Object.entries(files)) ws.write(relative, text);
  return ws;
}

export interface LspClientOptions {
  readonly workspaceFolders: readonly string[];
  /** Answers to workspace/configuration by section (e.g. `{ 'files.exclude': { '**\/skip': true } }`). */
  readonly configuration?: Readonly<Record<string, unknown>>;
  /** Extra server arguments; `--stdio` is always passed. */
  readonly serverArgs?: readonly string[];
  readonly initializationOptions?: unknown;
  /** Run this instead of `node dist/server.js` (e.g. the bundle itself, through its shebang). */
  readonly command?: readonly string[];
}

/** A running server plus a client connection to it. */
export class LspTestClient {
  readonly connection: ProtocolConnection;
  readonly stderr: string[] = [];
  readonly diagnostics = new Map<string, Diagnostic[]>();
  private readonly waiters: Array<() => void> = [];
  private versions = new Map<string, number>();
  private exited = false;
  initializeResult: InitializeResult | undefined;
  readonly configurationRequests: unknown[] = [];
  /** How many workspace/codeLens/refresh requests the server sent. */
  codeLensRefreshes = 0;
  /** client/registerCapability registrations the server asked for. */
  readonly registrations: { id: string; method: string; registerOptions?: unknown }[] = [];
  /** window/logMessage notifications (errors caught by the server's runSafe land here). */
  readonly logMessages: { type: number; message: string }[] = [];

  private readonly configuration: Record<string, unknown>;

  private constructor(private readonly child: ChildProcess, options: LspClientOptions) {
    this.configuration = { ...options.configuration };
    this.connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    child.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    child.on('exit', () => {
      this.exited = true;
      this.notifyWaiters();
    });
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      this.notifyWaiters();
    });
    this.connection.onRequest(ConfigurationRequest.type, (p) => {
      this.configurationRequests.push(p);
      return p.items.map((item) => (item.section ? this.configuration[item.section] ?? null : null));
    });
    this.connection.onRequest(RegistrationRequest.type, (p) => {
      this.registrations.push(...p.registrations);
    });
    this.connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    this.connection.onRequest('workspace/codeLens/refresh', () => {
      this.codeLensRefreshes++;
      this.notifyWaiters();
      return null;
    });
    this.connection.onNotification('window/logMessage', (p: { type: number; message: string }) => {
      this.logMessages.push(p);
    });
    this.connection.onNotification('kpp/workspaceReady', () => this.notifyWaiters());
    this.connection.listen();
  }

  /** Spawns the bundled server and runs initialize + initialized. */
  static async start(options: LspClientOptions): Promise<LspTestClient> {
    const [cmd, ...args] = options.command ?? [process.execPath, SERVER_BUNDLE];
    const child = spawn(cmd, [...args, '--stdio', ...(options.serverArgs ?? [])], { stdio: ['pipe', 'pipe', 'pipe'] });
    const client = new LspTestClient(child, options);
    client.initializeResult = await client.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: options.workspaceFolders[0] ?? null,
      ...(options.initializationOptions !== undefined ? { initializationOptions: options.initializationOptions } : {}),
      workspaceFolders: options.workspaceFolders.map((uri, i) => ({ uri, name: `folder${i}` })),
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true }, codeLens: { refreshSupport: true } },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
        },
      },
    });
    await client.connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  get isRunning(): boolean {
    return !this.exited;
  }

  /** Changes what workspace/configuration answers and tells the server (workspace/didChangeConfiguration). */
  async setConfiguration(section: string, value: unknown): Promise<void> {
    this.configuration[section] = value;
    await this.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  /** Resolves when the server reports its first workspace scan done. */
  async waitForReady(timeoutMs = 30000): Promise<WorkspaceStatusResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.request<WorkspaceStatusResult>(WorkspaceStatusMethod, {});
      if (status.ready) return status;
      if (Date.now() > deadline) throw new Error('server never became ready: ' + this.stderr.join(''));
      await delay(50);
    }
  }

  async open(uri: string, text: string, languageId = 'yaml'): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
  }

  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  async close(uri: string): Promise<void> {
    this.versions.delete(uri);
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async fileChanged(uri: string, type: FileChangeType): Promise<void> {
    await this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri, type }] });
  }

  /** Waits until the diagnostics published for `uri` satisfy `predicate`. */
  waitForDiagnostics(uri: string, predicate: (d: readonly Diagnostic[]) => boolean, timeoutMs = 30000): Promise<Diagnostic[]> {
    return new Promise((resolvePromise, reject) => {
      const check = (): boolean => {
        const current = this.diagnostics.get(uri);
        if (current && predicate(current)) {
          clearTimeout(timer);
          resolvePromise(current);
          return true;
        }
        if (this.exited) {
          clearTimeout(timer);
          reject(new Error('server exited: ' + this.stderr.join('')));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`timed out waiting for diagnostics on ${uri}; last: ${JSON.stringify(this.diagnostics.get(uri) ?? null)}`));
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
        }
      };
      if (!check()) this.waiters.push(waiter);
    });
  }

  /** Resolves when `condition` holds, re-checked on every message from the server. */
  waitFor(description: string, condition: () => boolean, timeoutMs = 30000): Promise<void> {
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${description}`));
      }, timeoutMs);
      const waiter = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolvePromise();
      };
      if (condition()) {
        clearTimeout(timer);
        resolvePromise();
      } else this.waiters.push(waiter);
    });
  }

  private notifyWaiters(): void {
    for (const w of [...this.waiters]) w();
  }

  /** shutdown + exit; kills the process if it does not leave within a second. */
  async stop(): Promise<void> {
    if (!this.exited) {
      try {
        await withTimeout(this.connection.sendRequest(ShutdownRequest.type), 2000);
        await this.connection.sendNotification(ExitNotification.type);
      } catch {
        // fall through to kill
      }
      await Promise.race([new Promise((r) => this.child.once('exit', r)), delay(1000)]);
      if (!this.exited) this.child.kill('SIGKILL');
    }
    this.connection.dispose();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, delay(ms).then(() => Promise.reject(new Error('timeout')))]);
}

/** Caret markers: returns the text without `|` and the offset where it was. */
export function extractCaret(textWithCaret: string): { text: string; offset: number } {
  const offset = textWithCaret.indexOf('|');
  if (offset < 0) throw new Error('no | caret in text');
  return { text: textWithCaret.slice(0, offset) + textWithCaret.slice(offset + 1), offset };
}

/** 0-based LSP position of an offset in a text. */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** Position of the first occurrence of `needle` in `text` (plus `delta` characters). */
export function positionOf(text: string, needle: string, delta = 0): { line: number; character: number } {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${needle} not in text`);
  return positionAt(text, i + delta);
}

/**
 * Builds the bundles when dist/server.js is missing or older than any server source file, so a
 * protocol test never runs yesterday's server.
 */
export function ensureServerBuilt(): void {
  const newestSource = newestMtime(join(REPO_ROOT, 'server', 'src'));
  let bundle = 0;
  try {
    bundle = statSync(SERVER_BUNDLE).mtimeMs;
  } catch {
    bundle = 0;
  }
  if (bundle >= newestSource) return;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}
