import { hash } from 'node:crypto';
import type { Logger, Redactor } from '@switchboard/shared';
import type { AuditConfig } from '../config.ts';
import { canonicalJson } from '../pins/definition-hash.ts';
import type { AuditEntry, VerifyReport } from './audit-chain.ts';
import type { AuditPage, AuditQuery, AuditSink } from './audit-sink.ts';
import { FileAuditSink } from './file-sink.ts';
import { PostgresAuditSink } from './postgres-sink.ts';

const MAX_QUEUE = 100_000;
/**
 * Records wait this long (or until BATCH records queue) before they are written, as the kit's log lines do. A write
 * per call would cost more CPU than the rest of a proxied call (a thread-pool round trip and a syscall each: measured
 * 0.15-0.2 ms per call at concurrency 1, the orchestrator's whole budget); fewer, larger writes cost least. What a
 * crash can lose is the last quarter second (SIGTERM and a normal exit write everything).
 */
const FLUSH_MS = 250;
const BATCH = 5000;

/**
 * The gateway's one audit trail. `record` is synchronous and cheap (the hot path calls it once per tool call):
 * entries queue and are written in batches, one write in flight at a time, each batch chained by the sink. A failing
 * sink is logged and retried with the next batch; past MAX_QUEUE entries the oldest are dropped and the drop is
 * itself recorded, so a gap is never silent.
 */
/** `new Date().toISOString()` once per millisecond at most (a proxied call stamps its record on the hot path). */
let stampMs = 0;
let stamp = '';
function now(): string {
  const ms = Date.now();
  if (ms !== stampMs) {
    stampMs = ms;
    stamp = new Date(ms).toISOString();
  }
  return stamp;
}

/** File trails still open: what they have queued is written when the process exits. */
const OPEN = new Set<{ flushSync(): void }>();
process.once('exit', () => {
  for (const log of OPEN) log.flushSync();
});

export class AuditLog {
  readonly #sink: AuditSink | undefined;
  /** The file sink chains each record as it is made: the queue then holds finished lines, not objects. */
  readonly #file: FileAuditSink | undefined;
  readonly #log: Logger;
  readonly #redactor: Redactor;
  #queue: (AuditEntry | string)[] = [];
  #writing: Promise<void> | undefined;
  #scheduled = false;
  #dropped = 0;
  #closed = false;
  /** After a failed write the next waits this long (doubling to 30 s); 0 after a success. */
  #retryMs = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(config: AuditConfig, log: Logger, redactor: Redactor) {
    this.#log = log;
    this.#redactor = redactor;
    if (!config.enabled) return;
    if (config.databaseUrl) {
      this.#sink = new PostgresAuditSink(config.databaseUrl, redactor);
    } else {
      this.#file = new FileAuditSink(config.file as string);
      this.#sink = this.#file;
      OPEN.add(this);
    }
  }

  /** Writes what is queued, synchronously (the process is exiting). */
  flushSync(): void {
    try {
      this.#file?.writeSync(this.#queue.filter((item): item is string => typeof item === 'string').join(''));
      this.#queue = [];
    } catch {}
  }

  get enabled(): boolean {
    return this.#sink !== undefined;
  }

  get label(): string {
    return this.#sink?.label ?? 'disabled';
  }

  /** The hash the trail keeps of a call's arguments: sha256 of their redacted canonical JSON. */
  argsHash(args: unknown): string {
    if (args === undefined) return '';
    return hash('sha256', canonicalJson(this.#redactor.redact(args)), 'hex');
  }

  record(entry: AuditEntry): void {
    if (!this.#sink || this.#closed) return;
    if (this.#queue.length >= MAX_QUEUE) {
      this.#queue.shift();
      this.#dropped += 1;
    }
    if (this.#file) this.#queue.push(this.#file.encode(entry, now()));
    else {
      entry.at ??= now();
      this.#queue.push(entry);
    }
    if (this.#writing) return;
    if (this.#queue.length >= BATCH) {
      clearTimeout(this.#timer);
      this.#drain();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      this.#timer = setTimeout(() => this.#drain(), FLUSH_MS);
      this.#timer.unref();
    }
  }

  #drain(): void {
    this.#scheduled = false;
    this.#timer = undefined;
    if (this.#writing || this.#queue.length === 0 || !this.#sink) return;
    if (this.#dropped > 0) {
      // The records dropped leave a gap in the chain, which verify reports; this record says why.
      const marker: AuditEntry = { type: 'policy', outcome: 'audit_dropped', detail: { dropped: this.#dropped }, at: now() };
      this.#queue.push(this.#file ? this.#file.encode(marker, now()) : marker);
      this.#dropped = 0;
    }
    const batch = this.#queue;
    this.#queue = [];
    const sink = this.#sink;
    const file = this.#file;
    const written = file ? file.write((batch as string[]).join('')) : sink.append(batch as AuditEntry[]).then(() => {});
    this.#writing = written
      .then(
        () => {
          this.#retryMs = 0;
        },
        (error: Error) => {
          this.#retryMs = Math.min(30_000, Math.max(500, this.#retryMs * 2));
          this.#log.error(
            { err: error, sink: sink.label, entries: batch.length },
            `cannot write the audit trail: ${error.message}`,
          );
          this.#queue = [...batch, ...this.#queue].slice(-MAX_QUEUE);
        },
      )
      .finally(() => {
        this.#writing = undefined;
        if (this.#queue.length > 0 && !this.#closed && !this.#scheduled) {
          this.#scheduled = true;
          this.#timer = setTimeout(() => this.#drain(), this.#retryMs || FLUSH_MS);
          this.#timer.unref();
        }
      });
  }

  /** Resolves once everything recorded so far is written (or the sink failed on it). */
  async flush(): Promise<void> {
    for (let i = 0; i < 100 && (this.#queue.length > 0 || this.#writing); i++) {
      if (this.#writing) await this.#writing;
      else {
        clearTimeout(this.#timer);
        this.#drain();
      }
    }
  }

  query(query: AuditQuery): Promise<AuditPage> {
    if (!this.#sink) return Promise.resolve({ records: [], total: 0, hasMore: false });
    return this.flush().then(() => (this.#sink as AuditSink).query(query));
  }

  verify(): Promise<VerifyReport> {
    if (!this.#sink) return Promise.resolve({ ok: true, records: 0, head: { seq: 0, hash: '' }, problems: [] });
    return this.flush().then(() => (this.#sink as AuditSink).verify());
  }

  async close(): Promise<void> {
    await this.flush();
    OPEN.delete(this);
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#sink?.close();
  }
}
