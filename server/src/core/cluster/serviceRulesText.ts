/**
 * The rules of one node as text in the flavour a user asked for, and the lines of that text that
 * belong to given service ports: what the Service hover, the CodeLens and the generated-rules
 * document show. The lines are picked from the whole node's text, so they are byte-identical to
 * what the node would print (`iptables-save` canonical form, legacy or nft), never re-rendered.
 *
 * A line belongs to a service port when it declares or appends to one of the port's own chains
 * (KUBE-SVC/SVL/EXT/FW and the KUBE-SEP chains, from `chainLines`), or when it is a rule in one of
 * the shared chains the port writes to (`sharedRuleLines`: KUBE-SERVICES, KUBE-NODEPORTS, ...) that
 * jumps to one of its chains or whose comment names the port (`ns/name:port` then a space or the
 * end). The number of rules picked per shared chain is checked against `sharedRuleLines`.
 */
import { ruleComment, sortIPTablesRules } from '../kubeproxy/sortRules';
import type { GeneratedServicePort } from '../kubeproxy/types';
import { formatSave } from '../save/formatSave';
import type { NodeRules } from './nodeRules';

/**
 * - `restore`: what kube-proxy hands to iptables-restore, sorted as kube-proxy's tests sort it (as `kpp rules`);
 * - `save-legacy` / `save-nft`: what `iptables-save` prints on the node afterwards (the whole node);
 * - `node-restore`: the whole node as restore text, the text the simulator runs on (trace reveal).
 */
export type RulesFormat = 'restore' | 'save-legacy' | 'save-nft' | 'node-restore';

export const RULES_FORMATS: readonly RulesFormat[] = ['restore', 'save-legacy', 'save-nft', 'node-restore'];

export interface NodeRulesText {
  readonly text: string;
  /** Problems rendering the save form (iptables-restore would have refused a line). */
  readonly errors: readonly string[];
}

const textCache = new WeakMap<NodeRules, Map<RulesFormat, NodeRulesText>>();

/** The whole node's rules in `format`. Cached per (immutable) NodeRules. Never throws. */
export function formatNodeRules(rules: NodeRules, format: RulesFormat): NodeRulesText {
  let byFormat = textCache.get(rules);
  if (!byFormat) {
    byFormat = new Map();
    textCache.set(rules, byFormat);
  }
  const hit = byFormat.get(format);
  if (hit) return hit;
  let out: NodeRulesText;
  if (format === 'node-restore') out = { text: rules.nodeRestore, errors: [] };
  else if (format === 'restore') out = { text: sortIPTablesRules(rules.generated.restore), errors: [] };
  else {
    const saved = formatSave(rules.nodeRestore, format === 'save-legacy' ? 'legacy' : 'nft', rules.config.ipFamily);
    out = { text: saved.text, errors: saved.errors.map((e) => e.message) };
  }
  byFormat.set(format, out);
  return out;
}

export interface ServiceRuleLine {
  readonly table: string;
  readonly chain: string;
  /** 0-based line in the text it was picked from. */
  readonly line: number;
  readonly text: string;
  /** `declaration` for `:CHAIN ...`, `rule` for `-A CHAIN ...`. */
  readonly kind: 'declaration' | 'rule';
}

export interface ServiceRuleSelection {
  readonly lines: readonly ServiceRuleLine[];
  /** Disagreements between the text and the port's metadata (a shared-chain rule not found, ...). */
  readonly errors: readonly string[];
}

function targetOf(line: string): string | undefined {
  const m = /\s-[jg]\s+(\S+)/.exec(line);
  return m?.[1];
}

function commentNames(comment: string | undefined, svcPortName: string): boolean {
  if (comment === undefined || !comment.startsWith(svcPortName)) return false;
  const next = comment.charAt(svcPortName.length);
  return next === '' || next === ' ';
}

/**
 * The lines of `text` (restore or save form of a node) that belong to `ports`, in text order.
 * Never throws; mismatches with the ports' metadata come back in `errors`.
 */
export function selectServicePortLines(text: string, ports: readonly GeneratedServicePort[]): ServiceRuleSelection {
  const own = new Map<string, string>(); // chain → table
  const shared = new Map<string, number>(); // `table chain` → expected rule count
  for (const p of ports) {
    for (const c of p.chainLines) own.set(c.chain, c.table);
    for (const s of p.sharedRuleLines) shared.set(`${s.table} ${s.chain}`, (shared.get(`${s.table} ${s.chain}`) ?? 0) + 1);
  }
  const names = ports.map((p) => p.svcPortName);
  const found = new Map<string, number>();
  const lines: ServiceRuleLine[] = [];
  let table = '';
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i];
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      continue;
    }
    if (line.startsWith(':')) {
      const chain = line.slice(1).split(/\s/)[0];
      if (own.get(chain) === table) lines.push({ table, chain, line: i, text: line, kind: 'declaration' });
      continue;
    }
    if (!line.startsWith('-A ')) continue;
    const chain = line.slice(3).split(/\s/)[0];
    if (own.get(chain) === table) {
      lines.push({ table, chain, line: i, text: line, kind: 'rule' });
      continue;
    }
    const key = `${table} ${chain}`;
    if (!shared.has(key)) continue;
    const target = targetOf(line);
    const comment = ruleComment(line);
    if ((target !== undefined && own.get(target) === table) || names.some((n) => commentNames(comment, n))) {
      lines.push({ table, chain, line: i, text: line, kind: 'rule' });
      found.set(key, (found.get(key) ?? 0) + 1);
    }
  }
  const errors: string[] = [];
  for (const [key, expected] of shared) {
    const got = found.get(key) ?? 0;
    if (got !== expected) errors.push(`${key.replace(' ', ' table, chain ')}: ${got} rule${got === 1 ? '' : 's'} found for ${names.join(', ')}, ${expected} expected`);
  }
  return { lines, errors };
}

/**
 * The picked lines as a small ruleset fragment: per table, `*table`, the lines in text order,
 * `COMMIT`. Each line is exactly as it stands in the node's text.
 */
export function formatServicePortLines(selection: ServiceRuleSelection): string {
  const parts: string[] = [];
  const tables: string[] = [];
  for (const l of selection.lines) if (!tables.includes(l.table)) tables.push(l.table);
  for (const t of tables) parts.push(`*${t}`, ...selection.lines.filter((l) => l.table === t).map((l) => l.text), 'COMMIT');
  return parts.length > 0 ? parts.join('\n') + '\n' : '';
}

/** The generated service ports of Service `namespace/name` (one port when `portName` is given; '' is the unnamed port). */
export function findServicePorts(rules: NodeRules, namespace: string, name: string, portName?: string): GeneratedServicePort[] {
  return rules.generated.servicePorts.filter((p) => p.namespace === namespace && p.name === name && (portName === undefined || p.portName === portName));
}
