/**
 * The SQL surface every Switchboard store is written against, implemented for SQLite (node:sqlite, the embedded
 * default) and PostgreSQL (pg, for replicas). SQL is written once with `?` placeholders; what differs between the
 * two dialects lives in dialect.ts.
 */
export type Dialect = 'sqlite' | 'postgres';

/**
 * A parameter value. Booleans are stored as 1/0 on SQLite (declare the column with `sqlTypes(d).boolean`); bytes
 * are BLOB on SQLite and BYTEA on PostgreSQL.
 */
export type SqlValue = string | number | boolean | null | Uint8Array;

/**
 * Runs statements. Row values come back as the driver gives them: PostgreSQL returns BIGINT and COUNT(*) as
 * strings, so read numbers with `Number(row.n)`; booleans may be 1/0 (SQLite) or true/false (PostgreSQL).
 */
export interface Queryable {
  /** Every row of a query. */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first row of a query, if any. */
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/** A database handle. One per process and database; open it with `openDb`. */
export interface Db {
  readonly dialect: Dialect;
  /** Where it points, safe for logs: `sqlite /path/file.sqlite`, `postgres 127.0.0.1:5432/name` (no password). */
  readonly label: string;
  /**
   * Runs reads. On SQLite serialised with writes (the driver is synchronous, one connection); on PostgreSQL straight
   * from the pool, so two statements of one read may see different snapshots: use `write` when they must agree.
   */
  read<T>(work: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs work in one transaction: all of it commits or none does. On PostgreSQL a serialization failure, deadlock or
   * a lost race on a unique key (40001, 40P01, 23505) runs `work` again from the start (up to 4 times), so `work`
   * must have no effects outside the database. Use only the `q` it is given: calling `read` or `write` on the same
   * Db from inside it waits for itself on SQLite.
   */
  write<T>(work: (q: Queryable) => Promise<T>): Promise<T>;
  /** Throws when the database cannot be reached (readiness checks). */
  ping(): Promise<void>;
  /** Waits for work in progress, then releases the connection(s). */
  close(): Promise<void>;
}
