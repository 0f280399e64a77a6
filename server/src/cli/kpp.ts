// The `kpp` command line: a dispatcher over subcommands, each in a file of its own.
import { checkCommand } from './check';
import { explainCommand } from './explain';
import { rulesCommand } from './rules';
import { traceCommand } from './trace';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Subcommand } from './io';
import { TOOL_VERSION } from './version';

/**
 * The subcommand registration table. To add one (e.g. `rules`, `trace`, `explain`): write
 * `server/src/cli/<name>.ts` exporting a `Subcommand` (see io.ts), import it here and list it.
 */
export const SUBCOMMANDS: readonly Subcommand[] = [
  checkCommand,
  rulesCommand,
  traceCommand,
  explainCommand,
];

function usage(): string {
  const width = Math.max(...SUBCOMMANDS.map((c) => c.name.length));
  return [
    'Usage: kpp <command> [options]',
    '',
    'Kubernetes Packet Path: what kube-proxy does with your Services, from your manifests.',
    '',
    'Commands:',
    ...SUBCOMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "kpp <command> --help" for a command\'s options. "kpp --version" prints the version.',
    '',
  ].join('\n');
}

/** Runs the CLI with `args` (without node and the script) and returns the exit code. Never throws. */
export async function main(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? SUBCOMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (topic) io.stdout(topic.usage);
    else (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`${TOOL_VERSION}\n`);
    return EXIT_OK;
  }
  const command = SUBCOMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`kpp: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`kpp ${command.name}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`kpp ${command.name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_USAGE;
  }
}

if (require.main === module) {
  // `kpp check | head` closes the pipe early: stop quietly instead of crashing with EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const io: CliIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
