/** The three-part chain-name hash (no joined string built) against the reference libraries on the joined text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { base32 } from '@scure/base';
import { sha256Base32Prefix16Of } from '../../../server/src/core/kubeproxy/hash16';

const reference = (s: string): string => base32.encode(sha256(new TextEncoder().encode(s))).slice(0, 16);

function check(a: string, b: string, c?: string): void {
  assert.equal(sha256Base32Prefix16Of(a, b, c), reference(a + b + (c ?? '')), JSON.stringify([a, b, c]));
}

test('known kube-proxy hashes from parts', () => {
  assert.equal(sha256Base32Prefix16Of('ns1/svc1:p80', 'tcp'), 'XPGD46QRK7WJZT7O');
  assert.equal(sha256Base32Prefix16Of('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'SXIVWICOYRO3J4NJ');
});

test('every split of inputs up to 200 bytes (padding boundaries, buffer growth)', () => {
  for (let n = 0; n <= 200; n += 7) {
    const s = Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 11 + n) % 90))).join('');
    for (let i = 0; i <= n; i += 5) for (let j = i; j <= n; j += 9) check(s.slice(0, i), s.slice(i, j), s.slice(j));
  }
  check('x'.repeat(5000), 'y'.repeat(3000), 'z'.repeat(700));
});

test('non-ASCII parts, and a surrogate pair split across two parts', () => {
  check('ns/späße:p', 'tcp', '10.0.0.1:80');
  check('ns/名前:ポート', 'udp');
  check('a', 'é'.repeat(100), 'b');
  const smile = '\u{1F600}';
  check(`x${smile[0]}`, `${smile[1]}y`, '');
  check('x', `y${smile[0]}`, smile[1]);
});
