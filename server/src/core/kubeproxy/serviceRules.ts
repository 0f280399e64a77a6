/**
 * The lines of a generated ruleset that belong to one service port, for hovers and "show the
 * rules of this Service": its rules in the shared chains, then its own chains, in `restore` order.
 */
import type { GeneratedRules, GeneratedServicePort } from './types';

export interface ServicePortRuleLine {
  readonly table: 'filter' | 'nat';
  readonly chain: string;
  /** 0-based line in `restore`. */
  readonly line: number;
  readonly text: string;
}

/** Every rule line of `servicePort` in `rules.restore`, filter table first, each table in line order. */
export function listServicePortRules(rules: GeneratedRules, servicePort: GeneratedServicePort): ServicePortRuleLine[] {
  const lines = rules.restore.split('\n');
  const out: ServicePortRuleLine[] = [];
  for (const s of servicePort.sharedRuleLines) out.push({ table: s.table, chain: s.chain, line: s.line, text: lines[s.line] });
  for (const c of servicePort.chainLines) {
    for (const r of c.ranges) for (let i = r.start; i < r.end; i++) out.push({ table: c.table, chain: c.chain, line: i, text: lines[i] });
  }
  out.sort((a, b) => a.line - b.line);
  return out;
}

/** The same as restore-format text: `*table`, the chain declarations used, the rules, `COMMIT`. */
export function formatServicePortRules(rules: GeneratedRules, servicePort: GeneratedServicePort): string {
  const lines = listServicePortRules(rules, servicePort);
  const parts: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const mine = lines.filter((l) => l.table === table);
    if (mine.length === 0) continue;
    const chains: string[] = [];
    for (const l of mine) if (!chains.includes(l.chain)) chains.push(l.chain);
    parts.push(`*${table}`, ...chains.map((c) => `:${c} - [0:0]`), ...mine.map((l) => l.text), 'COMMIT');
  }
  return parts.length ? parts.join('\n') + '\n' : '';
}
