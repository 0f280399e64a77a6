/** What a subcommand may touch besides the file system: injected so tests can run the CLI in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Paths in output are relative to this folder. */
  readonly cwd: string;
  /** Colour the text output (a terminal, and NO_COLOR unset). */
  readonly color?: boolean;
}

/** A `kpp` subcommand. Register it in the table in `kpp.ts`. */
export interface Subcommand {
  readonly name: string;
  /** One line for `kpp --help`. */
  readonly summary: string;
  /** Full help text for `kpp <name> --help`. */
  readonly usage: string;
  /** Returns the process exit code: 0 fine, 1 findings, 2 bad usage or unreadable input. */
  run(args: readonly string[], io: CliIo): Promise<number> | number;
}

/** Thrown (inside the CLI only) for bad usage; the dispatcher prints it and exits 2. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
