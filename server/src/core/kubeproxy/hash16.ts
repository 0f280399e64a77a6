/**
 * `base32(sha256(text))[:16]`, the hash in kube-proxy's chain names, computed without
 * allocating: a SHA-256 (FIPS 180-4) over the UTF-8 bytes of a string, reusing one message
 * schedule, and base32 (RFC 4648 alphabet) of the first 10 digest bytes, which are exactly the
 * first 16 characters. A full sync hashes once per service port and once per endpoint, so this
 * is the generator's hot path; `@noble/hashes` + `@scure/base` are the reference it is tested
 * against (test/unit/kubeproxy/hash16.test.ts).
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const H0 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const CODES = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', (c) => c.charCodeAt(0));

const W = new Int32Array(64);
const H = new Int32Array(8);
let bytes = new Uint8Array(256);
const encoder = new TextEncoder();

function compress(block: Uint8Array, offset: number): void {
  for (let t = 0; t < 16; t++) {
    const i = offset + t * 4;
    W[t] = (block[i] << 24) | (block[i + 1] << 16) | (block[i + 2] << 8) | block[i + 3];
  }
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15];
    const w2 = W[t - 2];
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
  }
  let a = H[0];
  let b = H[1];
  let c = H[2];
  let d = H[3];
  let e = H[4];
  let f = H[5];
  let g = H[6];
  let h = H[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[t] + W[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0] + a) | 0;
  H[1] = (H[1] + b) | 0;
  H[2] = (H[2] + c) | 0;
  H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0;
  H[5] = (H[5] + f) | 0;
  H[6] = (H[6] + g) | 0;
  H[7] = (H[7] + h) | 0;
}

/** Appends the ASCII `text` to the shared buffer at `at`; returns the new length, or -1 (nothing written) when `text` is not ASCII. */
function appendAscii(text: string, at: number): number {
  const needed = at + text.length + 72;
  if (bytes.length < needed) {
    const grown = new Uint8Array(Math.max(needed, bytes.length * 2));
    grown.set(bytes.subarray(0, at));
    bytes = grown;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    bytes[at + i] = c;
  }
  return at + text.length;
}

/** Writes the UTF-8 bytes of `text` into the shared buffer; returns the length. */
function writeUtf8(text: string): number {
  const n = appendAscii(text, 0);
  if (n >= 0) return n;
  const needed = text.length * 3 + 72;
  if (bytes.length < needed) bytes = new Uint8Array(Math.max(needed, bytes.length * 2));
  return encoder.encodeInto(text, bytes).written;
}

/** The first 16 characters of base32(sha256(utf8(text))). */
export function sha256Base32Prefix16(text: string): string {
  return digestPrefix16(writeUtf8(text));
}

/**
 * The same for `a + b + c`, without building the joined string (the generator hashes
 * svcPortName + protocol + endpoint once per endpoint). Non-ASCII input takes the joined path, so
 * a surrogate pair split across two parts still encodes as one character.
 */
export function sha256Base32Prefix16Of(a: string, b: string, c = ''): string {
  let n = appendAscii(a, 0);
  if (n >= 0) n = appendAscii(b, n);
  if (n >= 0) n = appendAscii(c, n);
  return n >= 0 ? digestPrefix16(n) : sha256Base32Prefix16(a + b + c);
}

/** SHA-256 of the first `n` bytes of the shared buffer, as the first 16 base32 characters. */
function digestPrefix16(n: number): string {
  // Padding: 0x80, zeros, then the bit length as a 64-bit big-endian integer.
  const total = (((n + 8) >> 6) + 1) << 6;
  bytes[n] = 0x80;
  bytes.fill(0, n + 1, total);
  const bitsHigh = Math.floor(n / 0x20000000);
  const bitsLow = (n * 8) >>> 0;
  bytes[total - 8] = bitsHigh >>> 24;
  bytes[total - 7] = (bitsHigh >>> 16) & 0xff;
  bytes[total - 6] = (bitsHigh >>> 8) & 0xff;
  bytes[total - 5] = bitsHigh & 0xff;
  bytes[total - 4] = bitsLow >>> 24;
  bytes[total - 3] = (bitsLow >>> 16) & 0xff;
  bytes[total - 2] = (bitsLow >>> 8) & 0xff;
  bytes[total - 1] = bitsLow & 0xff;
  H.set(H0);
  for (let off = 0; off < total; off += 64) compress(bytes, off);
  // 16 base32 characters = 80 bits = H[0], H[1] and the top 16 bits of H[2].
  const h0 = H[0];
  const h1 = H[1];
  const h2 = H[2];
  return String.fromCharCode(
    CODES[(h0 >>> 27) & 31],
    CODES[(h0 >>> 22) & 31],
    CODES[(h0 >>> 17) & 31],
    CODES[(h0 >>> 12) & 31],
    CODES[(h0 >>> 7) & 31],
    CODES[(h0 >>> 2) & 31],
    CODES[((h0 << 3) | (h1 >>> 29)) & 31],
    CODES[(h1 >>> 24) & 31],
    CODES[(h1 >>> 19) & 31],
    CODES[(h1 >>> 14) & 31],
    CODES[(h1 >>> 9) & 31],
    CODES[(h1 >>> 4) & 31],
    CODES[((h1 << 1) | (h2 >>> 31)) & 31],
    CODES[(h2 >>> 26) & 31],
    CODES[(h2 >>> 21) & 31],
    CODES[(h2 >>> 16) & 31],
  );
}
