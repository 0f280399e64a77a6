// Hovers in an iptables dump: a chain (owning Service port, endpoint, rule count, who jumps here);
// `--probability` (the fraction of packets reaching the rule and the Service's traffic it sends to
// the endpoint); targets and matches in plain words; an address (which pod, Service, node or CIDR).
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import { findChainAt, type ChainIndexEntry } from '../core/iptables/buildChainIndex';
import { explainMatch, explainTarget, statisticShares } from '../core/iptables/explain';
import type { Chain, Rule, RuleOption, Ruleset } from '../core/iptables/model';
import type { DumpAnalysis } from '../core/dump/analyzeDump';
import { assumedLabel } from '../core/dump/assumedValues';
import { describeAddress } from '../core/dump/describeAddress';
import { findServiceFrontends, type ServiceFrontend } from '../core/dump/serviceFrontends';
import type { GeneratedServicePort } from '../core/kubeproxy/types';
import type { Span } from '../core/text/span';
import { escapeMarkdown, inlineCode, type FeatureContext } from './featureContext';
import { dumpAnalysisOf, dumpWorkspaceOf, openDump } from './dumpDocuments';
import type { PositionMapper } from './positions';

const KIND_WORDS = { svc: 'Service chain (Cluster traffic policy): picks an endpoint', svl: 'Service chain (Local traffic policy): picks a local endpoint', ext: 'external-traffic chain (NodePort, load-balancer and external IPs)', fw: 'load-balancer firewall chain (loadBalancerSourceRanges)', sep: 'endpoint chain: DNATs to one endpoint' } as const;

const ADDRESS_OPTIONS = new Set(['-s', '--source', '-d', '--destination', '--to-destination', '--to-source', '--to']);

function percent(p: number): string {
  const x = p * 100;
  if (x === 0 || x === 100) return `${x}%`;
  return `${x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2)}%`;
}

