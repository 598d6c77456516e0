import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, readSync, write, writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type AuditEntry,
  type AuditRecord,
  type ChainHead,
  ChainVerifier,
  encodeRecord,
  GENESIS,
  type VerifyReport,
} from './audit-chain.ts';
import { type AuditPage, type AuditQuery, type AuditSink, matches } from './audit-sink.ts';

const TAIL_BYTES = 256 * 1024;

/** Every line of a file, in order (nothing when it does not exist). */
async function* linesOf(path: string): AsyncGenerator<string> {
  try {
    await stat(path);
  } catch {
    return;
  }
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) yield line;
}

/** The chain head of an existing trail: the last complete record (a line cut off by a crash is left for verify to report). */
function readHead(fd: number): { head: ChainHead; endsWithNewline: boolean } {
  const { size } = fstatSync(fd);
  if (size === 0) return { head: GENESIS, endsWithNewline: true };
  const length = Math.min(size, TAIL_BYTES);
  const buffer = Buffer.alloc(length);
  readSync(fd, buffer, 0, length, size - length);
  const text = buffer.toString('utf8');
  const endsWithNewline = text.endsWith('\n');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (!endsWithNewline) lines.pop();
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const record = JSON.parse(lines[i] as string) as AuditRecord;
      if (typeof record.seq === 'number' && typeof record.hash === 'string') {
        return { head: { seq: record.seq, hash: record.hash }, endsWithNewline };
      }
    } catch {}
  }
  return { head: GENESIS, endsWithNewline };
}

/**
 * The audit trail as a JSONL file (one record per line, append-only). It is opened at start (synchronously: a trail
 * that cannot be opened stops start-up) for appending only, and the chain continues from its last record. Records
 * are chained as they are made (`encode`: no object outlives the call) and written in batches.
 */
export class FileAuditSink implements AuditSink {
  readonly label: string;
  readonly #path: string;
  #fd: number | undefined;
  #head: ChainHead = GENESIS;

  constructor(path: string, options: { readOnly?: boolean } = {}) {
    this.#path = path;
    this.label = `file ${path}`;
    if (options.readOnly) return;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, 'a+', 0o600);
    const { head, endsWithNewline } = readHead(fd);
    if (!endsWithNewline) writeSync(fd, '\n');
    this.#head = head;
    this.#fd = fd;
  }

  /** Numbers and chains one entry now; the line (with its newline) is for `write`. */
  encode(entry: AuditEntry, at: string = new Date().toISOString()): string {
    const { line, head } = encodeRecord(entry, this.#head, at);
    this.#head = head;
    return `${line}\n`;
  }

  /** Appends encoded lines. */
  write(text: string): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return Promise.reject(new Error('the audit trail is closed'));
    return new Promise((resolve, reject) => {
      write(fd, text, (error, written) => {
        if (error) reject(error);
        else if (written < Buffer.byteLength(text)) reject(new Error(`short write (${written} bytes)`));
        else resolve();
      });
    });
  }

  writeSync(text: string): void {
    if (this.#fd !== undefined && text) writeSync(this.#fd, text);
  }

  async append(entries: readonly AuditEntry[]): Promise<ChainHead> {
    let text = '';
    for (const entry of entries) text += this.encode(entry);
    await this.write(text);
    return this.#head;
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const kept: AuditRecord[] = [];
    let total = 0;
    for await (const line of linesOf(this.#path)) {
      let record: AuditRecord;
      try {
        record = JSON.parse(line) as AuditRecord;
      } catch {
        continue;
      }
      if (!matches(record, query)) continue;
      total += 1;
      if (query.beforeSeq !== undefined && record.seq >= query.beforeSeq) continue;
      kept.push(record);
      if (kept.length > query.limit + 1) kept.shift();
    }
    const hasMore = kept.length > query.limit;
    return { records: kept.slice(hasMore ? 1 : 0).reverse(), total, hasMore };
  }

  async verify(): Promise<VerifyReport> {
    const verifier = new ChainVerifier();
    for await (const line of linesOf(this.#path)) verifier.add(line);
    return verifier.report();
  }

  async close(): Promise<void> {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
