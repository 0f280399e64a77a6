/**
 * An append-only text buffer of lines (kube-proxy's LineBuffer). Lines are copied into a growing
 * byte array as they are written, so a ruleset of hundreds of thousands of lines does not keep as
 * many live strings around for the garbage collector to copy.
 */
const encoder = new TextEncoder();

export class LineBuffer {
  private bytes = new Uint8Array(1 << 16);
  private length = 0;
  /** Number of lines written. */
  lines = 0;

  write(line: string): void {
    const need = this.length + line.length * 3 + 1;
    if (need > this.bytes.length) {
      const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    const b = this.bytes;
    let n = this.length;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c > 0x7f) {
        n += encoder.encodeInto(line.slice(i), b.subarray(n)).written;
        break;
      }
      b[n++] = c;
    }
    b[n++] = 10;
    this.length = n;
    this.lines++;
  }

  /** The bytes written so far (a view, not a copy). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** Joins text pieces and buffers into one string. */
export function concatText(parts: readonly (string | LineBuffer)[]): string {
  let total = 0;
  const views = parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : p.view()));
  for (const v of views) total += v.length;
  const all = new Uint8Array(total);
  let off = 0;
  for (const v of views) {
    all.set(v, off);
    off += v.length;
  }
  return new TextDecoder().decode(all);
}
