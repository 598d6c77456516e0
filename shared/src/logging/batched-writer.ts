import { write, writeSync } from 'node:fs';

const FLUSH_BYTES = 64 * 1024;
const FLUSH_EVERY_MS = 250;
const RETRY_MS = 20;

/**
 * A log destination for a file descriptor that writes in batches: lines are collected and written together
 * (one write per 64 KB or per 250 ms, whichever comes first), so a busy process does not pay a syscall and a
 * string copy per log line. What is pending is written synchronously when the process exits.
 */
export class BatchedWriter {
  readonly #fd: number;
  #lines: string[] = [];
  #size = 0;
  #writing = false;

  constructor(fd: number) {
    this.#fd = fd;
    setInterval(() => this.flush(), FLUSH_EVERY_MS).unref();
    process.once('exit', () => this.flushSync());
  }

  write(line: string): boolean {
    this.#lines.push(line);
    this.#size += line.length;
    if (this.#size >= FLUSH_BYTES) this.flush();
    return true;
  }

  flush(): void {
    if (this.#writing || this.#lines.length === 0) return;
    const text = this.#lines.join('');
    this.#lines = [];
    this.#size = 0;
    this.#writing = true;
    write(this.#fd, text, (error, written) => {
      this.#writing = false;
      if (error && (error as NodeJS.ErrnoException).code === 'EAGAIN') {
        this.#requeue(text);
        setTimeout(() => this.flush(), RETRY_MS).unref();
        return;
      }
      if (!error && written < Buffer.byteLength(text)) this.#requeue(Buffer.from(text).subarray(written).toString());
      if (this.#size >= FLUSH_BYTES) this.flush();
    });
  }

  #requeue(text: string): void {
    this.#lines.unshift(text);
    this.#size += text.length;
  }

  flushSync(): void {
    const text = this.#lines.join('');
    this.#lines = [];
    this.#size = 0;
    if (!text) return;
    try {
      writeSync(this.#fd, text);
    } catch {}
  }
}
