import { displayPath, loadWorkspace } from './workspaceLoad';
import { formatJson, formatSarif, formatText, type CheckReport } from './formatDiagnostics';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliIo, type Subcommand } from './io';
import { TOOL_VERSION } from './version';

export type CheckFormat = 'text' | 'json' | 'sarif';
const FORMATS: readonly CheckFormat[] = ['text', 'json', 'sarif'];

export interface CheckOptions {
  readonly paths: readonly string[];
  readonly format: CheckFormat;
  /** Exit 0 even when errors or warnings are found (for demos such as `npm start`); bad usage still exits 2. */
  readonly exitZero: boolean;
}

const USAGE = `Usage: kpp check [PATH...] [--format text|json|sarif] [--exit-zero]

Checks the Kubernetes manifests under each PATH (default: the current folder): *.yaml, *.yml and
*.json files, skipping node_modules and .git. Reports Service selectors that match no pods, target
ports no container declares, Ingress backends that point nowhere, NetworkPolicy selectors that
match nothing, workload selectors that do not match their template, invalid Service ports, and
YAML syntax errors.

Options:
  --format, -f text|json|sarif   Output format (default: text). json gives
                                 {"diagnostics":[{file,line,column,endLine,endColumn,severity,code,message}]};
                                 sarif gives SARIF 2.1.0 for code scanning.
  --exit-zero                    Exit 0 even when errors or warnings are found.
  --help, -h                     Show this help.

Exit status: 0 when nothing of severity error or warning was found, 1 when something was,
2 on bad usage or an unreadable path.
`;

export function parseCheckArgs(args: readonly string[]): CheckOptions {
  const paths: string[] = [];
  let format: CheckFormat = 'text';
  let exitZero = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let value: string | undefined;
    if (a === '--format' || a === '-f') {
      value = args[++i];
      if (value === undefined) throw new UsageError(`${a} needs a value: text, json or sarif`);
    } else if (a.startsWith('--format=')) {
      value = a.slice('--format='.length);
    } else if (a === '--exit-zero') {
      exitZero = true;
      continue;
    } else if (a === '--') {
      paths.push(...args.slice(i + 1));
      break;
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option "${a}" (see kpp check --help)`);
    } else {
      paths.push(a);
      continue;
    }
    if (!FORMATS.includes(value as CheckFormat)) throw new UsageError(`unknown format "${value}": use text, json or sarif`);
    format = value as CheckFormat;
  }
  return { paths: paths.length > 0 ? paths : ['.'], format, exitZero };
}

/** Reads the files, analyses them, and returns the report (no printing). Throws UsageError on unreadable input. */
export function runCheck(options: CheckOptions, cwd: string): CheckReport {
  const { snapshot, texts } = loadWorkspace(options.paths, cwd);
  return {
    diagnostics: snapshot.diagnostics(),
    texts,
    display: (uri) => displayPath(cwd, uri),
    objectCount: snapshot.objects().length,
    toolVersion: TOOL_VERSION,
  };
}

export const checkCommand: Subcommand = {
  name: 'check',
  summary: 'Check Kubernetes manifests for Services, Ingresses and NetworkPolicies that point nowhere',
  usage: USAGE,
  run(args: readonly string[], io: CliIo): number {
    const options = parseCheckArgs(args);
    const report = runCheck(options, io.cwd);
    const print = options.format === 'json' ? formatJson : options.format === 'sarif' ? formatSarif : (r: CheckReport) => formatText(r, { color: io.color });
    io.stdout(print(report));
    const found = report.diagnostics.some((d) => d.severity === 'error' || d.severity === 'warning');
    return found && !options.exitZero ? EXIT_FINDINGS : EXIT_OK;
  },
};
