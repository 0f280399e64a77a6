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

const FIRST_CHUNK = 1 << 14;
const MAX_CHUNK = 1 << 20;

export class LineBuffer {
  /**
   * Full chunks, then the one being written. A list of chunks rather than one array grown by
   * doubling: no copying, and a 12 MB ruleset allocates about 12 MB of buffers instead of ~32 MB
   * (buffers count as external memory, whose growth makes V8 run full garbage collections).
   */
  private readonly full: Uint8Array[] = [];
  private bytes = new Uint8Array(FIRST_CHUNK);
  private length = 0;
  /** Number of lines written. */
  lines = 0;

  /** Makes room for `more` bytes (a line may continue in the next chunk). */
  private reserve(more: number): Uint8Array {
    if (this.length + more > this.bytes.length) {
      this.full.push(this.bytes.subarray(0, this.length));
      this.bytes = new Uint8Array(Math.max(more, Math.min(this.bytes.length * 2, MAX_CHUNK)));
      this.length = 0;
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

  /** The bytes written so far, in order (views, not copies). */
  views(): readonly Uint8Array[] {
    return [...this.full, this.bytes.subarray(0, this.length)];
  }
}

/** Joins text pieces and buffers into one string. */
export function concatText(parts: readonly (string | LineBuffer)[]): string {
  let total = 0;
  const views = parts.flatMap((p) => (typeof p === 'string' ? [encoder.encode(p)] : p.views()));
  for (const v of views) total += v.length;
  const all = new Uint8Array(total);
  let off = 0;
  for (const v of views) {
    all.set(v, off);
    off += v.length;
  }
  return new TextDecoder().decode(all);
}
