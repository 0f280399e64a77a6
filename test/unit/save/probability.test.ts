import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeProbability } from '../../../server/src/core/kubeproxy/probability';
import { formatKernelProbability, formatKernelUnits, parseProbability, probabilityToKernelUnits } from '../../../server/src/core/save/probability';

// [what kube-proxy writes, what iptables-save prints] — the right column was read back from the
// kernel (test/kernel/save covers n = 1..4096 the same way).
const TABLE: ReadonlyArray<[string, string]> = [
  ['0.5000000000', '0.50000000000'],
  ['0.3333333333', '0.33333333349'],
  ['0.2500000000', '0.25000000000'],
  ['0.2000000000', '0.20000000019'],
  ['0.1', '0.10000000009'],
  ['1', '1.00000000000'],
  ['0', '0.00000000000'],
  ['0.0004882812', '0.00048828125'], // n = 2048: Go writes ...812 (ties to even), JS toFixed(10) would write ...813
  ['0.0002441406', '0.00024414062'], // n = 4096: 2^19 units, an exact tie at 11 digits, printf rounds to even
];

test('probability as iptables-save prints it', () => {
  for (const [input, expected] of TABLE) assert.equal(formatKernelProbability(input), expected, input);
});

test('probabilities iptables refuses', () => {
  for (const bad of ['1.5', '-0.1', 'abc', '', '0x1p-1', '1e']) assert.equal(formatKernelProbability(bad), undefined, bad);
  assert.equal(parseProbability('5e-1'), 0.5);
});

test('ties at 11 digits round half to even (glibc printf), unlike toFixed', () => {
  const table: ReadonlyArray<[number, string]> = [
    [2 ** 19, '0.00024414062'],
    [3 * 2 ** 19, '0.00073242188'],
    [5 * 2 ** 19, '0.00122070312'],
    [2 ** 31, '1.00000000000'],
    [1, '0.00000000047'],
  ];
  for (const [units, expected] of table) assert.equal(formatKernelUnits(units), expected, String(units));
  assert.notEqual((2 ** 19 / 2 ** 31).toFixed(11), formatKernelUnits(2 ** 19));
});

test('n = 1..2048: the kernel form of kube-proxy 1/n equals an independent computation (no ties in this range)', () => {
  for (let n = 1; n <= 2048; n++) {
    const written = computeProbability(n);
    const units = Math.round(Number(written) * 2 ** 31);
    assert.equal(probabilityToKernelUnits(Number(written)), units);
    assert.equal(formatKernelProbability(written), (units / 2 ** 31).toFixed(11), `n = ${n}`);
  }
  assert.equal(computeProbability(2048), '0.0004882812');
  assert.equal(formatKernelProbability(computeProbability(3)), '0.33333333349');
});
