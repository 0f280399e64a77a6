/**
 * An append-only text buffer of lines (kube-proxy's LineBuffer). Lines are copied into a growing
 * byte array as they are written, so a ruleset of hundreds of thousands of lines does not keep as
 * many live strings around for the garbage collector to copy.
 *
 * Hot paths build a line from pieces (`add(...)` then `end()`) instead of a template string: a
 * template literal makes a chain of cons strings that reading them char by char flattens into yet
 * another copy, while each piece here is usually a constant or a per-service-port string that
 * already exists.
 */
const encoder = new TextEncoder();

export class LineBuffer {
  private bytes = new Uint8Array(1 << 16);
  private length = 0;
  /** Number of lines written. */
  lines = 0;

  /** Makes room for `more` bytes. */
  private reserve(more: number): Uint8Array {
    const need = this.length + more;
    if (need > this.bytes.length) {
      const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    return this.bytes;
  }

  /** Appends a piece of the current line (UTF-8). */
  add(piece: string): this {
    const b = this.reserve(piece.length * 3);
    let n = this.length;
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (c > 0x7f) {
        n += encoder.encodeInto(piece.slice(i), b.subarray(n)).written;
        break;
      }
      b[n++] = c;
    }
    this.length = n;
    return this;
  }

  /** Appends a non-negative integer's decimal digits (no string made for it). */
  addUint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) return this.add(String(value));
    const b = this.reserve(16);
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    let n = this.length + digits;
    this.length = n;
    let v = value;
    do {
      b[--n] = 48 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
    return this;
  }

  /** Ends the current line. */
  end(): void {
    this.reserve(1)[this.length++] = 10;
    this.lines++;
  }

  /** Writes a whole line. */
  write(line: string): void {
    this.add(line).end();
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
