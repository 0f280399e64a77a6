// parseDump builds rules lazily (LazyRule): the eager pass only checks each rule spec
// (checkRuleSpec) and the matches, comment and target options are parsed on first access. These
// tests hold the lazy rules to what the eager parser gives for the same words: the same matches,
// target and comment, the same errors from the check as from the full parse, and getters that never
// throw, on every fixture dump and on deterministic mutations of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { checkRuleSpec, Interner, newRuleSpecSummary, parseRuleSpec } from '../../../server/src/core/iptables/parseRuleSpec';
import { WordScanner } from '../../../server/src/core/iptables/scanWords';
import type { Rule } from '../../../server/src/core/iptables/model';
import { mulberry32 } from '../../lib/prng';

const DUMPS = join(__dirname, '..', '..', 'fixtures', 'dumps');
const TEXTS = readdirSync(DUMPS).filter((f) => !f.endsWith('.golden.txt') && !f.includes('.L')).map((f) => [f, readFileSync(join(DUMPS, f), 'utf8')] as const);

const rng = mulberry32;

const NOISE = ['"', '!', ' ', '-', '--', '-j', '-g', '-m', '-p', '-s', '::1', '--comment', '"a b"', 'x', '-c', '1'];

function mutateLine(line: string, random: () => number): string {
  let t = line;
  for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
    const at = 3 + Math.floor(random() * Math.max(1, t.length - 2));
    const r = random();
    if (r < 0.4) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(random() * 8));
    else t = `${t.slice(0, at)} ${NOISE[Math.floor(random() * NOISE.length)]} ${t.slice(at)}`;
  }
  return t;
}

/** What the eager parser built for the rule: parseRuleSpec on the rule's own words. */
function eagerSpec(rule: Rule, source: string) {
  const w = new WordScanner();
  w.scan(source, rule.span.start, rule.span.end);
  // `-I CHAIN 2 ...` and `-R CHAIN 2 ...` have their rule spec after the position.
  const from = /^-[IR]$/.test(w.word(0)) && w.count > 2 && /^\d+$/.test(w.word(2)) ? 3 : 2;
  return parseRuleSpec(w, from, new Interner());
}

function checkRules(source: string, label: string): number {
  const rs = parseDump(source);
  let n = 0;
  for (const t of rs.tables) {
    for (const c of t.chains) {
      for (const r of c.rules) {
        if (!/^-[AIR] /.test(r.text)) continue;
        const want = eagerSpec(r, source);
        // Plain copies, so deepEqual compares values and not prototypes.
        const plain = JSON.parse(JSON.stringify(r)) as Rule;
        assert.deepEqual(plain.matches, JSON.parse(JSON.stringify(want.matches)), `${label}: ${r.text}`);
        assert.deepEqual(plain.target, want.target === undefined ? undefined : JSON.parse(JSON.stringify(want.target)), `${label}: ${r.text}`);
        assert.equal(r.comment, want.comment, `${label}: ${r.text}`);
        assert.equal(r.text, source.slice(r.span.start, r.span.end));
        assert.equal(r.target?.name, want.target?.name);
        n++;
      }
    }
  }
  return n;
}

test('lazy rules give the matches, target and comment the eager parser gave, on every fixture', () => {
  let n = 0;
  for (const [f, text] of TEXTS) n += checkRules(text, f);
  assert.ok(n > 200, `only ${n} rules compared`);
});

test('lazy rules match the eager parse on mutated rule lines too, and their getters never throw', () => {
  const random = rng(7);
  let n = 0;
  for (const [f, text] of TEXTS) {
    const lines = text.split('\n');
    for (let k = 0; k < 4; k++) {
      const mutated = lines.map((l) => {
        if (!l.startsWith('-A ') || random() >= 0.3) return l;
        // Some rules become inserts at a position (parsed from their third word on).
        const m = mutateLine(l, random);
        return random() < 0.2 ? m.replace(/^-A (\S+)/, '-I $1 1') : m;
      }).join('\n');
      n += checkRules(mutated, `${f} mutation ${k}`);
    }
  }
  assert.ok(n > 500, `only ${n} rules compared`);
});

test('checkRuleSpec reports exactly the errors, counters, match count and target position of parseRuleSpec', () => {
  const random = rng(11);
  const w = new WordScanner();
  const intern = new Interner();
  const summary = newRuleSpecSummary();
  let n = 0;
  let withErrors = 0;
  for (const [, text] of TEXTS) {
    for (const line of text.split('\n')) {
      if (!line.startsWith('-A ')) continue;
      for (const l of [line, mutateLine(line, random), mutateLine(line, random)]) {
        w.scan(l, 0, l.length);
        const full = parseRuleSpec(w, 2, intern);
        checkRuleSpec(w, 2, intern, summary);
        assert.deepEqual(summary.errors, full.errors, l);
        assert.deepEqual(summary.counters, full.counters, l);
        assert.equal(summary.matchCount, full.matches.length, l);
        assert.equal(summary.hasTarget, full.target !== undefined, l);
        if (full.target) {
          assert.deepEqual([summary.targetKind, summary.targetStart, summary.targetEnd, summary.targetNameStart, summary.targetNameEnd],
            [full.target.kind, full.target.span.start, full.target.span.end, full.target.nameSpan.start, full.target.nameSpan.end], l);
        }
        n++;
        if (full.errors.length > 0) withErrors++;
      }
    }
  }
  assert.ok(n > 500 && withErrors > 50, `${n} lines, ${withErrors} with errors`);
});

test('lazy getters never throw and keep spans inside the text, on dumps with random characters cut and inserted', () => {
  const random = rng(23);
  const noise = ['"', '\\', '\\"', '!', ' ', '\n', '-', '-j', '-g', '-m', '-I X 1', '-c 1', '[1:2]', ':', '*nat'];
  let rules = 0;
  for (const [, text] of TEXTS) {
    for (let k = 0; k < 25; k++) {
      let t = text;
      for (let e = 0; e < 1 + Math.floor(random() * 8); e++) {
        const at = Math.floor(random() * (t.length + 1));
        t = random() < 0.4 ? t.slice(0, at) + t.slice(at + 1 + Math.floor(random() * 10)) : t.slice(0, at) + noise[Math.floor(random() * noise.length)] + t.slice(at);
      }
      const rs = parseDump(t);
      for (const table of rs.tables) for (const c of table.chains) for (const r of c.rules) {
        const inside = (s: { start: number; end: number }) => assert.ok(s.start >= 0 && s.start <= s.end && s.end <= t.length, `${s.start}-${s.end} of ${t.length}`);
        inside(r.span);
        assert.equal(typeof r.text, 'string');
        for (const m of r.matches) {
          inside(m.span);
          for (const o of m.options) inside(o.span);
        }
        if (r.target) {
          inside(r.target.span);
          inside(r.target.nameSpan);
          for (const o of r.target.options) inside(o.span);
        }
        void r.comment;
        assert.equal(typeof JSON.stringify(r), 'string');
        rules++;
      }
    }
  }
  assert.ok(rules > 1000, `only ${rules} rules`);
});
