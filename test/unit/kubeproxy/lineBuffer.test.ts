/** The generator's line buffer against plain string joining: pieces, numbers, non-ASCII, chunk boundaries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatText, LineBuffer } from '../../../server/src/core/kubeproxy/lineBuffer';

function check(lines: readonly (readonly (string | number)[])[]): void {
  const buffer = new LineBuffer();
  for (const pieces of lines) {
    for (const p of pieces) {
      if (typeof p === 'number') buffer.addUint(p);
      else buffer.add(p);
    }
    buffer.end();
  }
  const expected = 'head\n' + lines.map((pieces) => pieces.map(String).join('') + '\n').join('') + 'tail';
  assert.equal(buffer.lines, lines.length);
  assert.equal(concatText(['head\n', buffer, 'tail']), expected);
}

test('empty buffer and empty lines', () => {
  check([]);
  check([[], [''], ['', '']]);
});

test('numbers: zero, digit boundaries, large, negative and non-integer fall back to String()', () => {
  check([[0], [9, 10, 99, 100], [65535, 4294967296], [Number.MAX_SAFE_INTEGER], [-1], [1.5], [1e21], [NaN]]);
});

test('many lines across chunk boundaries, with non-ASCII and a line longer than a chunk', () => {
  const lines: (string | number)[][] = [];
  for (let i = 0; i < 200_000; i++) lines.push(['-A KUBE-SVC-', String(i % 97), ' -m comment --comment "ns/späße:p -> ', i, '" -j KUBE-SEP-', i % 5 === 0 ? '名前' : 'X']);
  lines.push(['x'.repeat(3 << 20), 'é'.repeat(1 << 19), '\u{1F600}']);
  check(lines);
});
