import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type AuditEntry,
  type AuditRecord,
  type ChainHead,
  ChainVerifier,
  chain,
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
async function readHead(handle: FileHandle): Promise<{ head: ChainHead; endsWithNewline: boolean }> {
  const { size } = await handle.stat();
  if (size === 0) return { head: GENESIS, endsWithNewline: true };
  const length = Math.min(size, TAIL_BYTES);
  const buffer = Buffer.alloc(length);
  await handle.read(buffer, 0, length, size - length);
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
 * The audit trail as a JSONL file (one record per line, append-only). The file is opened for appending only; the
 * chain continues from its last record after a restart.
 */
export class FileAuditSink implements AuditSink {
  readonly label: string;
  readonly #path: string;
  #handle: FileHandle | undefined;
  #head: ChainHead = GENESIS;
  #opening: Promise<void> | undefined;

  constructor(path: string) {
    this.#path = path;
    this.label = `file ${path}`;
  }

  #open(): Promise<void> {
    this.#opening ??= (async () => {
      await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
      const handle = await open(this.#path, 'a+', 0o600);
      const { head, endsWithNewline } = await readHead(handle);
      if (!endsWithNewline) await handle.write('\n');
      this.#head = head;
      this.#handle = handle;
    })();
    this.#opening.catch(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async append(entries: readonly AuditEntry[]): Promise<ChainHead> {
    await this.#open();
    const { lines, head } = chain(entries, this.#head);
    let text = '';
    for (const { line } of lines) text += `${line}\n`;
    await (this.#handle as FileHandle).write(text);
    this.#head = head;
    return head;
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
    await this.#opening?.catch(() => {});
    await this.#handle?.close();
    this.#handle = undefined;
    this.#opening = undefined;
  }
}
