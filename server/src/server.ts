// The Kubernetes Packet Path language server. Runs inside VS Code (node IPC) and standalone as
// `kpp-language-server --stdio` (the same bundle, dist/server.js) for any LSP client.
//
// Extending it does not need this file: add a CodeLens provider to features/codeLensProviderList.ts,
// a `kpp/...` request handler to features/customRequestHandlerList.ts (method and types in
// protocol.ts), or a diagnostics provider for open iptables/conntrack documents to
// features/documentDiagnosticProviderList.ts. Everything here runs through runSafe.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRefreshRequest,
  createConnection,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type Diagnostic,
  type InitializeResult,
  type WorkspaceFolder as LspWorkspaceFolder,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { findRule } from './core/diagnostics/rules';
import { provideCodeActions } from './features/codeActions';
import { provideCodeLenses } from './features/codeLens';
import { codeLensProviders } from './features/codeLensProviderList';
import { provideDefinition } from './features/definition';
import { collectDiagnostics } from './features/diagnostics';
import { provideDocumentSymbols } from './features/documentSymbol';
import { createRulesChangedNotifier } from './features/generatedRules';
import { customRequestHandlers } from './features/customRequestHandlerList';
import { documentDiagnosticProviders } from './features/documentDiagnosticProviderList';
import { collectDocumentDiagnostics } from './features/documentDiagnostics';
import type { FeatureContext, OpenDocument } from './features/featureContext';
import { createPositionMapper, type PositionMapper } from './features/positions';
import { provideHover } from './features/hover';
import { provideReferences } from './features/references';
import { readSettings } from './features/settings';
import { provideWorkspaceSymbols } from './features/workspaceSymbol';
import { provideConntrackHover } from './features/conntrackHover';
import { provideDumpDefinition } from './features/dumpDefinition';
import { forgetDocument, isConntrackDocument, isDumpDocument, readDumpSettings } from './features/dumpDocuments';
import { provideDumpHover } from './features/dumpHover';
import { provideDumpLinks } from './features/dumpLinks';
import { provideDumpReferences } from './features/dumpReferences';
import { provideDumpSymbols } from './features/dumpSymbols';
import { describeError, runSafe, runSafeNotification } from './features/runSafe';
import { DiagnosticsPublisher } from './host/diagnosticsPublisher';
import { WorkspaceHost } from './host/workspaceHost';
import { canonicalUri, isManifestPath, MAX_FILES, type FilesExclude } from './host/workspaceFiles';
import {
  WorkspaceReadyMethod,
  WorkspaceStatusMethod,
  type InitializationOptions,
  type WorkspaceStatusParams,
  type WorkspaceStatusResult,
} from './protocol';

const TRANSPORT_FLAGS = ['--stdio', '--node-ipc', '--socket', '--pipe'];
if (!process.argv.some((a) => TRANSPORT_FLAGS.some((f) => a === f || a.startsWith(f + '=')))) {
  process.stderr.write('usage: kpp-language-server --stdio | --node-ipc | --socket=PORT | --pipe=NAME\n');
  process.exit(2);
}

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const host = new WorkspaceHost();
const logger = { error: (message: string) => connection.console.error(message) };
/** The rule docs shipped next to the bundle: `docs/diagnostics.md` of the extension (or checkout). */
const docsFile = pathToFileURL(path.join(__dirname, '..', 'docs', 'diagnostics.md')).href;

let capabilities: ClientCapabilities = {};
let initializationOptions: InitializationOptions = {};
let initialFolders: readonly LspWorkspaceFolder[] = [];
let ready = false;

/** Open documents by canonical uri, each with its position mapper built once per version. */
const openMappers = new Map<string, { version: number; mapper: PositionMapper }>();

function findOpenDocument(uri: string): TextDocument | undefined {
  const canonical = canonicalUri(uri);
  return documents.get(uri) ?? documents.all().find((d) => canonicalUri(d.uri) === canonical);
}

function toOpenDocument(doc: TextDocument): OpenDocument {
  return { uri: canonicalUri(doc.uri), languageId: doc.languageId, version: doc.version, text: doc.getText() };
}

function openDocumentPositions(uri: string): PositionMapper | undefined {
  const doc = findOpenDocument(uri);
  if (!doc) return undefined;
  const key = canonicalUri(uri);
  const hit = openMappers.get(key);
  if (hit && hit.version === doc.version) return hit.mapper;
  const mapper = createPositionMapper(doc.getText());
  openMappers.set(key, { version: doc.version, mapper });
  return mapper;
}

function featureContext(): FeatureContext {
  const snapshot = host.snapshot();
  return {
    snapshot,
    positions: (uri) => host.positions(uri) ?? openDocumentPositions(uri),
    openDocument: (uri) => {
      const doc = findOpenDocument(uri);
      return doc ? toOpenDocument(doc) : undefined;
    },
    openDocuments: () => documents.all().map(toOpenDocument),
    displayPath: (uri) => host.displayPath(uri),
    docsHref: (code) => {
      const rule = findRule(code);
      return rule ? `${docsFile}#${rule.code}` : undefined;
    },
  };
}

