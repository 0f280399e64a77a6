/**
 * The trace picture as a standalone SVG document, for "Save as SVG". Pure (no DOM), so the
 * extension can call it on the trace it holds and tests can compare goldens. Every text is
 * XML-escaped; nothing from a manifest or dump ever lands in an attribute name or markup.
 * Colours use the VS Code theme variables with neutral fallbacks, so the file also reads well
 * outside the editor.
 */
import type { PathTrace, TraceBranch, TraceStep } from '../../server/src/core/trace/types';
import { describeBranchEnd, describeScenario, endsBranch, formatEndpoint, formatPercent } from '../../server/src/core/trace/formatMarkdown';
import { sharedPrefixLength } from './state';

/** Escapes text for XML content and attribute values; drops characters XML 1.0 cannot hold. */
export function escapeXml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Greedy word wrap to at most `width` characters a line (long words are cut). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (line) { lines.push(line); line = ''; }
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ' ' + word;
    else { lines.push(line); line = word; }
  }
  if (line) lines.push(line);
  return lines;
}

const COLUMN = 440;
const GAP = 24;
const MARGIN = 16;
const LINE = 15;
/** Characters per line in a box: 12px monospace is about 7.2px a character. */
const CHARS = 56;

interface Box { readonly height: number; readonly render: (x: number, y: number) => string[] }

function tspanPacket(step: TraceStep): string {
  const p = step.packet;
  const field = (name: 'src' | 'sport' | 'dst' | 'dport', text: string) => {
    const t = escapeXml(text);
    return step.rewrites.includes(name) ? `<tspan class="rw">${t}</tspan>` : t;
  };
  const host = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);
  return `${field('src', host(p.src))}:${field('sport', String(p.sport))} → ${field('dst', host(p.dst))}:${field('dport', String(p.dport))} ${escapeXml(p.proto)}`;
}

function stepBox(step: TraceStep): Box {
  const head = wrapText(`${step.kind}: ${step.title}`, CHARS);
  const rule = step.rule ? wrapText(step.rule, CHARS + 2) : [];
  const text = wrapText(step.explanation, CHARS + 2);
  const extras: string[] = [];
  if (step.rewrites.length > 0) extras.push(`rewrites ${step.rewrites.join(', ')}`);
  if (step.mark) extras.push(`mark ${step.mark}`);
  if (step.probability !== undefined && step.probability < 1) extras.push(formatPercent(step.probability));
  const lines = head.length + 1 + (extras.length ? 1 : 0) + rule.length + text.length;
  const height = lines * LINE + 12;
  const kindClass = step.kind === 'drop' || step.kind === 'reject' ? 'box end' : step.rewrites.length > 0 ? 'box nat' : 'box';
  return {
    height,
    render: (x, y) => {
      const out = [`<g class="hop"><rect class="${kindClass}" x="${x}" y="${y}" width="${COLUMN}" height="${height}" rx="4"/>`];
      let ty = y + LINE + 2;
      const t = (cls: string, content: string) => {
        out.push(`<text class="${cls}" x="${x + 8}" y="${ty}">${content}</text>`);
        ty += LINE;
      };
      for (const h of head) t('title', escapeXml(h));
      t('packet', tspanPacket(step));
      if (extras.length) t('extra', escapeXml(extras.join(' · ')));
      for (const r of rule) t('rule', escapeXml(r));
      for (const e of text) t('text', escapeXml(e));
      out.push('</g>');
      return out;
    },
  };
}

function labelBox(text: string, cls: string, width = CHARS + 2): Box {
  const lines = wrapText(text, width);
  return {
    height: lines.length * LINE + 6,
    render: (x, y) => lines.map((l, i) => `<text class="${cls}" x="${x}" y="${y + (i + 1) * LINE}">${escapeXml(l)}</text>`),
  };
}

