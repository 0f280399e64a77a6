import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTraceMarkdown, escapeMarkdown, codeSpan, formatPercent, describeBranchEnd, endsBranch } from '../../../server/src/core/trace/formatMarkdown';
import { traceToSvg, escapeXml, wrapText } from '../../../client/webview/svg';
import { checkGolden } from './golden';
import { fixtureNames, loadTrace } from './fixtures';

const hostile = '<img src=x onerror=alert(1)>';

/** Removes fenced code blocks and code spans (CommonMark: a span closes on a run of equal length). */
function stripCode(md: string): string {
  const noBlocks = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
  return noBlocks.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, '');
}

test('formatTraceMarkdown matches its goldens', () => {
  const names = fixtureNames();
  assert.ok(names.length >= 4);
  for (const name of names) checkGolden(`${name}.md`, formatTraceMarkdown(loadTrace(name)));
});

test('traceToSvg matches its goldens', () => {
  for (const name of fixtureNames()) checkGolden(`${name}.svg`, traceToSvg(loadTrace(name)));
});

test('Markdown: the nginx trace shows each third, the masquerade and the conntrack entry', () => {
  const nginx = loadTrace('nginx-loadbalancer-external');
  const md = formatTraceMarkdown(nginx);
  assert.equal(md.match(/^## Path \d of 3: 33\.3%, forwarded to nginx-/gm)?.length, 3);
  assert.equal(md.match(/^- Masquerade: yes/gm)?.length, 3);
  // The conntrack entry, recomputed from the recorded hops: the client's tuple, then the reply
  // tuple from the endpoint to the address MASQUERADE gave the packet.
  const b0 = nginx.branches[0];
  const client = b0.steps[0].packet;
  const masq = b0.steps.find((s) => s.kind === 'masquerade')!.packet;
  const entry = `tcp      6 431999 ESTABLISHED src=${client.src} dst=${client.dst} sport=${client.sport} dport=${client.dport} src=${b0.endpoint!.ip} dst=${masq.src} sport=${b0.endpoint!.port} dport=${masq.sport} [ASSURED] mark=0 use=1`;
  assert.equal(b0.conntrack, entry);
  assert.ok(md.includes('```text\n' + entry + '\n```'), 'the conntrack entry is a text block');
  assert.ok(md.includes(`**${b0.endpoint!.ip}**:${b0.endpoint!.port}`), 'the DNAT rewrite is in bold');
  const local = formatTraceMarkdown(loadTrace('nginx-etp-local-drop'));
  assert.match(local, /## Path 1 of 1: 100\.0%, dropped: default\/nginx:http has no local endpoints/);
});

test('Markdown and SVG keep hostile strings as text', () => {
  const trace = loadTrace('hostile-strings');
  const md = formatTraceMarkdown(trace);
  const prose = stripCode(md);
  assert.ok(prose.length > 500 && prose.length < md.length, 'stripCode removed code and kept prose');
  assert.doesNotMatch(prose.replace(/<br>/g, ''), /(?<!\\)</, 'no raw HTML outside code (only our own <br>)');
  assert.ok(md.includes('\\<img src=x onerror=alert(1)\\>'));
  const svg = traceToSvg(trace);
  assert.doesNotMatch(svg, /<img|<script|onerror=alert\(1\)>|<svg onload/i);
  assert.ok(svg.includes('&lt;img src=x onerror=alert(1)&gt;'));
  // Every element in the SVG is one of ours.
  const tags = new Set([...svg.matchAll(/<([a-zA-Z][\w:-]*)/g)].map((m) => m[1]));
  assert.deepEqual([...tags].sort(), ['g', 'rect', 'style', 'svg', 'text', 'title', 'tspan']);
});

test('escapers, data-driven', () => {
  const md: [string, string][] = [
    [hostile, '\\<img src=x onerror=alert(1)\\>'],
    ['a|b', 'a\\|b'],
    ['*bold* _it_ [x](y) `c` ~s~ & #h !', '\\*bold\\* \\_it\\_ \\[x\\](y) \\`c\\` \\~s\\~ \\& \\#h \\!'],
    ['line\nbreak', 'line break'],
    ['10.0.0.1:80', '10.0.0.1:80'],
  ];
  for (const [input, expected] of md) assert.equal(escapeMarkdown(input), expected, input);
  const spans: [string, string][] = [['a', '`a`'], ['a`b', '``a`b``'], ['`x', '`` `x ``'], ['', '` `']];
  for (const [input, expected] of spans) assert.equal(codeSpan(input), expected, input);
  const xml: [string, string][] = [[hostile, '&lt;img src=x onerror=alert(1)&gt;'], [`"'&`, '&quot;&apos;&amp;'], ['a\u0000b\u0007c', 'a\ufffdb\ufffdc'], ['\ud800x', '\ufffdx'], ['😀', '😀']];
  for (const [input, expected] of xml) assert.equal(escapeXml(input), expected, JSON.stringify(input));
  assert.deepEqual(wrapText('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
  assert.deepEqual(wrapText('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
  const pct: [number, string][] = [[1 / 3, '33.3%'], [0.5, '50.0%'], [1, '100.0%'], [2 / 3, '66.7%'], [NaN, '?%']];
  for (const [p, s] of pct) assert.equal(formatPercent(p), s);
});

test('a branch the simulator gave up on ends like a drop, with its reason', () => {
  const local = loadTrace('nginx-etp-local-drop');
  const gaveUp = { ...local, branches: [{ ...local.branches[0], verdict: 'error' as const, reason: 'jump cycle KUBE-A -> KUBE-B -> KUBE-A' }] };
  assert.equal(describeBranchEnd(gaveUp.branches[0]), 'error: jump cycle KUBE-A -> KUBE-B -> KUBE-A');
  assert.equal(endsBranch(gaveUp.branches[0]), true);
  assert.equal(endsBranch(loadTrace('nginx-loadbalancer-external').branches[0]), false);
  assert.match(formatTraceMarkdown(gaveUp), /^- Why it ends here: jump cycle KUBE-A -\\> KUBE-B -\\> KUBE-A$/m);
  assert.match(traceToSvg(gaveUp), /<text class="branch end"[^>]*>Path 1: 100\.0%, error: jump cycle/);
});
