import type { Redactor } from '@switchboard/shared';
import { type Db, migrate, openDb } from '@switchboard/shared/sql';
import {
  type AuditEntry,
  type AuditRecord,
  type ChainHead,
  ChainVerifier,
  chain,
  GENESIS,
  type VerifyReport,
} from './audit-chain.ts';
import type { AuditPage, AuditQuery, AuditSink } from './audit-sink.ts';

/** Serialises appenders across replicas (pg_advisory_xact_lock), so one chain runs through every replica's records. */
const LOCK = 0x5357_4155; // "SWAU"

/**
 * The audit trail in PostgreSQL (table gateway_audit), for replicas: each append takes a transaction-level advisory
 * lock, reads the head, and inserts its chained records, so the replicas write one chain. Each row keeps the exact
 * line the file would hold (verification is the same), plus indexed columns for the filters.
 */
export class PostgresAuditSink implements AuditSink {
  readonly label: string;
  readonly #url: string;
  readonly #redactor: Redactor;
  #db: Promise<Db> | undefined;

  constructor(url: string, redactor: Redactor) {
    this.#url = url;
    this.#redactor = redactor;
    this.label = 'postgres gateway_audit';
  }

  #open(): Promise<Db> {
    this.#db ??= (async () => {
      const db = await openDb({ url: this.#url, dataDir: '.', defaultFile: 'unused.sqlite', redactor: this.#redactor });
      await migrate(db, {
        name: 'gateway_audit',
        steps: [
          [
            `CREATE TABLE gateway_audit (seq BIGINT PRIMARY KEY, at TEXT NOT NULL, type TEXT NOT NULL, caller TEXT,
               namespace TEXT, tool TEXT, outcome TEXT, correlation_id TEXT, hash TEXT NOT NULL, line TEXT NOT NULL)`,
            'CREATE INDEX gateway_audit_caller ON gateway_audit (caller, seq)',
            'CREATE INDEX gateway_audit_tool ON gateway_audit (namespace, tool, seq)',
            'CREATE INDEX gateway_audit_correlation ON gateway_audit (correlation_id)',
          ],
        ],
      });
      return db;
    })();
    this.#db.catch(() => {
      this.#db = undefined;
    });
    return this.#db;
  }

  async append(entries: readonly AuditEntry[]): Promise<ChainHead> {
    const db = await this.#open();
    return db.write(async (q) => {
      await q.get('SELECT pg_advisory_xact_lock(?)', [LOCK]);
      const last = await q.get<{ seq: string | number; hash: string }>(
        'SELECT seq, hash FROM gateway_audit ORDER BY seq DESC LIMIT 1',
      );
      const head = last ? { seq: Number(last.seq), hash: last.hash } : GENESIS;
      const { lines, head: next } = chain(entries, head);
      for (const { seq, hash, line, entry, at } of lines) {
        await q.run(
          `INSERT INTO gateway_audit (seq, at, type, caller, namespace, tool, outcome, correlation_id, hash, line)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            seq,
            at,
            entry.type,
            entry.caller ?? null,
            entry.namespace ?? null,
            entry.tool ?? null,
            entry.outcome ?? null,
            entry.correlationId ?? null,
            hash,
            line,
          ],
        );
      }
      return next;
    });
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const db = await this.#open();
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (sql: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(sql);
      params.push(value);
    };
    add('type = ?', query.type);
    add('caller = ?', query.caller);
    add('namespace = ?', query.namespace);
    add('tool = ?', query.tool);
    add('outcome = ?', query.outcome);
    add('correlation_id = ?', query.correlationId);
    add('at >= ?', query.since);
    add('at <= ?', query.until);
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return db.read(async (q) => {
      const count = await q.get<{ n: string | number }>(`SELECT COUNT(*) AS n FROM gateway_audit ${filter}`, params);
      const before = query.beforeSeq === undefined ? '' : `${filter ? ' AND' : 'WHERE'} seq < ?`;
      const rows = await q.all<{ line: string }>(`SELECT line FROM gateway_audit ${filter}${before} ORDER BY seq DESC LIMIT ?`, [
        ...params,
        ...(query.beforeSeq === undefined ? [] : [query.beforeSeq]),
        query.limit + 1,
      ]);
      const records = rows.map((r) => JSON.parse(r.line) as AuditRecord);
      const hasMore = records.length > query.limit;
      return { records: records.slice(0, query.limit), total: Number(count?.n ?? 0), hasMore };
    });
  }

  async verify(): Promise<VerifyReport> {
    const db = await this.#open();
    const verifier = new ChainVerifier();
    const PAGE = 5000;
    let after = 0;
    for (;;) {
      const rows = await db.read((q) =>
        q.all<{ seq: string | number; line: string }>('SELECT seq, line FROM gateway_audit WHERE seq > ? ORDER BY seq LIMIT ?', [
          after,
          PAGE,
        ]),
      );
      for (const row of rows) verifier.add(row.line);
      if (rows.length < PAGE) break;
      after = Number(rows[rows.length - 1]?.seq);
    }
    return verifier.report();
  }

  async close(): Promise<void> {
    const db = await this.#db?.catch(() => undefined);
    await db?.close();
    this.#db = undefined;
  }
}
