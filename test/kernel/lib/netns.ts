// A small helper for kernel tests: create a uniquely named network namespace, run commands inside
// it (with stdin), and always delete it again, even when the test fails or the process is killed.
// Needs root and iproute2. Tests must never send traffic outside the namespaces they create.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface ExecResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock time of the command in milliseconds. */
  readonly ms: number;
}

export interface ExecOptions {
  /** Text written to the command's standard input. */
  readonly input?: string;
  /** Kill the command after this many milliseconds (default 60 s). */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Netns {
  readonly name: string;
  /** Runs argv inside the namespace (`ip netns exec NAME ...`). Never throws on a non-zero exit. */
  exec(argv: readonly string[], opts?: ExecOptions): ExecResult;
  /** Like exec, but throws an Error with stderr when the command does not exit 0. */
  execOk(argv: readonly string[], opts?: ExecOptions): ExecResult;
  /** Deletes the namespace. Safe to call more than once. */
  delete(): void;
}

const live = new Set<string>();
let counter = 0;
let hooked = false;

function run(argv: readonly string[], opts: ExecOptions = {}): ExecResult {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 512 * 1024 * 1024,
    env: opts.env ?? process.env,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const stderr = (r.stderr ?? '') + (r.error ? `\n${r.error.message}` : '');
  return { status: r.status, stdout: r.stdout ?? '', stderr, ms };
}

function deleteNamespace(name: string): void {
  if (!live.has(name)) return;
  run(['ip', 'netns', 'delete', name]);
  live.delete(name);
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const cleanAll = (): void => {
    for (const name of [...live]) deleteNamespace(name);
  };
  process.on('exit', cleanAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      cleanAll();
      process.kill(process.pid, sig);
    });
  }
}

/** A name that is unique per process, call and run: `kpp-<tag>-<pid>-<n>-<random>`. */
export function makeNetnsName(tag = 'test'): string {
  const safeTag = tag.replace(/[^a-zA-Z0-9]/g, '').slice(0, 12) || 'test';
  counter++;
  return `kpp-${safeTag}-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
}

/** Creates a fresh namespace (loopback brought up). Throws if `ip netns add` fails. */
export function createNetns(tag = 'test'): Netns {
  hookExit();
  const name = makeNetnsName(tag);
  const add = run(['ip', 'netns', 'add', name]);
  if (add.status !== 0) throw new Error(`ip netns add ${name} failed: ${add.stderr.trim()}`);
  live.add(name);
  run(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  const ns: Netns = {
    name,
    exec: (argv, opts) => run(['ip', 'netns', 'exec', name, ...argv], opts),
    execOk: (argv, opts) => {
      const r = run(['ip', 'netns', 'exec', name, ...argv], opts);
      if (r.status !== 0) throw new Error(`${argv.join(' ')} in ${name} exited ${r.status}: ${r.stderr.trim()}`);
      return r;
    },
    delete: () => deleteNamespace(name),
  };
  return ns;
}

/** Creates a namespace, runs fn, and deletes the namespace whatever happens. */
export async function withNetns<T>(tag: string, fn: (ns: Netns) => T | Promise<T>): Promise<T> {
  const ns = createNetns(tag);
  try {
    return await fn(ns);
  } finally {
    ns.delete();
  }
}

/** Names of namespaces this process created and has not deleted yet (for leak checks). */
export function liveNetns(): readonly string[] {
  return [...live];
}

/** True when `ip netns list` shows the namespace. */
export function netnsExists(name: string): boolean {
  const r = run(['ip', 'netns', 'list']);
  return r.stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

/**
 * Why kernel tests cannot run here, or undefined when they can: needs root and every tool in
 * `tools` on PATH. Callers FAIL with this message unless `kernelTestsSkipped()` is true.
 */
export function missingKernelPrerequisites(tools: readonly string[] = []): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'kernel tests need root (network namespaces); run as root or set KPP_SKIP_KERNEL=1 to skip them explicitly';
  }
  const missing = ['ip', ...tools].filter((t) => run(['sh', '-c', `command -v ${t}`]).status !== 0);
  if (missing.length > 0) {
    return `kernel tests need ${missing.join(', ')} on PATH (scripts/install-system-deps.sh installs them), or set KPP_SKIP_KERNEL=1 to skip them explicitly`;
  }
  return undefined;
}

/** True only when the user asked explicitly to skip kernel tests (KPP_SKIP_KERNEL=1). */
export function kernelTestsSkipped(): boolean {
  return process.env.KPP_SKIP_KERNEL === '1';
}
