import type { ParseError } from '../iptables/model';
import { tokenizeRuleLine } from '../iptables/tokenize';
import type { Family } from './addresses';
import { renderRuleSpec } from './renderRule';

export interface FormatSaveRuleLineOptions {
  readonly family: Family;
  /** The rule's table (`nat`, `filter`, ...): NAT targets are only valid in nat. */
  readonly table: string;
  /** The user chains of the table. Default: every name that is not an extension target is assumed to be a chain. */
  readonly chains?: ReadonlySet<string>;
}

export interface FormatSaveRuleLineResult {
  /** The line as iptables-save prints it (several lines when `-s`/`-d` list several addresses). */
  readonly text: string;
  readonly errors: readonly ParseError[];
}

/**
 * One `-A CHAIN ...` line of restore text (what kube-proxy writes) as iptables-save prints it
 * after the kernel has it, e.g. for a hover: `-m statistic --probability 0.3333333333` becomes
 * `0.33333333349`, `-j MARK --or-mark 0x4000` becomes `--set-xmark 0x4000/0x4000`. Spans in
 * `errors` are offsets into `line`. Lines that are not `-A`/`-I` rules come back unchanged.
 * Never throws.
 */
export function formatSaveRuleLine(line: string, opts: FormatSaveRuleLineOptions): FormatSaveRuleLineResult {
  const { tokens } = tokenizeRuleLine(line);
  const cmd = tokens[0]?.text;
  if ((cmd !== '-A' && cmd !== '--append' && cmd !== '-I' && cmd !== '--insert') || !tokens[1]) return { text: line, errors: [] };
  let rest = tokens.slice(2);
  if ((cmd === '-I' || cmd === '--insert') && rest[0] && /^\d+$/.test(rest[0].text)) rest = rest.slice(1);
  const chains = opts.chains;
  const r = renderRuleSpec(rest, { family: opts.family, table: opts.table, chainExists: (c) => (chains ? chains.has(c) : true) });
  const chain = tokens[1].text;
  return { text: r.specs.map((s) => `-A ${chain}${s}`).join('\n'), errors: r.errors };
}
