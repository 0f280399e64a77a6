// Runs the real editor for the e2e tests: code-server (VS Code 1.100 for the browser, from npm,
// installed by scripts/install-code-server.sh into .cache/) with a throw-away profile, our packaged
// .vsix installed the way a user installs it, and Debian's Chromium driven by playwright-core.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from './vsix';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Installs code-server if needed (idempotent) and returns its entry script. Throws when it cannot. */
export function ensureCodeServer(): string {
  const result = spawnSync('bash', [join(repoRoot, 'scripts/install-code-server.sh')], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (result.status !== 0) {
    throw new Error(`scripts/install-code-server.sh failed (exit ${result.status ?? result.signal}):\n${result.stderr}`);
  }
  const entry = result.stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(entry)) throw new Error(`code-server entry not found: ${entry}`);
  return entry;
}

/** Builds the test-driver extension and the suite into out/e2e/ (test/e2e/build.mjs); returns the driver's .vsix. */
export function buildDriver(): string {
  const result = spawnSync(process.execPath, [join(repoRoot, 'test/e2e/build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`test/e2e/build.mjs failed:\n${result.stdout}\n${result.stderr}`);
  return join(repoRoot, 'out/e2e/kpp-e2e-driver.vsix');
}

export const DRIVER_FOLDER_PREFIX = 'kube-packet-path-tests.kpp-e2e-driver-';

export interface Profile {
  readonly root: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly configDir: string;
  /** A temporary copy of examples/: the workspace the editor opens (tests may write into it). */
  readonly workspace: string;
  dispose(): void;
}

/** A fresh user-data dir (with settings.json), extensions dir and workspace copy under /tmp. */
export function createProfile(settings: Record<string, unknown> = {}): Profile {
  const root = mkdtempSync(join(tmpdir(), 'kpp-e2e-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  const configDir = join(root, 'config');
  const workspace = join(root, 'examples');
  for (const dir of [join(userDataDir, 'User'), extensionsDir, configDir]) mkdirSync(dir, { recursive: true });
  cpSync(join(repoRoot, 'examples'), workspace, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({
    // Extensions stay disabled in Restricted Mode; the throw-away workspace is trusted.
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'chat.commandCenter.enabled': false,
    ...settings,
  }, null, 2));
  return { root, userDataDir, extensionsDir, configDir, workspace, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * `code-server --install-extension file.vsix`, as a user installs a downloaded .vsix. (An unpacked
 * folder copied into the extensions dir is "marked as removed" once extensions.json exists, so the
 * test driver is installed as a .vsix too.) Returns the folder each one was unpacked into.
 */
export function installVsix(entry: string, profile: Profile, vsixFiles: readonly string[]): string[] {
  const result = spawnSync(process.execPath, [entry, '--config', join(profile.configDir, 'config.yaml'),
    '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir,
    ...vsixFiles.flatMap((v) => ['--install-extension', v])],
  { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: profile.configDir }, timeout: 120_000 });
  if (result.status !== 0) throw new Error(`installing ${vsixFiles.join(', ')} failed:\n${result.stdout}\n${result.stderr}`);
  const folders = readdirSync(profile.extensionsDir).filter((n) => !n.endsWith('.json') && !n.startsWith('.'));
  if (folders.length < vsixFiles.length) {
    throw new Error(`only ${folders.join(', ')} unpacked into ${profile.extensionsDir}:\n${result.stdout}\n${result.stderr}`);
  }
  return folders.map((f) => join(profile.extensionsDir, f));
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface CodeServer {
  readonly port: number;
  /** The URL that opens the profile's workspace. */
  readonly workspaceUrl: string;
  /** Everything code-server printed so far (for failure messages). */
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

export async function startCodeServer(entry: string, profile: Profile, env: Record<string, string> = {}): Promise<CodeServer> {
  const port = await findFreePort();
  const child: ChildProcess = spawn(process.execPath, [entry,
    '--config', join(profile.configDir, 'config.yaml'),
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir,
    profile.workspace,
  ], { env: { ...process.env, XDG_CONFIG_HOME: profile.configDir, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exitedWith: string | undefined;
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', (code, signal) => { exitedWith = `${code ?? signal}`; resolve(); }));

  const stop = async (): Promise<void> => {
    if (exitedWith !== undefined || child.pid === undefined) return;
    const group = -child.pid; // detached: code-server and the processes it forks share this group
    try { process.kill(group, 'SIGTERM'); } catch { /* already gone */ }
    const timer = new Promise<void>((r) => setTimeout(r, 5_000));
    await Promise.race([exitedPromise, timer]);
    try { process.kill(group, 'SIGKILL'); } catch { /* already gone */ }
  };

  const server: CodeServer = {
    port,
    workspaceUrl: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(profile.workspace)}`,
    output: () => output,
    exited: () => exitedWith !== undefined,
    stop,
  };
  try {
    await waitUntil('code-server to answer /healthz', async () => {
      if (exitedWith !== undefined) throw new Error(`code-server exited (${exitedWith}):\n${output}`);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return res?.ok === true;
    }, 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return server;
}

export async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (run scripts/install-system-deps.sh as root)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
