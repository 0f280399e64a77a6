import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMarkMatch, formatXmark, markTargetToXmark, parseMarkMask, parseUintBase0, type MarkTargetOption } from '../../../server/src/core/save/marks';

test('MARK target options become --set-xmark value/mask (checked against iptables 1.8.9)', () => {
  const table: ReadonlyArray<[MarkTargetOption, string, string | undefined]> = [
    ['--or-mark', '0x4000', '0x4000/0x4000'],
    ['--or-mark', '0x00004000', '0x4000/0x4000'],
    ['--xor-mark', '0x4000', '0x4000/0x0'],
    ['--set-mark', '0x10', '0x10/0xffffffff'],
    ['--set-mark', '5/7', '0x5/0x7'],
    ['--set-mark', '8/7', '0x8/0xf'],
    ['--set-mark', '010', '0x8/0xffffffff'],
    ['--and-mark', '0x10', '0x0/0xffffffef'],
    ['--set-xmark', '0x10/0x30', '0x10/0x30'],
    ['--set-xmark', '16384', '0x4000/0xffffffff'],
    ['--or-mark', 'zz', undefined],
    ['--set-mark', '0x100000000', undefined],
  ];
  for (const [opt, value, expected] of table) {
    const x = markTargetToXmark(opt, value);
    assert.equal(x && formatXmark(x), expected, `${opt} ${value}`);
  }
});

test('the mark match prints the mask only when it is not all ones', () => {
  const table: ReadonlyArray<[string, string | undefined]> = [
    ['0x4000/0x4000', '0x4000/0x4000'],
    ['16384/16384', '0x4000/0x4000'],
    ['0x4000', '0x4000'],
    ['0xff/0xffffffff', '0xff'],
    ['0x4000/', undefined],
  ];
  for (const [value, expected] of table) {
    const mm = parseMarkMask(value);
    assert.equal(mm && formatMarkMatch(mm), expected, value);
  }
});

test('numbers are read like strtoul base 0', () => {
  const table: ReadonlyArray<[string, number | undefined]> = [['0', 0], ['010', 8], ['08', undefined], ['0x1F', 31], ['42', 42], ['-1', undefined], ['', undefined]];
  for (const [t, v] of table) assert.equal(parseUintBase0(t), v, t);
});
