// Parsers never throw: deterministic mutations of every fixture (cut lines, deleted and inserted
// characters, swapped words) go through parseDump, checkDump, buildChainIndex and parseConntrack,
// and every span they return stays inside the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { checkDump } from '../../../server/src/core/iptables/checkDump';
import { buildChainIndex } from '../../../server/src/core/iptables/buildChainIndex';
import { parseConntrack } from '../../../server/src/core/conntrack/parseConntrack';
import { decodeConntrackEntry } from '../../../server/src/core/conntrack/decodeConntrack';
import type { Span } from '../../../server/src/core/text/span';
import { mulberry32 } from '../../lib/prng';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

const rng = mulberry32;

const NOISE = ['"', '!', ' ', '\n', '[', ']', ':', '-', '--', '*', '#', '\\', '-j', '-m', '-A', 'COMMIT', '*nat', 'Chain X (', 'src=', '='];

function mutate(text: string, random: () => number): string {
  let t = text;
  const edits = 1 + Math.floor(random() * 6);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(random() * (t.length + 1));
    const r = random();
    if (r < 0.3) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(random() * 20));
    else if (r < 0.6) t = t.slice(0, at) + NOISE[Math.floor(random() * NOISE.length)] + t.slice(at);
    else if (r < 0.8) t = t.slice(0, at);
    else {
      const lines = t.split('\n');
      const i = Math.floor(random() * lines.length);
      const j = Math.floor(random() * lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      t = lines.join('\n');
    }
  }
  return t;
}

function inside(span: Span, text: string, what: string): void {
  assert.ok(span.start >= 0 && span.start <= span.end && span.end <= text.length, `${what}: span ${span.start}-${span.end} outside 0-${text.length}`);
}

test('parseDump, checkDump and buildChainIndex never throw and keep spans inside the text', () => {
  const random = rng(20261128);
  const dir = join(FIXTURES, 'dumps');
  let runs = 0;
  for (const f of readdirSync(dir)) {
    const original = readFileSync(join(dir, f), 'utf8');
    for (let k = 0; k < 40; k++) {
      const text = mutate(original, random);
      const rs = parseDump(text);
      for (const e of rs.errors) inside(e.span, text, `${f} error ${e.message}`);
      for (const t of rs.tables) {
        for (const c of t.chains) {
          if (c.declSpan) inside(c.declSpan, text, `${f} decl ${c.name}`);
          for (const r of c.rules) {
            inside(r.span, text, `${f} rule`);
            for (const m of r.matches) for (const o of m.options) inside(o.span, text, `${f} option ${o.name}`);
            if (r.target) inside(r.target.nameSpan, text, `${f} target`);
          }
        }
      }
      for (const p of checkDump(rs)) inside(p.span, text, `${f} problem ${p.code}`);
      buildChainIndex(rs);
      runs++;
    }
  }
  assert.ok(runs >= 400);
});

test('parseConntrack never throws and keeps spans inside the text', () => {
  const random = rng(7);
  const dir = join(FIXTURES, 'conntrack');
  for (const f of readdirSync(dir)) {
    const original = readFileSync(join(dir, f), 'utf8');
    for (let k = 0; k < 200; k++) {
      const text = mutate(original, random);
      const t = parseConntrack(text);
      for (const e of t.errors) inside(e.span, text, `${f} error`);
      for (const e of t.entries) {
        inside(e.span, text, `${f} entry`);
        inside(e.original.span, text, `${f} original`);
        decodeConntrackEntry(e);
      }
    }
  }
});