function branchBoxes(b: TraceBranch, index: number, from: number): Box[] {
  const boxes: Box[] = [labelBox(`Path ${index + 1}: ${formatPercent(b.probability)}, ${describeBranchEnd(b)}`, endsBranch(b) ? 'branch end' : 'branch')];
  for (const s of b.steps.slice(from)) boxes.push(stepBox(s));
  const facts = [`masquerade: ${b.masqueraded ? 'yes' : 'no'}`, `rules evaluated: ${b.rulesEvaluated}`];
  if (b.endpoint) facts.push(`endpoint ${formatEndpoint(b.endpoint.ip, b.endpoint.port)}${b.endpoint.assumed ? ' (assumed)' : ''}`);
  boxes.push(labelBox(facts.join(' · '), 'fact'));
  if (b.conntrack) boxes.push(labelBox('conntrack: ' + b.conntrack, 'conntrack', CHARS + 2));
  if (b.reply.length > 0) {
    boxes.push(labelBox('Reply path', 'heading'));
    for (const s of b.reply) boxes.push(stepBox(s));
  }
  return boxes;
}

function stack(boxes: readonly Box[], x: number, y: number, out: string[]): number {
  for (const b of boxes) {
    out.push(...b.render(x, y));
    y += b.height + 8;
  }
  return y;
}

const style = [
  'svg { font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }',
  '.bg { fill: var(--vscode-editor-background, #ffffff); }',
  'text { fill: var(--vscode-editor-foreground, #1f1f1f); }',
  '.box { fill: var(--vscode-editorWidget-background, #f3f3f3); stroke: var(--vscode-editorWidget-border, #c8c8c8); }',
  '.box.nat { stroke: var(--vscode-charts-blue, #1a85ff); stroke-width: 2; }',
  '.box.end { stroke: var(--vscode-errorForeground, #e51400); stroke-width: 2; }',
  '.title, .heading, .branch { font-weight: bold; }',
  '.branch.end { fill: var(--vscode-errorForeground, #e51400); }',
  '.rw { font-weight: bold; fill: var(--vscode-charts-blue, #1a85ff); text-decoration: underline; }',
  '.rule, .conntrack { fill: var(--vscode-descriptionForeground, #616161); }',
].join('\n');

/** The trace as an SVG document: shared hops, then one column per branch, then notes. */
export function traceToSvg(trace: PathTrace): string {
  const body: string[] = [];
  const shared = sharedPrefixLength(trace.branches);
  const columns = Math.max(1, trace.branches.length);
  const width = MARGIN * 2 + columns * COLUMN + (columns - 1) * GAP;
  const headerChars = Math.max(CHARS, Math.floor((width - 2 * MARGIN) / 7.5));
  let y = stack([
    labelBox(`Packet path: ${trace.title}`, 'heading', headerChars),
    labelBox(`Scenario: ${describeScenario(trace.scenario)}`, 'text', headerChars),
    ...trace.errors.map((e) => labelBox(`Problem: ${e}`, 'branch end', headerChars)),
  ], MARGIN, MARGIN, body);
  if (trace.ingress) {
    const ing = trace.ingress;
    const rows = [labelBox(`Ingress rule for host ${ing.host || '*'} path ${ing.path || '/'}${ing.serviceUpstream ? ' (service-upstream)' : ''}`, 'heading', headerChars)];
    for (const c of ing.candidates) {
      rows.push(labelBox(`${c.winner ? '★ winner' : c.matched ? 'matched' : 'no match'}: ${c.ingress} ${c.host || '*'} ${c.path} (${c.pathType}) → ${c.backend}: ${c.why}`, c.winner ? 'title' : 'text', headerChars));
    }
    y = stack(rows, MARGIN, y, body);
  }
  if (shared > 0) y = stack(trace.branches[0].steps.slice(0, shared).map(stepBox), MARGIN, y, body);
  if (shared > 0 && trace.branches.length > 1) y = stack([labelBox(`The packet takes one of ${trace.branches.length} paths:`, 'heading', headerChars)], MARGIN, y, body);
  let bottom = y;
  trace.branches.forEach((b, i) => {
    bottom = Math.max(bottom, stack(branchBoxes(b, i, shared), MARGIN + i * (COLUMN + GAP), y, body));
  });
  if (trace.assumptions.length > 0) {
    bottom = stack([labelBox('Assumptions (values synthesized, assumed):', 'heading', headerChars), ...trace.assumptions.map((a) => labelBox(`• ${a}`, 'text', headerChars))], MARGIN, bottom, body);
  }
  const height = bottom + MARGIN;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml('Packet path: ' + trace.title)}">`,
    `<title>${escapeXml('Packet path: ' + trace.title)}</title>`,
    `<style>\n${style}\n</style>`,
    `<rect class="bg" x="0" y="0" width="${width}" height="${height}"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
