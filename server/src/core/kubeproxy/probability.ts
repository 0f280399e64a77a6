/**
 * `computeProbability(n)` exactly as kube-proxy's `fmt.Sprintf("%0.10f", 1.0/float64(n))`.
 *
 * Go rounds the exact binary value of the double to 10 decimals, ties to even. JavaScript's
 * `toFixed` rounds ties up, so they disagree where the double is exactly halfway: 1/2048 =
 * 0.00048828125 gives Go `0.0004882812` and `toFixed(10)` `0.0004882813`. This function works on
 * the double's exact decimal expansion with BigInt.
 */

const view = new DataView(new ArrayBuffer(8));

/** Formats a finite, non-negative double with exactly `digits` decimals, rounding ties to even. */
export function formatFixedGo(value: number, digits: number): string {
  if (!Number.isFinite(value) || value < 0) return String(value);
  view.setFloat64(0, value);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biasedExp = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number; // value = mantissa * 2^exp
  if (biasedExp === 0) exp = -1074;
  else {
    mantissa |= 1n << 52n;
    exp = biasedExp - 1075;
  }
  let scaled: bigint; // round(value * 10^digits)
  const pow10 = 10n ** BigInt(digits);
  if (exp >= 0) scaled = (mantissa << BigInt(exp)) * pow10;
  else {
    const num = mantissa * pow10;
    const den = 1n << BigInt(-exp);
    const q = num / den;
    const r = num - q * den;
    const twice = r * 2n;
    scaled = twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
  }
  const s = scaled.toString();
  if (digits === 0) return s;
  const padded = s.padStart(digits + 1, '0');
  return `${padded.slice(0, padded.length - digits)}.${padded.slice(padded.length - digits)}`;
}

const cache: string[] = ['<bad value>'];

/** The `--probability` value kube-proxy writes for the rule that picks 1 of the `n` remaining endpoints. */
export function computeProbability(n: number): string {
  if (!Number.isInteger(n) || n <= 0) return formatFixedGo(1 / n, 10);
  if (n < 4096) {
    let v = cache[n];
    if (v === undefined) {
      v = formatFixedGo(1 / n, 10);
      cache[n] = v;
    }
    return v;
  }
  return formatFixedGo(1 / n, 10);
}
