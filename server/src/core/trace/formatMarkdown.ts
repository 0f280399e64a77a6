/**
 * A `PathTrace` as Markdown, for incident reports: the trace panel's "Copy as Markdown" and
 * `kpp trace --format markdown`. Pure. Every string that comes from a manifest or a dump is
 * escaped, so a label such as `<img src=x onerror=alert(1)>` stays text wherever it is pasted.
 */
import type { PathTrace, TraceBranch, TraceScenario, TraceStep } from './types';
import type { Packet } from '../simulator/types';

/** `33.3%`: one decimal, as kube-proxy's probabilities are usually thirds, quarters... */
export function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return '?%';
  return (Math.round(p * 1000) / 10).toFixed(1) + '%';
}

/** `src:sport → dst:dport` (IPv6 addresses in brackets). */
export function formatEndpoint(ip: string, port: number): string {
  return (ip.includes(':') ? `[${ip}]` : ip) + ':' + String(port);
}

export function formatPacket(p: Packet): string {
  return `${formatEndpoint(p.src, p.sport)} → ${formatEndpoint(p.dst, p.dport)} ${p.proto}`;
}

const sourceWords: Record<TraceScenario['source'], string> = {
  external: 'an external client',
  'pod-same-node': 'a pod on the receiving node',
  'pod-other-node': 'a pod on another node',
  node: 'the node itself',
  'pod-self': 'a pod calling its own Service',
};

const viaWords: Record<TraceScenario['via'], string> = {
  loadbalancer: 'the LoadBalancer IP',
  nodeport: 'a NodePort',
  clusterip: 'the ClusterIP',
  externalip: 'an external IP',
};

/** The scenario in one line of words (plain text, not escaped). */
export function describeScenario(s: TraceScenario): string {
  const target = `${s.target.kind} ${s.target.namespace}/${s.target.name}${s.target.port ? ':' + s.target.port : ''}`;
  const from = sourceWords[s.source] + (s.sourceAddress ? ` (${s.sourceAddress})` : '');
  const parts = [`${target}, from ${from} through ${viaWords[s.via]}, arriving on node ${s.node || '(any)'}`];
  if (s.target.kind === 'Ingress' && (s.host !== undefined || s.path !== undefined)) parts.push(`request ${s.host ?? '*'}${s.path ?? '/'}`);
  if (s.externalTrafficPolicy) parts.push(`externalTrafficPolicy ${s.externalTrafficPolicy} (what-if)`);
  if (s.internalTrafficPolicy) parts.push(`internalTrafficPolicy ${s.internalTrafficPolicy} (what-if)`);
  if (s.returningClient) parts.push('a returning session-affinity client');
  parts.push(s.rules === 'generated' ? 'rules generated from the manifests' : `rules from the dump ${s.rules.dumpUri}`);
  return parts.join('; ');
}

/** Whether a branch ends without reaching anything: a drop, a reject, or a branch the simulator gave up on. */
export function endsBranch(b: TraceBranch): boolean {
  return b.verdict === 'dropped' || b.verdict === 'rejected' || b.verdict === 'error';
}

/** The end of a branch in words (plain text). */
export function describeBranchEnd(b: TraceBranch): string {
  if (endsBranch(b)) return b.verdict + (b.reason ? `: ${b.reason}` : '');
  if (b.endpoint) {
    const where = formatEndpoint(b.endpoint.ip, b.endpoint.port);
    const who = b.endpoint.pod ? `${b.endpoint.pod} (${where})` : where;
    return `${b.verdict} to ${who}${b.endpoint.node ? ` on ${b.endpoint.node}` : ''}${b.endpoint.assumed ? ' (assumed)' : ''}`;
  }
  return b.verdict;
}

/** Backslash-escapes what Markdown (CommonMark + GFM tables) would read as markup or HTML. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|~&#!]/g, (c) => '\\' + c).replace(/\r?\n/g, ' ');
}

/** A code span that holds any text: a fence longer than any backtick run inside. */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  if (flat === '') return '` `';
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return fence + pad + flat + pad + fence;
}

/** In a GFM table cell even a code span must not contain a bare pipe. */
function cell(markdown: string): string {
  return markdown.replace(/(?<!\\)\|/g, '\\|');
}

function codeBlock(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/** The packet with every rewritten field in bold. */
function packetMarkdown(step: TraceStep): string {
  const p = step.packet;
  const f = (field: 'src' | 'sport' | 'dst' | 'dport', value: string) => (step.rewrites.includes(field) ? `**${escapeMarkdown(value)}**` : escapeMarkdown(value));
  const host = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);
  return `${f('src', host(p.src))}:${f('sport', String(p.sport))} → ${f('dst', host(p.dst))}:${f('dport', String(p.dport))} ${escapeMarkdown(p.proto)}`;
}

