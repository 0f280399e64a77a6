/**
 * Mark values as iptables parses and prints them: xtables_strtoui with base 0 (decimal, `0x`
 * hex, leading-zero octal), u32, optional `/mask`. The MARK target's forms all become
 * `--set-xmark value/mask` in the kernel (libxt_MARK revision 2).
 */

const U32 = 0xffffffff;

/** strtoul(s, &end, base 0) that must consume the whole string; undefined when it does not. */
export function parseUintBase0(text: string, max = U32): number | undefined {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) v = text.length === 1 ? 0 : parseInt(text.slice(1), 8);
  else if (/^[1-9][0-9]*$/.test(text)) v = Number(text);
  else return undefined;
  if (!Number.isFinite(v) || v > max) return undefined;
  return v;
}

export interface MarkMask {
  readonly mark: number;
  readonly mask: number;
  /** True when the text had an explicit `/mask`. */
  readonly hasMask: boolean;
}

/** `value[/mask]`, both u32 base 0. */
export function parseMarkMask(text: string): MarkMask | undefined {
  const slash = text.indexOf('/');
  const mark = parseUintBase0(slash < 0 ? text : text.slice(0, slash));
  if (mark === undefined) return undefined;
  if (slash < 0) return { mark, mask: U32, hasMask: false };
  const mask = parseUintBase0(text.slice(slash + 1));
  if (mask === undefined) return undefined;
  return { mark, mask, hasMask: true };
}

export function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

/** The mark match's save form: `0x4000` when the mask is all ones, else `0x4000/0x4000`. */
export function formatMarkMatch(mm: MarkMask): string {
  return mm.mask === U32 ? hex(mm.mark) : `${hex(mm.mark)}/${hex(mm.mask)}`;
}

export type MarkTargetOption = '--set-xmark' | '--set-mark' | '--and-mark' | '--or-mark' | '--xor-mark';

/**
 * The kernel's (mark, mask) for one MARK target option, printed by iptables-save as
 * `--set-xmark 0xMARK/0xMASK`. Undefined when iptables rejects the value.
 */
export function markTargetToXmark(option: MarkTargetOption, value: string): { mark: number; mask: number } | undefined {
  if (option === '--set-xmark' || option === '--set-mark') {
    const mm = parseMarkMask(value);
    if (!mm) return undefined;
    if (option === '--set-xmark') return { mark: mm.mark, mask: mm.mask };
    return { mark: mm.mark, mask: (mm.mark | mm.mask) >>> 0 };
  }
  const bits = parseUintBase0(value);
  if (bits === undefined) return undefined;
  if (option === '--and-mark') return { mark: 0, mask: ~bits >>> 0 };
  if (option === '--or-mark') return { mark: bits, mask: bits };
  return { mark: bits, mask: 0 };
}

export function formatXmark(x: { mark: number; mask: number }): string {
  return `${hex(x.mark)}/${hex(x.mask)}`;
}
