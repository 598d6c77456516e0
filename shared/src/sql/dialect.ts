import { createHash } from 'node:crypto';
import type { Dialect, SqlValue } from './types.ts';

/**
 * Every difference between the two dialects that a store needs, in one place. Everything else (placeholders `?`,
 * `INSERT ... ON CONFLICT ... DO UPDATE SET c = excluded.c`, `RETURNING`, `LIKE ... ESCAPE`, row values such as
 * `(a, b) > (?, ?)`, `IN (?, ?)`) is written the same for both.
 */
export interface SqlTypes {
  /** An auto-incrementing integer primary key column: `seq ${t.autoId}`. */
  autoId: string;
  /** A 64-bit integer (milliseconds since the epoch, counters). */
  bigint: string;
  /** A boolean column; pass true/false as parameters either way. */
  boolean: string;
  /** A JSON document column: JSONB on PostgreSQL (indexable, `@>`), TEXT on SQLite. */
  json: string;
  /** Bytes (vectors, sealed values): BYTEA or BLOB. */
  bytes: string;
}

const TYPES: Record<Dialect, SqlTypes> = {
  sqlite: { autoId: 'INTEGER PRIMARY KEY AUTOINCREMENT', bigint: 'INTEGER', boolean: 'INTEGER', json: 'TEXT', bytes: 'BLOB' },
  postgres: { autoId: 'BIGSERIAL PRIMARY KEY', bigint: 'BIGINT', boolean: 'BOOLEAN', json: 'JSONB', bytes: 'BYTEA' },
};

/** Column types for CREATE TABLE. */
export function sqlTypes(dialect: Dialect): SqlTypes {
  return TYPES[dialect];
}

/**
 * A row-locking suffix for a SELECT inside `write` that reads rows it is about to change (` FOR UPDATE`) or must
 * keep from changing until commit (` FOR SHARE`). Empty on SQLite, whose writes are serialised anyway.
 */
export function lockRows(dialect: Dialect, mode: 'update' | 'share'): string {
  if (dialect === 'sqlite') return '';
  return mode === 'update' ? ' FOR UPDATE' : ' FOR SHARE';
}

/** `?, ?, ?` for n values (for `IN (...)` and VALUES lists). */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** Escapes `%`, `_` and `\` for `LIKE ? ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A condition matching rows whose JSON column `column` has top-level `key` equal to any of `values`. SQLite
 * compares the JSON text of the field; PostgreSQL uses JSONB containment, which a GIN index serves.
 */
export function jsonFieldIn(
  dialect: Dialect,
  column: string,
  key: string,
  values: readonly (string | number | boolean)[],
): { sql: string; params: SqlValue[] } {
  if (dialect === 'sqlite') {
    return {
      sql: `${column} -> ? IN (${placeholders(values.length)})`,
      params: [`$."${key.replace(/["\\]/g, (c) => `\\${c}`)}"`, ...values.map((v) => JSON.stringify(v))],
    };
  }
  return {
    sql: `(${values.map(() => `${column} @> ?::jsonb`).join(' OR ')})`,
    params: values.map((v) => JSON.stringify({ [key]: v })),
  };
}

/**
 * The statement that serialises migrations of one package between processes starting together, run first inside
 * the migration's transaction: a transaction-scoped advisory lock on PostgreSQL; nothing on SQLite, where the
 * transaction (BEGIN IMMEDIATE) holds the write lock already.
 */
export function migrationLock(dialect: Dialect, name: string): { sql: string; params: SqlValue[] } | undefined {
  if (dialect === 'sqlite') return undefined;
  const key = createHash('sha256').update(`switchboard-migrations:${name}`).digest().readInt32BE(0);
  return { sql: 'SELECT pg_advisory_xact_lock(?)', params: [key] };
}
