/**
 * The small SQL surface the CMDB store needs, implemented by SQLite (embedded default) and PostgreSQL. SQL is
 * written once with `?` placeholders; dialect differences are the few expressions below.
 */
export type Dialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | null;

export interface Queryable {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Db {
  readonly dialect: Dialect;
  /** Runs reads; on SQLite serialised with writes, on PostgreSQL from the pool. */
  read<T>(work: (q: Queryable) => Promise<T>): Promise<T>;
  /** Runs work in one transaction: all of it commits or none does. */
  write<T>(work: (q: Queryable) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Matches CIs whose attribute `key` equals any of `values`. SQLite compares the JSON text of the attribute;
 * PostgreSQL uses JSONB containment, which its GIN index serves.
 */
export function attributeMatch(
  dialect: Dialect,
  key: string,
  values: readonly (string | number | boolean)[],
): { sql: string; params: SqlValue[] } {
  if (dialect === 'sqlite') {
    return {
      sql: `ci.attributes -> ? IN (${values.map(() => '?').join(', ')})`,
      params: [`$."${key}"`, ...values.map((v) => JSON.stringify(v))],
    };
  }
  return {
    sql: `(${values.map(() => 'ci.attributes @> ?::jsonb').join(' OR ')})`,
    params: values.map((v) => JSON.stringify({ [key]: v })),
  };
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