/** Manifest diagnostics of the whole workspace, plus those of open non-manifest documents (dumps). */
function computeAllDiagnostics(): Map<string, Diagnostic[]> {
  const ctx = featureContext();
  const all = collectDiagnostics(ctx);
  const onError = (id: string, err: unknown): void => logger.error(`diagnostics provider ${id} failed: ${describeError(err)}`);
  for (const [uri, list] of collectDocumentDiagnostics(ctx, documentDiagnosticProviders, onError)) {
    all.set(uri, [...(all.get(uri) ?? []), ...list]);
  }
  return all;
}

/** Clients spell file URIs differently; the index uses one spelling (see canonicalUri). */
function canonicalParams<T extends { textDocument: { uri: string } }>(params: T): T {
  return { ...params, textDocument: { ...params.textDocument, uri: canonicalUri(params.textDocument.uri) } };
}

/** The index generation the client's CodeLenses were last refreshed for. */
let lensGeneration = -1;

/** Lenses count pods in other files: after a change anywhere, ask the client to re-request them. */
function refreshCodeLenses(): void {
  if (!capabilities.workspace?.codeLens?.refreshSupport || host.generation === lensGeneration) return;
  lensGeneration = host.generation;
  connection.sendRequest(CodeLensRefreshRequest.type).catch((err) => logger.error(`codeLens refresh failed: ${describeError(err)}`));
}

/** `kpp/rulesChanged` after a change to the index or the settings (open `kpp-rules:` documents re-request). */
const notifyRulesChanged = createRulesChangedNotifier((method, params) => void connection.sendNotification(method, params));

/** Re-reads the `kubePacketPath` settings; when they changed, lenses and generated rules are stale. */
async function reloadSettings(pushed?: unknown): Promise<void> {
  if (await readDumpSettings(connection, capabilities, pushed)) scheduleDiagnostics();
  if (!(await readSettings(connection, capabilities, pushed))) return;
  lensGeneration = -1;
  refreshCodeLenses();
  notifyRulesChanged(host.generation);
}

const publisher = new DiagnosticsPublisher(
  {
    publish: (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }),
    afterPublish: () => {
      refreshCodeLenses();
      notifyRulesChanged(host.generation);
    },
  },
  computeAllDiagnostics,
  (err) => logger.error(`diagnostics failed: ${describeError(err)}`),
);

/** Before the first scan is done, a file's peers may not be read yet: publishing then would flash false errors. */
function scheduleDiagnostics(): void {
  if (ready) publisher.schedule();
}

function status(): WorkspaceStatusResult {
  return { ready: ready && !publisher.pending, files: host.fileCount, filesWithDiagnostics: publisher.filesWithDiagnostics, generation: host.generation };
}

/** Is this a document the manifest index reads? (iptables/conntrack dumps are other features'.) */
function isManifestDocument(doc: TextDocument): boolean {
  return doc.languageId === 'yaml' || doc.languageId === 'json' || isManifestPath(doc.uri);
}

connection.onInitialize((params): InitializeResult => {
  capabilities = params.capabilities;
  if (typeof params.initializationOptions === 'object' && params.initializationOptions !== null) {
    initializationOptions = params.initializationOptions as InitializationOptions;
  }
  initialFolders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      documentSymbolProvider: true,
      documentLinkProvider: { resolveProvider: false },
      workspaceSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'kpp-language-server', version: '0.1.0' },
  };
});

/** `files.exclude` per folder, asked with workspace/configuration when the client supports it. */
async function readExcludes(folders: readonly LspWorkspaceFolder[]): Promise<{ uri: string; exclude: FilesExclude | null }[]> {
  if (!capabilities.workspace?.configuration) return folders.map((f) => ({ uri: f.uri, exclude: null }));
  try {
    const values: unknown[] = await connection.workspace.getConfiguration(folders.map((f) => ({ scopeUri: f.uri, section: 'files.exclude' })));
    return folders.map((f, i) => ({ uri: f.uri, exclude: isExcludeMap(values[i]) ? values[i] : null }));
  } catch (err) {
    logger.error(`reading files.exclude failed: ${describeError(err)}`);
    return folders.map((f) => ({ uri: f.uri, exclude: null }));
  }
}

