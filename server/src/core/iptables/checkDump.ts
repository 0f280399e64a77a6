import type { Span } from '../text/span';
import type { Rule, Ruleset } from './model';
import { isKnownTarget, looksLikeTargetExtension } from './targets';

export type DumpProblemCode = 'parse-error' | 'undeclared-chain' | 'unreferenced-chain' | 'unreachable-rule';

export interface DumpProblem {
  /** Stable kebab-case code. */
  readonly code: DumpProblemCode;
  readonly severity: 'error' | 'warning' | 'information';
  readonly message: string;
  readonly span: Span;
  readonly table?: string;
  readonly chain?: string;
}

/**
 * Top-level chains kube-proxy creates and jumps to from built-in chains with its own jump rules
 * (so a dump of only its restore input never references them), and kubelet's canary/hint chains,
 * which exist to be looked for, not jumped to. From kube-proxy's checkIPTablesRuleJumps exemptions
 * (corpus README §4.2) plus kubelet's chains.
 */
export const KUBE_TOP_LEVEL_CHAINS: ReadonlySet<string> = new Set([
  'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-FORWARD', 'KUBE-MARK-MASQ',
  'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL', 'KUBE-PROXY-CANARY', 'KUBE-KUBELET-CANARY', 'KUBE-IPTABLES-HINT', 'KUBE-MARK-DROP',
]);

/** Targets after which no later rule of the same chain is ever evaluated. */
const TERMINAL_TARGETS: ReadonlySet<string> = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP', 'QUEUE']);

/** Match modules that never make a rule conditional. */
const ALWAYS_MATCHING_MODULES: ReadonlySet<string> = new Set(['comment', 'nfacct']);

/** True when the rule matches every packet: no match other than comment/nfacct. */
export function isUnconditional(rule: Rule): boolean {
  for (const m of rule.matches) {
    if (m.options.length === 0 && m.module !== '' && PROTOCOL_ONLY.has(m.module)) continue;
    if (!ALWAYS_MATCHING_MODULES.has(m.module)) return false;
  }
  return true;
}
// `-m tcp` with no options adds no condition of its own (the `-p tcp` it needs does).
const PROTOCOL_ONLY: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp']);

/** True when no rule after this one in its chain can be reached. */
export function endsChain(rule: Rule): boolean {
  const t = rule.target;
  // The target first: it is known without parsing the rule's matches (see LazyRule).
  if (!t || !(t.kind === 'goto' || TERMINAL_TARGETS.has(t.name))) return false;
  return isUnconditional(rule);
}

/**
 * Problems in a parsed dump: its parse errors, jumps to chains not declared in the table,
 * KUBE-* chains nobody jumps to, and rules after an unconditional verdict. Sorted by position.
 */
export function checkDump(ruleset: Ruleset): DumpProblem[] {
  const problems: DumpProblem[] = [];
  for (const e of ruleset.errors) {
    problems.push({ code: 'parse-error', severity: e.severity, message: e.message, span: e.span });
  }
  for (const table of ruleset.tables) {
    const declared = new Set(table.chains.map((c) => c.name));
    const deleted = new Set(table.deletedChains);
    const referenced = new Set<string>();
    for (const chain of table.chains) {
      let endedBy: Rule | undefined;
      for (const rule of chain.rules) {
        const t = rule.target;
        if (t) {
          referenced.add(t.name);
          if (!declared.has(t.name) && !isKnownTarget(t.name)) {
            if (deleted.has(t.name)) {
              problems.push({ code: 'undeclared-chain', severity: 'error', span: t.nameSpan, table: table.name, chain: chain.name,
                message: `${t.kind === 'goto' ? 'Goto' : 'Jump'} to chain ${t.name}, which this dump deletes (-X) in table ${table.name}` });
            } else if (looksLikeTargetExtension(t.name)) {
              problems.push({ code: 'undeclared-chain', severity: 'warning', span: t.nameSpan, table: table.name, chain: chain.name,
                message: `${t.name} is neither a chain declared in table ${table.name} nor a known target; if it is a target extension this is fine` });
            } else {
              problems.push({ code: 'undeclared-chain', severity: 'error', span: t.nameSpan, table: table.name, chain: chain.name,
                message: `${t.kind === 'goto' ? 'Goto' : 'Jump'} to chain ${t.name}, which is not declared in table ${table.name}` });
            }
          }
        }
        if (endedBy) {
          problems.push({ code: 'unreachable-rule', severity: 'warning', span: rule.span, table: table.name, chain: chain.name,
            message: `Never evaluated: rule ${endedBy.index + 1} of ${chain.name} (line ${endedBy.line + 1}) ${endedBy.target!.kind === 'goto' ? `goes to ${endedBy.target!.name}` : `ends with ${endedBy.target!.name}`} for every packet` });
        } else if (endsChain(rule)) endedBy = rule;
      }
    }
    for (const chain of table.chains) {
      if (!chain.name.startsWith('KUBE-') || chain.builtin || KUBE_TOP_LEVEL_CHAINS.has(chain.name) || referenced.has(chain.name)) continue;
      problems.push({ code: 'unreferenced-chain', severity: 'warning', span: chain.nameSpan ?? chain.declSpan ?? table.span, table: table.name, chain: chain.name,
        message: `Chain ${chain.name} is declared but no rule in table ${table.name} jumps to it` });
    }
  }
  return problems.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
}
