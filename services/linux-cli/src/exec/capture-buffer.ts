/**
 * Captured output of one stream, with a byte cap. `head` keeps the first bytes (a command's result), `tail`
 * keeps the latest (a long job's log). Offsets are absolute byte positions in everything the stream produced.
 */
export type CaptureMode = 'head' | 'tail';

export class CaptureBuffer {
  readonly limit: number;
  readonly mode: CaptureMode;
  #chunks: Buffer[] = [];
  #retained = 0;
  /** Absolute offset of the first retained byte. */
  #start = 0;
  /** Bytes the stream produced in all. */
  total = 0;

  constructor(limit: number, mode: CaptureMode) {
    this.limit = limit;
    this.mode = mode;
  }

  get start(): number {
    return this.#start;
  }

  /** Absolute offset just past the last retained byte. */
  get end(): number {
    return this.#start + this.#retained;
  }

  /** Bytes produced but not kept. */
  get dropped(): number {
    return this.total - this.#retained;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.mode === 'head') {
      const room = this.limit - this.#retained;
      if (room <= 0) return;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.#chunks.push(Buffer.from(kept));
      this.#retained += kept.length;
      return;
    }
    this.#chunks.push(Buffer.from(chunk));
    this.#retained += chunk.length;
    while (this.#retained > this.limit) {
      const first = this.#chunks[0] as Buffer;
      const excess = this.#retained - this.limit;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#retained -= first.length;
        this.#start += first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#retained -= excess;
        this.#start += excess;
      }
    }
  }

  /** Up to `maxBytes` retained bytes from `offset` (moved to the window start when it fell out of a tail buffer). */
  slice(offset: number, maxBytes: number): { offset: number; data: Buffer } {
    const from = Math.max(offset, this.#start);
    const to = Math.min(this.end, from + maxBytes);
    if (to <= from) return { offset: from, data: Buffer.alloc(0) };
    const all = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    if (this.#chunks.length > 1) this.#chunks = [all];
    return { offset: from, data: all.subarray(from - this.#start, to - this.#start) };
  }
}
