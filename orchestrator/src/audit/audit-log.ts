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
 * The gateway's one audit trail. `record` is synchronous and cheap (the hot path calls it once per tool call):
 * entries queue and are written in batches, one write in flight at a time, each batch chained by the sink. A failing
 * sink is logged and retried with the next batch; past MAX_QUEUE entries the oldest are dropped and the drop is
 * itself recorded, so a gap is never silent.
 */
export class AuditLog {
  readonly #sink: AuditSink | undefined;
  readonly #log: Logger;
  readonly #redactor: Redactor;
  #queue: AuditEntry[] = [];
  #writing: Promise<void> | undefined;
  #scheduled = false;
  #dropped = 0;
  #closed = false;
  /** After a failed write the next waits this long (doubling to 30 s); 0 after a success. */
  #retryMs = 0;

  constructor(config: AuditConfig, log: Logger, redactor: Redactor) {
    this.#log = log;
    this.#redactor = redactor;
    this.#sink = !config.enabled
      ? undefined
      : config.databaseUrl
        ? new PostgresAuditSink(config.databaseUrl, redactor)
        : new FileAuditSink(config.file as string);
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
    entry.at ??= new Date().toISOString();
    if (this.#queue.length >= MAX_QUEUE) {
      this.#queue.shift();
      this.#dropped += 1;
    }
    this.#queue.push(entry);
    if (!this.#scheduled && !this.#writing) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  #drain(): void {
    this.#scheduled = false;
    if (this.#writing || this.#queue.length === 0 || !this.#sink) return;
    const batch = this.#queue;
    this.#queue = [];
    if (this.#dropped > 0) {
      batch.unshift({
        type: 'policy',
        outcome: 'audit_dropped',
        detail: { dropped: this.#dropped },
        at: new Date().toISOString(),
      });
      this.#dropped = 0;
    }
    const sink = this.#sink;
    this.#writing = sink
      .append(batch)
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
        if (this.#queue.length > 0 && !this.#closed) setTimeout(() => this.#drain(), this.#retryMs).unref();
      });
  }

  /** Resolves once everything recorded so far is written (or the sink failed on it). */
  async flush(): Promise<void> {
    for (let i = 0; i < 100 && (this.#queue.length > 0 || this.#writing || this.#scheduled); i++) {
      if (this.#writing) await this.#writing;
      else this.#drain();
      await new Promise((resolve) => setImmediate(resolve));
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
    this.#closed = true;
    await this.#sink?.close();
  }
}
