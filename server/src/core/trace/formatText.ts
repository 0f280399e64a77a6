import { describeBranchEnd, describeScenario, endsBranch, formatPercent } from './formatMarkdown';
import type { PathTrace, TraceStep } from './types';

/**
 * A `PathTrace` for a terminal (`kpp trace --format text`): one block per path, a line per hop
 * with the packet as it leaves the hop (rewritten fields marked with `*`), the explanation
 * indented under it, then the conntrack entry and the way back. Plain text: nothing is
 * interpreted, so manifest strings are printed as they are (control characters stripped).
 */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u009b]/g, '?');
}

function packetText(step: TraceStep): string {
  const p = step.packet;
  const mark = (field: 'src' | 'sport' | 'dst' | 'dport', v: string) => (step.rewrites.includes(field) ? `*${v}` : v);
  const host = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);
  return `${mark('src', host(p.src))}:${mark('sport', String(p.sport))} -> ${mark('dst', host(p.dst))}:${mark('dport', String(p.dport))}`;
}

function wrap(text: string, indent: string, width = 100): string[] {
  const words = clean(text).split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && indent.length + line.length + 1 + w.length > width) {
      lines.push(indent + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(indent + line);
  return lines;
}

function stepLines(steps: readonly TraceStep[]): string[] {
  const out: string[] = [];
  steps.forEach((s, i) => {
    const where = s.table && s.chain ? `${s.table} ${s.chain}` : s.kind;
    const mark = s.mark ? `  mark ${s.mark}` : '';
    out.push(`  ${String(i + 1).padStart(2)}. ${clean(s.title)} [${where}]  ${packetText(s)}${mark}`);
    if (s.rule) out.push(`      ${clean(s.rule)}`);
    out.push(...wrap(s.explanation, '      '));
  });
  return out;
}

export function formatTraceText(trace: PathTrace, options: { readonly verbose?: boolean } = {}): string {
  const out: string[] = [];
  out.push(clean(trace.title), clean(describeScenario(trace.scenario)));
  for (const e of trace.errors) out.push(`error: ${clean(e)}`);
  if (trace.assumptions.length > 0) {
    out.push('Assumed:');
    for (const a of trace.assumptions) out.push(`  - ${clean(a)}`);
  }
  if (trace.ingress) {
    out.push(`Ingress request ${clean(trace.ingress.host || '(no host)')}${clean(trace.ingress.path)}${trace.ingress.serviceUpstream ? ' (service-upstream: through the ClusterIP)' : ''}:`);
    for (const c of trace.ingress.candidates) out.push(`  ${c.winner ? '=>' : '  '} ${clean(c.ingress)} ${clean(c.host || '*')}${clean(c.path)} (${c.pathType}) -> ${clean(c.backend)}: ${clean(c.why)}`);
  }
  trace.branches.forEach((b, i) => {
    out.push('', `Path ${i + 1} of ${trace.branches.length}: ${formatPercent(b.probability)} ${clean(describeBranchEnd(b))}`);
    out.push(`  masqueraded: ${b.masqueraded ? 'yes' : 'no'}; rules evaluated: ${b.rulesEvaluated}`);
    const steps = options.verbose ? b.steps : b.steps.filter((s) => s.kind !== 'chain' || /^KUBE-(SVC|SVL|EXT|FW|SEP|SERVICES|NODEPORTS)/.test(s.title));
    out.push(...stepLines(steps));
    if (b.conntrack) out.push('  conntrack:', `    ${clean(b.conntrack)}`);
    if (b.reply.length > 0) out.push('  reply:', ...stepLines(b.reply));
    for (const u of b.unevaluated) out.push(`  not evaluated: ${clean(u)}`);
    if (endsBranch(b) && b.reason) out.push(`  why: ${clean(b.reason)}`);
  });
  return out.join('\n') + '\n';
}