function rewritesWords(step: TraceStep): string {
  const names = { src: 'source', sport: 'source port', dst: 'destination', dport: 'destination port' } as const;
  return step.rewrites.map((r) => names[r]).join(', ');
}

function stepsTable(steps: readonly TraceStep[], firstNumber: number): string[] {
  const lines = ['| # | Hop | Packet | Mark | What happens |', '|---|---|---|---|---|'];
  steps.forEach((s, i) => {
    const where = [s.table, s.chain].filter(Boolean).join(' ');
    let hop = `${escapeMarkdown(s.kind)}: ${escapeMarkdown(s.title)}`;
    if (where && where !== s.title) hop += ` (${escapeMarkdown(where)})`;
    if (s.rule) hop += `<br>${codeSpan(s.rule)}`;
    let what = escapeMarkdown(s.explanation);
    if (s.rewrites.length > 0) what += ` *Rewrites ${rewritesWords(s)}.*`;
    if (s.probability !== undefined && s.probability < 1) what += ` (${formatPercent(s.probability)} of connections)`;
    lines.push(`| ${firstNumber + i} | ${cell(hop)} | ${cell(packetMarkdown(s))} | ${cell(s.mark ? codeSpan(s.mark) : '')} | ${cell(what)} |`);
  });
  return lines;
}

function branchSection(b: TraceBranch, index: number, count: number): string[] {
  const out: string[] = [];
  out.push(`## Path ${index + 1} of ${count}: ${formatPercent(b.probability)}, ${escapeMarkdown(describeBranchEnd(b))}`, '');
  out.push(...stepsTable(b.steps, 1), '');
  const facts = [
    `- Masquerade: ${b.masqueraded ? 'yes, the source is rewritten to the node\'s address on the way out' : 'no, the client address is kept'}`,
    `- Rules evaluated: ${b.rulesEvaluated}`,
  ];
  if (b.reason && endsBranch(b)) facts.push(`- Why it ends here: ${escapeMarkdown(b.reason)}`);
  out.push(...facts, '');
  if (b.conntrack) out.push('Conntrack entry (`conntrack -L`):', '', codeBlock(b.conntrack), '');
  if (b.reply.length > 0) out.push('Reply path:', '', ...stepsTable(b.reply, 1), '');
  if (b.unevaluated.length > 0) {
    out.push('Rules that could not be decided:', '');
    for (const u of b.unevaluated) out.push(`- ${codeSpan(u)}`);
    out.push('');
  }
  return out;
}

/** The whole trace as a Markdown document. */
export function formatTraceMarkdown(trace: PathTrace): string {
  const out: string[] = [];
  out.push(`# Packet path: ${escapeMarkdown(trace.title)}`, '');
  out.push(`Scenario: ${escapeMarkdown(describeScenario(trace.scenario))}.`, '');
  if (trace.errors.length > 0) {
    out.push('## Problems', '');
    for (const e of trace.errors) out.push(`- ${escapeMarkdown(e)}`);
    out.push('');
  }
  if (trace.ingress) {
    const ing = trace.ingress;
    out.push('## Ingress rule', '');
    out.push(`Request: host ${codeSpan(ing.host || '*')}, path ${codeSpan(ing.path || '/')}. ${ing.serviceUpstream ? 'service-upstream is on: the controller sends to the ClusterIP, through kube-proxy.' : 'The controller sends straight to the endpoints of the backend, without kube-proxy.'}`, '');
    out.push('| Winner | Ingress | Host | Path | pathType | Backend | Matched | Why |', '|---|---|---|---|---|---|---|---|');
    for (const c of ing.candidates) {
      out.push(`| ${c.winner ? '**winner**' : ''} | ${cell(escapeMarkdown(c.ingress))} | ${cell(escapeMarkdown(c.host || '*'))} | ${cell(escapeMarkdown(c.path))} | ${cell(escapeMarkdown(c.pathType))} | ${cell(escapeMarkdown(c.backend))} | ${c.matched ? 'yes' : 'no'} | ${cell(escapeMarkdown(c.why))} |`);
    }
    out.push('');
  }
  if (trace.branches.length > 1) {
    out.push('Paths:', '');
    trace.branches.forEach((b, i) => out.push(`${i + 1}. ${formatPercent(b.probability)}: ${escapeMarkdown(describeBranchEnd(b))}`));
    out.push('');
  }
  trace.branches.forEach((b, i) => out.push(...branchSection(b, i, trace.branches.length)));
  if (trace.assumptions.length > 0) {
    out.push('## Assumptions', '', 'Values the trace rests on that were not in the manifests or dumps (assumed):', '');
    for (const a of trace.assumptions) out.push(`- ${escapeMarkdown(a)}`);
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}
