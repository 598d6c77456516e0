import { randomUUID } from 'node:crypto';
import { sqlTypes } from '../sql/dialect.ts';
import { type MigrationSpec, migrate } from '../sql/migrate.ts';
import type { Db, Dialect, Queryable } from '../sql/types.ts';

/** Who asked, for what: a stored outcome is found again only by the same service, caller, tool and key. */
export interface IdempotencyScope {
  service: string;
  caller: string;
  tool: string;
  key: string;
}

/** What the first call produced: its result, or the (non-retryable) error it ended with. */
export type StoredOutcome =
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; error: { code: string; message: string; retryable: boolean; details?: Record<string, unknown> } };

export type Claim =
  /** Nobody had this key (or its record expired, or its owner stopped heartbeating): run the work. */
  | { state: 'claimed' }
  /** The first call finished: this is its outcome. */
  | { state: 'done'; outcome: StoredOutcome }
  /** The first call is still running (its owner heartbeats): wait and ask again. */
  | { state: 'running' }
  /** The key was used with other arguments. */
  | { state: 'conflict' };

interface Row {
  fingerprint: string;
  state: string;
  outcome: string | null;
  owner: string;
  heartbeat_at: number | string;
  expires_at: number | string;
}

export function idempotencyMigrations(dialect: Dialect): MigrationSpec {
  const t = sqlTypes(dialect);
  return {
    name: 'kit_idempotency',
    steps: [
      [
        `CREATE TABLE kit_idempotency (
          service TEXT NOT NULL,
          caller TEXT NOT NULL,
          tool TEXT NOT NULL,
          key TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          state TEXT NOT NULL,
          outcome TEXT,
          owner TEXT NOT NULL,
          created_at ${t.bigint} NOT NULL,
          heartbeat_at ${t.bigint} NOT NULL,
          expires_at ${t.bigint} NOT NULL,
          PRIMARY KEY (service, caller, tool, key)
        )`,
        'CREATE INDEX kit_idempotency_expiry ON kit_idempotency (expires_at)',
      ],
    ],
  };
}

export interface IdempotencyStoreOptions {
  /** The database (opened on first use; a failure is retried on the next call). */
  db: () => Promise<Db>;
  /** How long a finished call's outcome is kept and served to repeats. */
  retentionMs: number;
  /** A running call whose owner has not heartbeaten for this long is taken over (its process died). */
  staleMs?: number;
  now?: () => number;
}

const KEY = 'service = ? AND caller = ? AND tool = ? AND key = ?';
const PURGE_EVERY_MS = 5 * 60 * 1000;

function scopeParams(scope: IdempotencyScope): string[] {
  return [scope.service, scope.caller, scope.tool, scope.key];
}

/**
 * The records behind ctx.idempotent, in the SQL layer (table kit_idempotency). A call claims its key in one
 * transaction (insert, or take over an expired or abandoned record); while it runs, its owner heartbeats; its
 * outcome is then stored for the retention window. Repeats read the outcome, or wait while the first runs.
 */
export class IdempotencyStore {
  /** This process's identity as the owner of running records. */
  readonly owner = randomUUID();
  readonly retentionMs: number;
  readonly staleMs: number;
  readonly #db: () => Promise<Db>;
  readonly #now: () => number;
  #ready: Promise<Db> | undefined;
  #lastPurge = 0;

  constructor(options: IdempotencyStoreOptions) {
    this.#db = options.db;
    this.retentionMs = options.retentionMs;
    this.staleMs = options.staleMs ?? 15_000;
    this.#now = options.now ?? Date.now;
  }

  async #database(): Promise<Db> {
    this.#ready ??= (async () => {
      const db = await this.#db();
      await migrate(db, idempotencyMigrations(db.dialect));
      return db;
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /** Claims the key for this owner, or says what the first call with it did or is doing. */
  async claim(scope: IdempotencyScope, fingerprint: string): Promise<Claim> {
    const db = await this.#database();
    const now = this.#now();
    const claim = await db.write(async (q): Promise<Claim> => {
      const row = await q.get<Row>(
        `SELECT fingerprint, state, outcome, owner, heartbeat_at, expires_at FROM kit_idempotency WHERE ${KEY}`,
        scopeParams(scope),
      );
      if (!row) {
        await this.#insert(q, scope, fingerprint, now);
        return { state: 'claimed' };
      }
      const expired = row.state === 'done' && Number(row.expires_at) <= now;
      const abandoned = row.state === 'running' && row.owner !== this.owner && Number(row.heartbeat_at) + this.staleMs <= now;
      if (expired) {
        await q.run(`DELETE FROM kit_idempotency WHERE ${KEY}`, scopeParams(scope));
        await this.#insert(q, scope, fingerprint, now);
        return { state: 'claimed' };
      }
      if (row.fingerprint !== fingerprint) return { state: 'conflict' };
      if (row.state === 'done') return { state: 'done', outcome: JSON.parse(String(row.outcome)) as StoredOutcome };
      if (abandoned) {
        await q.run(`UPDATE kit_idempotency SET owner = ?, heartbeat_at = ? WHERE ${KEY}`, [
          this.owner,
          now,
          ...scopeParams(scope),
        ]);
        return { state: 'claimed' };
      }
      return { state: 'running' };
    });
    if (now - this.#lastPurge > PURGE_EVERY_MS) {
      this.#lastPurge = now;
      void db.write((q) => q.run("DELETE FROM kit_idempotency WHERE state = 'done' AND expires_at <= ?", [now])).catch(() => {});
    }
    return claim;
  }

  async #insert(q: Queryable, scope: IdempotencyScope, fingerprint: string, now: number): Promise<void> {
    await q.run(
      `INSERT INTO kit_idempotency (service, caller, tool, key, fingerprint, state, owner, created_at, heartbeat_at, expires_at)
       VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
      [...scopeParams(scope), fingerprint, this.owner, now, now, now + this.retentionMs],
    );
  }

  /** Keeps this owner's running record alive. */
  async heartbeat(scope: IdempotencyScope): Promise<void> {
    const db = await this.#database();
    await db.write((q) =>
      q.run(`UPDATE kit_idempotency SET heartbeat_at = ? WHERE ${KEY} AND owner = ? AND state = 'running'`, [
        this.#now(),
        ...scopeParams(scope),
        this.owner,
      ]),
    );
  }

  /** Stores the outcome of this owner's call; repeats within the retention window get it. */
  async finish(scope: IdempotencyScope, outcome: StoredOutcome): Promise<void> {
    const db = await this.#database();
    const now = this.#now();
    await db.write((q) =>
      q.run(
        `UPDATE kit_idempotency SET state = 'done', outcome = ?, heartbeat_at = ?, expires_at = ? WHERE ${KEY} AND owner = ?`,
        [JSON.stringify(outcome), now, now + this.retentionMs, ...scopeParams(scope), this.owner],
      ),
    );
  }

  /** Gives the key up (the call failed in a way a retry may fix): the next call with it runs anew. */
  async release(scope: IdempotencyScope): Promise<void> {
    const db = await this.#database();
    await db.write((q) =>
      q.run(`DELETE FROM kit_idempotency WHERE ${KEY} AND owner = ? AND state = 'running'`, [...scopeParams(scope), this.owner]),
    );
  }
}
