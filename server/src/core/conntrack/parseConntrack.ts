import type { Span } from '../text/span';
import type { ConntrackEntry, ConntrackParseError, ConntrackTable, ConntrackTuple } from './model';

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1, tcp: 6, udp: 17, dccp: 33, gre: 47, ipv6: 41, icmpv6: 58, sctp: 132, udplite: 136,
};

/** States conntrack prints for tcp, sctp and dccp entries. */
const STATE_WORD = /^[A-Z][A-Z_]*$/;

interface MutableTuple {
  src?: string; dst?: string; sport?: number; dport?: number; type?: number; code?: number; id?: number;
  packets?: number; bytes?: number; start: number; end: number;
}

const TUPLE_KEYS: ReadonlySet<string> = new Set(['src', 'dst', 'sport', 'dport', 'type', 'code', 'id', 'packets', 'bytes']);

/**
 * Parses `conntrack -L` output and `/proc/net/nf_conntrack` lines (IPv4 and IPv6; tcp, udp,
 * sctp, icmp and others; states, timeouts, [UNREPLIED]/[ASSURED], mark, zone, use, and the
 * `packets= bytes=` counters when accounting is on). Never throws; a bad line becomes an error
 * with its span and the other lines are kept.
 */
export function parseConntrack(text: string): ConntrackTable {
  try {
    return parseConntrackText(text);
  } catch (e) {
    // A bug here must not take the language server down: report it as data.
    return { format: 'empty', entries: [], errors: [{ message: `Internal error in the conntrack parser: ${e instanceof Error ? e.message : String(e)}`, span: { start: 0, end: Math.min(text.length, 1) }, severity: 'error' }] };
  }
}

function parseConntrackText(text: string): ConntrackTable {
  const entries: ConntrackEntry[] = [];
  const errors: ConntrackParseError[] = [];
  let sawProc = false;
  let sawPlain = false;
  let shownCount: number | undefined;
  let pos = 0;
  let line = 0;
  const n = text.length;
  while (pos <= n) {
    let lineEnd = text.indexOf('\n', pos);
    if (lineEnd < 0) lineEnd = n;
    let s = pos;
    let e = lineEnd;
    while (s < e && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9)) s++;
    while (e > s && (text.charCodeAt(e - 1) === 13 || text.charCodeAt(e - 1) === 32 || text.charCodeAt(e - 1) === 9)) e--;
    if (s < e && text.charCodeAt(s) !== 35 /* # */) {
      const lineText = text.slice(s, e);
      const trailer = /flow entries have been shown\.?$/.exec(lineText);
      if (trailer) {
        const m = /(\d+) flow entries/.exec(lineText);
        if (m) shownCount = Number(m[1]);
      } else {
        const r = parseEntry(text, s, e, line);
        if (r.entry) {
          entries.push(r.entry);
          if (r.proc) sawProc = true;
          else sawPlain = true;
        }
        for (const err of r.errors) errors.push(err);
      }
    }
    pos = lineEnd + 1;
    line++;
  }
  const format = entries.length === 0 ? 'empty' : sawProc && sawPlain ? 'mixed' : sawProc ? 'proc' : 'conntrack';
  const table: { -readonly [K in keyof ConntrackTable]: ConntrackTable[K] } = { format, entries, errors };
  if (shownCount !== undefined) {
    table.shownCount = shownCount;
    if (shownCount !== entries.length) {
      errors.push({ message: `conntrack says ${shownCount} entries were shown, but ${entries.length} were read`, span: { start: 0, end: 0 }, severity: 'warning' });
    }
  }
  return table;
}

interface Word { text: string; start: number; end: number }

function words(text: string, s: number, e: number): Word[] {
  const out: Word[] = [];
  let i = s;
  while (i < e) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    const start = i;
    while (i < e && text.charCodeAt(i) !== 32 && text.charCodeAt(i) !== 9) i++;
    out.push({ text: text.slice(start, i), start, end: i });
  }
  return out;
}

