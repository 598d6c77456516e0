import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Db, Queryable, SqlValue } from './db.ts';

/**
 * SQLite through node:sqlite (no native addon). The driver is synchronous, so every unit of work runs under
 * one async mutex: a transaction's statements can never interleave with another call's.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();
  #queue: Promise<unknown> = Promise.resolve();
  #q: Queryable;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new DatabaseSync(file);
    this.#db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;',
    );
    const statement = (sql: string) => {
      let prepared = this.#statements.get(sql);
      if (!prepared) {
        prepared = this.#db.prepare(sql);
        this.#statements.set(sql, prepared);
      }
      return prepared;
    };
    this.#q = {
      all: async <T>(sql: string, params: readonly SqlValue[] = []) => statement(sql).all(...params) as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) => statement(sql).get(...params) as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) => Number(statement(sql).run(...params).changes),
    };
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => {});
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
        this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async ping(): Promise<void> {
    await this.read((q) => q.get('SELECT 1 AS ok'));
  }

  async close(): Promise<void> {
    await this.#exclusive(async () => this.#db.close());
  }
}
