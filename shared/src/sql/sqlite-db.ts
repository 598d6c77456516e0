import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { Db, Queryable, SqlValue } from './types.ts';

function bound(params: readonly SqlValue[]): SQLInputValue[] {
  const out = new Array<SQLInputValue>(params.length);
  for (let i = 0; i < params.length; i++) {
    const value = params[i] as SqlValue;
    out[i] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }
  return out;
}

/** Prepared statements are cached by text; a store's statements are a few dozen, dynamic IN lists add some. */
const MAX_STATEMENTS = 500;

/**
 * SQLite through node:sqlite (no native addon), WAL mode, foreign keys on. The driver is synchronous, so every
 * unit of work runs under one async mutex: a transaction's statements never interleave with another call's. When
 * nothing is in progress, work starts at once (no queueing cost for the common single read).
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  readonly label: string;
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();
  #tail: Promise<unknown> | undefined;
  #closed = false;
  #q: Queryable;

  /** `file` is a path (its directory is created) or `:memory:`. */
  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.label = `sqlite ${file}`;
    this.#db = new DatabaseSync(file);
    this.#db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;',
    );
    const statement = (sql: string) => {
      let prepared = this.#statements.get(sql);
      if (!prepared) {
        if (this.#closed) throw new Error(`the database ${this.label} is closed`);
        if (this.#statements.size >= MAX_STATEMENTS) this.#statements.clear();
        prepared = this.#db.prepare(sql);
        this.#statements.set(sql, prepared);
      }
      return prepared;
    };
    this.#q = {
      all: async <T>(sql: string, params: readonly SqlValue[] = []) => statement(sql).all(...bound(params)) as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) => statement(sql).get(...bound(params)) as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) => Number(statement(sql).run(...bound(params)).changes),
    };
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    const next = previous ? previous.then(work, work) : work();
    const settled = next.then(
      () => {},
      () => {},
    );
    this.#tail = settled;
    void settled.then(() => {
      if (this.#tail === settled) this.#tail = undefined;
    });
    return next;
  }

  read<T>(work: (q: Queryable) => Promise<T>): Promise<T> {
    return this.#exclusive(() => work(this.#q));
  }

  write<T>(work: (q: Queryable) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.#q);
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async ping(): Promise<void> {
    await this.read((q) => q.get('SELECT 1 AS ok'));
  }

  async close(): Promise<void> {
    await this.#exclusive(async () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#statements.clear();
      this.#db.close();
    });
  }
}