function isExcludeMap(v: unknown): v is FilesExclude {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

let folders: readonly LspWorkspaceFolder[] = [];
let scanning: Promise<void> = Promise.resolve();

/** (Re)reads the folders' `files.exclude` and files; serialised so two scans never interleave. */
function rescan(): Promise<void> {
  scanning = scanning.then(async () => {
    try {
      host.setFolders(await readExcludes(folders));
      const scan = await host.scanFolders();
      if (scan.truncated) {
        const message = `Kubernetes Packet Path read only the first ${MAX_FILES} YAML/JSON files of a workspace folder; add folders you do not need to files.exclude.`;
        connection.console.warn(message);
        void connection.window.showWarningMessage(message);
      }
      // Open documents may have been read from disk before the scan: the editor's text wins.
      for (const doc of documents.all()) if (isManifestDocument(doc)) host.setOpenDocument(doc.uri, doc.getText(), doc.version);
    } catch (err) {
      logger.error(`workspace scan failed: ${describeError(err)}`);
    }
    ready = true;
    publisher.publishNow();
    void connection.sendNotification(WorkspaceReadyMethod, status());
  });
  return scanning;
}

connection.onInitialized(() => {
  folders = initialFolders;
  if (capabilities.workspace?.workspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders((e) => runSafeNotification(logger, 'workspaceFolders', () => {
      const removed = new Set(e.removed.map((f) => f.uri));
      folders = [...folders.filter((f) => !removed.has(f.uri)), ...e.added];
      return rescan();
    }));
  }
  if (capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration && initializationOptions.clientWatchesFiles !== true) {
    connection.client
      .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{yaml,yml,json}' }] })
      .catch((err) => logger.error(`registering the file watcher failed: ${describeError(err)}`));
  }
  void reloadSettings();
  void rescan();
});

connection.onDidChangeConfiguration((params) => runSafeNotification(logger, 'didChangeConfiguration', () => {
  void reloadSettings(params.settings);
  return rescan();
}));

documents.onDidOpen((e) => runSafeNotification(logger, 'didOpen', () => {
  if (isManifestDocument(e.document)) host.setOpenDocument(e.document.uri, e.document.getText(), e.document.version);
  scheduleDiagnostics();
}));
documents.onDidChangeContent((e) => runSafeNotification(logger, 'didChange', () => {
  if (isManifestDocument(e.document)) host.setOpenDocument(e.document.uri, e.document.getText(), e.document.version);
  scheduleDiagnostics();
}));
documents.onDidClose((e) => runSafeNotification(logger, 'didClose', async () => {
  openMappers.delete(canonicalUri(e.document.uri));
  forgetDocument(canonicalUri(e.document.uri));
  if (isManifestDocument(e.document)) await host.closeDocument(e.document.uri);
  scheduleDiagnostics();
}));

connection.onDidChangeWatchedFiles((params) => runSafeNotification(logger, 'didChangeWatchedFiles', async () => {
  for (const change of params.changes) {
    if (change.type === FileChangeType.Deleted) host.diskFileDeleted(change.uri);
    else await host.diskFileChanged(change.uri);
  }
  scheduleDiagnostics();
}));

/** iptables dumps and conntrack listings are open documents outside the manifest index: their features answer for them. */
function documentKind(uri: string): 'dump' | 'conntrack' | 'manifest' {
  const doc = findOpenDocument(uri);
  if (!doc || isManifestDocument(doc)) return 'manifest';
  const open = toOpenDocument(doc);
  return isDumpDocument(open) ? 'dump' : isConntrackDocument(open) ? 'conntrack' : 'manifest';
}

connection.onHover((params, token) => runSafe(logger, 'hover', null, token, () => {
  const kind = documentKind(params.textDocument.uri);
  if (kind === 'dump') return provideDumpHover(featureContext(), canonicalParams(params));
  if (kind === 'conntrack') return provideConntrackHover(featureContext(), canonicalParams(params));
  return provideHover(featureContext(), canonicalParams(params));
}));
connection.onDefinition((params, token) => runSafe(logger, 'definition', [], token, () =>
  documentKind(params.textDocument.uri) === 'dump' ? provideDumpDefinition(featureContext(), canonicalParams(params)) : provideDefinition(featureContext(), canonicalParams(params))));
connection.onReferences((params, token) => runSafe(logger, 'references', [], token, () =>
  documentKind(params.textDocument.uri) === 'dump' ? provideDumpReferences(featureContext(), canonicalParams(params)) : provideReferences(featureContext(), canonicalParams(params))));
connection.onDocumentSymbol((params, token) => runSafe(logger, 'documentSymbol', [], token, () =>
  documentKind(params.textDocument.uri) === 'dump' ? provideDumpSymbols(featureContext(), canonicalParams(params)) : provideDocumentSymbols(featureContext(), canonicalParams(params))));
connection.onDocumentLinks((params, token) => runSafe(logger, 'documentLinks', [], token, () => provideDumpLinks(featureContext(), canonicalParams(params))));
connection.onWorkspaceSymbol((params, token) => runSafe(logger, 'workspaceSymbol', [], token, () => provideWorkspaceSymbols(featureContext(), params)));
connection.onCodeAction((params, token) => runSafe(logger, 'codeAction', [], token, () => provideCodeActions(featureContext(), canonicalParams(params))));
connection.onCodeLens((params, token) => runSafe(logger, 'codeLens', [], token, () =>
  provideCodeLenses(featureContext(), canonicalParams(params), codeLensProviders, (id, err) => logger.error(`codeLens provider ${id} failed: ${describeError(err)}`))));
connection.onRequest(WorkspaceStatusMethod, (_params: WorkspaceStatusParams, token) =>
  runSafe(logger, 'workspaceStatus', status(), token, () => status()));
for (const handler of customRequestHandlers) {
  connection.onRequest(handler.method, (params: unknown, token) =>
    runSafe(logger, handler.method, handler.defaultResult, token, () => handler.handle(featureContext(), params)));
}

connection.onShutdown(() => publisher.dispose());

documents.listen(connection);
connection.listen();
