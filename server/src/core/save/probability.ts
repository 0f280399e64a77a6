/**
 * The statistic match's probability as the kernel keeps it: libxt_statistic stores
 * `lround(0x80000000 * p)` as a u32, and iptables-save prints that back with `%.11f` of
 * `units / 2^31`. This is exact: the division by a power of two is exact, and the decimal is
 * rounded from the exact binary value with round-half-to-even, as glibc's printf does (JavaScript's
 * `toFixed` breaks ties the other way, e.g. 2^19 units).
 */

const TWO_31 = 0x80000000;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a probability as iptables does (strtod, 0 ≤ p ≤ 1); undefined when it would reject it. */
export function parseProbability(text: string): number | undefined {
  const t = text.trim();
  if (!DECIMAL.test(t)) return undefined;
  const p = Number(t);
  if (!Number.isFinite(p) || p < 0 || p > 1) return undefined;
  return p;
}

/** lround(2^31 × p): the value the kernel stores (0 … 2^31). */
export function probabilityToKernelUnits(p: number): number {
  // p × 2^31 is exact in binary floating point; Math.round equals lround for values ≥ 0.
  return Math.round(p * TWO_31);
}

/** `%.11f` of units / 2^31, computed exactly (round half to even on the exact binary value). */
export function formatKernelUnits(units: number): string {
  const scale = 10n ** 11n;
  const num = BigInt(units) * scale;
  const den = BigInt(TWO_31);
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  const whole = q / scale;
  const frac = (q % scale).toString().padStart(11, '0');
  return `${whole}.${frac}`;
}

/** What iptables-save prints for `--probability text`, or undefined if iptables rejects the value. */
export function formatKernelProbability(text: string): string | undefined {
  const p = parseProbability(text);
  return p === undefined ? undefined : formatKernelUnits(probabilityToKernelUnits(p));
}