function parseEntry(text: string, s: number, e: number, line: number): { entry?: ConntrackEntry; errors: ConntrackParseError[]; proc: boolean } {
  const errors: ConntrackParseError[] = [];
  const ws = words(text, s, e);
  const fail = (message: string, span: Span): { errors: ConntrackParseError[]; proc: boolean } => {
    errors.push({ message, span, severity: 'error' });
    return { errors, proc: false };
  };
  let i = 0;
  let family: 'ipv4' | 'ipv6' | undefined;
  let proc = false;
  // /proc/net/nf_conntrack: "ipv4     2 tcp      6 119 ..."
  if (ws[0] && (ws[0].text === 'ipv4' || ws[0].text === 'ipv6')) {
    family = ws[0].text;
    proc = true;
    if (!ws[1] || !/^\d+$/.test(ws[1].text)) return fail('Missing the address family number after ' + ws[0].text, { start: ws[0].start, end: ws[0].end });
    i = 2;
  }
  const protoW = ws[i];
  const numW = ws[i + 1];
  const timeoutW = ws[i + 2];
  if (!protoW || !/^[a-z][a-z0-9-]*$/.test(protoW.text)) return fail('Expected a protocol name (tcp, udp, sctp, icmp…) at the start of the entry', { start: s, end: e });
  if (!numW || !/^\d+$/.test(numW.text)) return fail(`Missing the protocol number after ${protoW.text}`, { start: protoW.start, end: e });
  if (!timeoutW || !/^\d+$/.test(timeoutW.text)) return fail('Missing the timeout (seconds) after the protocol number', { start: numW.start, end: e });
  const protocol = protoW.text;
  const protocolNumber = Number(numW.text);
  const known = PROTOCOL_NUMBERS[protocol];
  if (known !== undefined && known !== protocolNumber) {
    errors.push({ message: `${protocol} is protocol ${known}, not ${protocolNumber}`, span: { start: numW.start, end: numW.end }, severity: 'warning' });
  }
  i += 3;
  let state: string | undefined;
  if (ws[i] && STATE_WORD.test(ws[i].text) && !ws[i].text.includes('=')) {
    state = ws[i].text;
    i++;
  }
  const tuples: MutableTuple[] = [];
  let cur: MutableTuple | undefined;
  const flags: string[] = [];
  const extra: Record<string, string> = {};
  let mark: number | undefined;
  let zone: number | undefined;
  let use: number | undefined;
  let id: number | undefined;
  let secctx: string | undefined;
  for (; i < ws.length; i++) {
    const w = ws[i];
    const t = w.text;
    if (t.startsWith('[') && t.endsWith(']')) {
      flags.push(t.slice(1, -1));
      continue;
    }
    const eq = t.indexOf('=');
    if (eq <= 0) {
      errors.push({ message: `Unexpected word \`${t}\``, span: { start: w.start, end: w.end }, severity: 'error' });
      continue;
    }
    const key = t.slice(0, eq);
    const value = t.slice(eq + 1);
    if (key === 'src') {
      if (tuples.length === 2) {
        errors.push({ message: 'A third src= in one entry', span: { start: w.start, end: w.end }, severity: 'error' });
        continue;
      }
      cur = { src: value, start: w.start, end: w.end };
      tuples.push(cur);
      continue;
    }
    // `id=` belongs to an ICMP tuple (type= code= id=) once; any other `id=` is the entry's id (-o id).
    const tupleId = key === 'id' && cur !== undefined && cur.type !== undefined && cur.id === undefined;
    if (cur && TUPLE_KEYS.has(key) && (key !== 'id' || tupleId)) {
      if (key === 'dst') cur.dst = value;
      else if (!/^\d+$/.test(value)) {
        errors.push({ message: `${key}= needs a number`, span: { start: w.start, end: w.end }, severity: 'error' });
        continue;
      } else (cur as unknown as Record<string, number>)[key] = Number(value);
      cur.end = w.end;
      continue;
    }
    if (!/^-?\d+$/.test(value) && (key === 'mark' || key === 'zone' || key === 'use')) {
      errors.push({ message: `${key}= needs a number`, span: { start: w.start, end: w.end }, severity: 'error' });
      continue;
    }
    if (key === 'mark') mark = Number(value);
    else if (key === 'zone') zone = Number(value);
    else if (key === 'use') use = Number(value);
    else if (key === 'id') id = Number(value);
    else if (key === 'secctx') secctx = value;
    else extra[key] = value;
  }
  if (tuples.length < 2) {
    return fail(tuples.length === 0 ? 'No src=/dst= tuple in the entry' : 'Truncated entry: the reply tuple (second src=) is missing', { start: s, end: e });
  }
  const [o, r] = tuples.map((tp): ConntrackTuple | undefined => {
    if (tp.dst === undefined || tp.src === undefined) return undefined;
    const out: { -readonly [K in keyof ConntrackTuple]: ConntrackTuple[K] } = { src: tp.src, dst: tp.dst, span: { start: tp.start, end: tp.end } };
    for (const k of ['sport', 'dport', 'type', 'code', 'id', 'packets', 'bytes'] as const) if (tp[k] !== undefined) out[k] = tp[k];
    return out;
  });
  if (!o || !r) return fail('A tuple without dst=', { start: s, end: e });
  if (family === undefined) family = o.src.includes(':') ? 'ipv6' : 'ipv4';
  const entry: { -readonly [K in keyof ConntrackEntry]: ConntrackEntry[K] } = {
    family, protocol, protocolNumber, timeout: Number(timeoutW.text), original: o, reply: r, flags, extra,
    line, span: { start: s, end: e }, text: text.slice(s, e),
  };
  if (state !== undefined) entry.state = state;
  if (mark !== undefined) entry.mark = mark;
  if (zone !== undefined) entry.zone = zone;
  if (use !== undefined) entry.use = use;
  if (id !== undefined) entry.id = id;
  if (secctx !== undefined) entry.secctx = secctx;
  return { entry, errors, proc };
}