function within(span: Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

function chainOf(ruleset: Ruleset, table: string, name: string): Chain | undefined {
  return ruleset.tables.find((t) => t.name === table)?.chains.find((c) => c.name === name);
}

function ruleAt(ruleset: Ruleset, offset: number): Rule | undefined {
  for (const t of ruleset.tables) for (const c of t.chains) for (const r of c.rules) if (within(r.span, offset)) return r;
  return undefined;
}

const FRONTEND_WORDS = { clusterIP: 'cluster IP', loadBalancerIP: 'load balancer', externalIP: 'external IP', externalOrLoadBalancerIP: 'external or load-balancer IP' } as const;

/** What the dump's own rules say: the truth on a real node. */
function describeFrontends(frontends: readonly ServiceFrontend[]): string {
  const parts: string[] = [];
  for (const f of frontends) {
    const proto = f.protocol ? `${f.protocol.toUpperCase()} ` : '';
    if (f.kind === 'nodePort') parts.push(`${proto}NodePort ${f.port ?? '?'}`);
    else parts.push(`${proto}${FRONTEND_WORDS[f.kind]} ${inlineCode(`${f.address ?? '*'}${f.port ? `:${f.port}` : ''}`)}`);
  }
  return parts.join(', ');
}

/** What the rules were generated from; values the manifests do not give are labelled "(assumed)". */
function describeManifestValues(sp: GeneratedServicePort, analysis: DumpAnalysis): string {
  const assumed = analysis.assumed(sp);
  const parts = [`${sp.protocol} ClusterIP ${inlineCode(sp.clusterIP || 'None')}${assumedLabel(assumed.clusterIP)} port ${sp.port}`];
  if (sp.nodePort) parts.push(`NodePort ${sp.nodePort}${assumedLabel(assumed.nodePort)}`);
  if (sp.healthCheckNodePort) parts.push(`health-check NodePort ${sp.healthCheckNodePort}${assumedLabel(assumed.healthCheckNodePort)}`);
  for (const ip of sp.loadBalancerIPs) parts.push(`load balancer ${inlineCode(ip)}${assumedLabel(assumed.loadBalancerIPs.has(ip))}`);
  for (const ip of sp.externalIPs) parts.push(`external IP ${inlineCode(ip)}`);
  const n = sp.endpoints.length;
  parts.push(`${n} endpoint${n === 1 ? '' : 's'}${assumed.endpoints ? ' (addresses assumed: no EndpointSlice in the workspace)' : ''}`);
  return parts.join(', ');
}

function chainHover(analysis: DumpAnalysis, entry: ChainIndexEntry): string {
  const lines: string[] = [`**${escapeMarkdown(entry.chain)}** (table ${inlineCode(entry.table)})`, ''];
  const owner = analysis.map.byChain.get(entry.chain);
  if (owner) {
    lines.push(`kube-proxy ${KIND_WORDS[owner.kind]}.`, '');
    if (owner.svcPortName) {
      const how = owner.via === 'comment' ? 'named by the rule comments' : owner.via === 'legacy-hash' ? 'name hash of the pre-1.6 unnamed-port form' : 'name hash recomputed from the workspace';
      const where = owner.servicePort ? '' : ' — **not in the workspace**';
      lines.push(`Service port ${inlineCode(owner.svcPortName)} (${how})${where}.`);
      const frontends = findServiceFrontends(analysis.ruleset, analysis.map, owner.svcPortName);
      lines.push('', frontends.length > 0
        ? `On this node (its KUBE-SERVICES / KUBE-NODEPORTS rules): ${describeFrontends(frontends)}.`
        : 'No KUBE-SERVICES or KUBE-NODEPORTS rule of this dump leads to it.');
      const sp = owner.servicePort;
      if (sp) lines.push('', `In the manifests: ${describeManifestValues(sp, analysis)}.`);
    } else {
      lines.push('No Service port of the workspace has this chain name, and no rule comment names one.');
    }
    if (owner.endpoint) lines.push('', `Endpoint ${inlineCode(owner.endpoint)}.`);
    lines.push('');
  } else if (entry.builtin) {
    lines.push('Built-in chain.', '');
  }
  const chain = chainOf(analysis.ruleset, entry.table, entry.chain);
  const counted = chain?.rules.filter((r) => r.counters !== undefined) ?? [];
  const packets = counted.reduce((n, r) => n + (r.counters?.packets ?? 0), 0);
  lines.push(`${entry.ruleCount} rule${entry.ruleCount === 1 ? '' : 's'}${entry.declared ? '' : ' — **never declared in this table**'}${counted.length > 0 ? `; its rules counted ${packets.toLocaleString('en-US')} packet matches` : ''}${chain?.counters ? `; policy counter ${chain.counters.packets.toLocaleString('en-US')} packets` : ''}.`);
  if (entry.references.length === 0) {
    lines.push('', entry.builtin ? 'Entered from the kernel hook.' : 'No rule jumps here.');
  } else {
    const from = new Map<string, number>();
    for (const r of entry.references) from.set(r.fromChain, (from.get(r.fromChain) ?? 0) + 1);
    const shown = [...from].slice(0, 12).map(([c, n]) => `${inlineCode(c)}${n > 1 ? ` ×${n}` : ''}`);
    lines.push('', `Jumped to from ${shown.join(', ')}${from.size > 12 ? `, and ${from.size - 12} more chains` : ''} (${entry.references.length} rule${entry.references.length === 1 ? '' : 's'}).`);
  }
  return lines.join('\n');
}

function probabilityHover(analysis: DumpAnalysis, rule: Rule, option: RuleOption): string {
  const chain = chainOf(analysis.ruleset, rule.table, rule.chain);
  const p = Number(option.values[0]);
  const lines = [`**--probability ${escapeMarkdown(option.values[0] ?? '')}**`, ''];
  if (!chain || Number.isNaN(p)) return lines.concat('Not a number.').join('\n');
  const shares = statisticShares(chain);
  const s = shares[rule.index];
  if (!s) return lines.join('\n');
  lines.push(`${percent(s.reach)} of the packets entering ${inlineCode(rule.chain)} reach this rule; it takes ${percent(p)} of those, so ${percent(s.share)} of them in all.`);
  const owner = analysis.map.byChain.get(rule.chain);
  const target = rule.target ? analysis.map.byChain.get(rule.target.name) : undefined;
  if (owner && (owner.kind === 'svc' || owner.kind === 'svl')) {
    const endpoint = target?.endpoint ?? rule.target?.name ?? '?';
    const count = chain.rules.filter((r) => r.target && analysis.map.byChain.get(r.target.name)?.kind === 'sep').length;
    lines.push('', `Endpoint ${inlineCode(endpoint)} gets ${percent(s.share)} of the traffic of ${owner.svcPortName ? inlineCode(owner.svcPortName) : 'this Service'} that goes through ${inlineCode(rule.chain)}${count > 0 ? ` (${count} endpoint${count === 1 ? '' : 's'}; an even spread is ${percent(1 / count)} each)` : ''}.`);
  }
  lines.push('', 'The statistic module draws once per new connection; established connections keep their endpoint through conntrack.');
  return lines.join('\n');
}

function addressHover(ctx: FeatureContext, analysis: DumpAnalysis, option: RuleOption, value: string): string | undefined {
  const { cluster } = dumpWorkspaceOf(ctx.snapshot);
  const meanings = describeAddress(value, cluster, analysis.nodeRules?.generated.servicePorts ?? []);
  if (meanings.length === 0) return undefined;
  return [`**${escapeMarkdown(value)}** (${inlineCode(option.name)})`, '', ...meanings.map((m) => `- ${escapeMarkdown(m.text)}`)].join('\n');
}

export function provideDumpHover(ctx: FeatureContext, params: HoverParams): Hover | null {
  const doc = openDump(ctx, params.textDocument.uri);
  const positions = doc && ctx.positions(doc.uri);
  if (!doc || !positions) return null;
  const analysis = dumpAnalysisOf(ctx, doc);
  const offset = positions.toOffset(params.position);
  const hover = (value: string, span: Span, p: PositionMapper): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range: p.toRange(span) });

  const chainHit = findChainAt(analysis.chainIndex, offset);
  const rule = ruleAt(analysis.ruleset, offset);
  if (chainHit) {
    const span = chainHit.reference?.span ?? chainHit.entry.nameSpan ?? { start: offset, end: offset };
    let text = chainHover(analysis, chainHit.entry);
    if (chainHit.reference && rule?.target) text = `${text}\n\n---\n\n${explainTarget(rule.target.name, rule.target.options, rule.target.kind)}`;
    return hover(text, span, positions);
  }
  if (!rule) return null;
  const t = rule.target;
  if (t && within(t.span, offset)) {
    const option = t.options.find((o) => within(o.span, offset));
    if (option && ADDRESS_OPTIONS.has(option.name)) {
      const text = addressHover(ctx, analysis, option, option.values[0] ?? '');
      if (text) return hover(`${text}\n\n---\n\n${explainTarget(t.name, t.options, t.kind)}`, option.span, positions);
    }
    return hover(`**${escapeMarkdown(t.kind === 'goto' ? '-g' : '-j')} ${escapeMarkdown(t.name)}**\n\n${explainTarget(t.name, t.options, t.kind)}`, t.span, positions);
  }
  for (const m of rule.matches) {
    if (!within(m.span, offset)) continue;
    const option = m.options.find((o) => within(o.span, offset));
    if (option && m.module === 'statistic' && option.name === '--probability') return hover(probabilityHover(analysis, rule, option), option.span, positions);
    if (option && ADDRESS_OPTIONS.has(option.name)) {
      const text = addressHover(ctx, analysis, option, option.values[0] ?? '');
      if (text) return hover(text, option.span, positions);
    }
    const chain = chainOf(analysis.ruleset, rule.table, rule.chain);
    const reach = m.module === 'statistic' && chain ? statisticShares(chain)[rule.index]?.reach : undefined;
    const words = explainMatch(m.module, m.options, reach);
    if (!words) return null;
    const title = m.module === '' ? 'match' : `-m ${escapeMarkdown(m.module)}`;
    return hover(`**${title}**\n\n${words}`, option?.span ?? m.span, positions);
  }
  return null;
}
