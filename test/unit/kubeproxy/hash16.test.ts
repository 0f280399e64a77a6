/** The allocation-free chain-name hash against the reference libraries (@noble/hashes sha256 + @scure/base base32). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { base32 } from '@scure/base';
import { sha256Base32Prefix16 } from '../../../server/src/core/kubeproxy/hash16';

const reference = (s: string): string => base32.encode(sha256(new TextEncoder().encode(s))).slice(0, 16);

test('known kube-proxy hashes', () => {
  assert.equal(sha256Base32Prefix16('ns1/svc1:p80tcp'), 'XPGD46QRK7WJZT7O');
  assert.equal(sha256Base32Prefix16('ns1/svc1:p80tcp10.180.0.1:80'), 'SXIVWICOYRO3J4NJ');
});

test('every input length from 0 to 300 bytes (one to six blocks, all padding boundaries)', () => {
  for (let n = 0; n <= 300; n++) {
    const s = Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7 + n) % 90))).join('');
    assert.equal(sha256Base32Prefix16(s), reference(s), `length ${n}`);
  }
});

test('non-ASCII text is hashed as UTF-8', () => {
  for (const s of ['ns/späße:p', 'ns/名前:ポート', '\u{1F600}/x', 'é'.repeat(100)]) assert.equal(sha256Base32Prefix16(s), reference(s), s);
});

test('random chain-name-like inputs', () => {
  let x = 12345;
  const next = (): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x;
  };
  for (let i = 0; i < 2000; i++) {
    const s = `ns${next() % 1000}/svc-${next().toString(36)}:p${next() % 100}${['tcp', 'udp', 'sctp'][next() % 3]}10.${next() % 256}.${next() % 256}.${next() % 256}:${next() % 65536}`;
    assert.equal(sha256Base32Prefix16(s), reference(s), s);
  }
});
