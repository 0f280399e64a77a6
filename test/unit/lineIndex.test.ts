import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineIndex } from '../../server/src/core/text/lineIndex';
import { tokenizeRuleLine } from '../../server/src/core/iptables/tokenize';

test('LineIndex maps offsets to positions and back', () => {
  const idx = new LineIndex('ab\ncd\n\nef');
  for (const [offset, line, character] of [[0, 0, 0], [2, 0, 2], [3, 1, 0], [6, 2, 0], [7, 3, 0], [9, 3, 2]] as const) {
    assert.deepEqual(idx.positionAt(offset), { line, character });
    assert.equal(idx.offsetAt(line, character), offset);
  }
  assert.deepEqual(idx.positionAt(100), { line: 3, character: 2 });
});

test('tokenizeRuleLine splits quoted comments and keeps spans', () => {
  const line = '-A KUBE-SVC-X -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-Y';
  const { tokens, unterminatedQuoteAt } = tokenizeRuleLine(line, 10);
  assert.equal(unterminatedQuoteAt, undefined);
  assert.deepEqual(tokens.map((t) => t.text), ['-A', 'KUBE-SVC-X', '-m', 'comment', '--comment', 'ns1/svc1:p80 -> 10.180.0.1:80', '-j', 'KUBE-SEP-Y']);
  const quoted = tokens[5];
  assert.equal(line.slice(quoted.span.start - 10, quoted.span.end - 10), '"ns1/svc1:p80 -> 10.180.0.1:80"');
  assert.equal(tokenizeRuleLine('-m comment --comment "a \\"b\\"').unterminatedQuoteAt, 21);
  assert.deepEqual(tokenizeRuleLine('--comment "say \\"hi\\""').tokens.map((t) => t.text), ['--comment', 'say "hi"']);
});
