import { ToolError } from '@switchboard/shared';
import pg from 'pg';
import type { Db, Queryable, SqlValue } from './db.ts';

const RETRYABLE_IN_TRANSACTION = new Set(['40001', '40P01', '23505']);
const MAX_ATTEMPTS = 4;

/** Rewrites `?` placeholders as `$1..$n` (our SQL never has a `?` inside a literal). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await client.query(numbered(sql), params as SqlValue[])).rows as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await client.query(numbered(sql), params as SqlValue[])).rows[0] as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []) =>
      (await client.query(numbered(sql), params as SqlValue[])).rowCount ?? 0,
  };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
]);

/** Turns "the database is not there" into DEPENDENCY_UNAVAILABLE (retryable); other errors pass unchanged. */
function unavailable(error: unknown): unknown {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error)?.message ?? '';
  if (
    CONNECTION_CODES.has(code) ||
    code.startsWith('08') ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(message)
  ) {
    return new ToolError('DEPENDENCY_UNAVAILABLE', `the PostgreSQL database is not reachable (${code || message})`, {
      cause: error,
    });
  }
  return error;
}

/**
 * PostgreSQL through a pg pool. A write is one transaction; a serialization failure, deadlock or a lost race on
 * a unique key (two upserts of the same new item) is retried from the start, so callers see one clean outcome.
 */
export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  #pool: pg.Pool;
  #q: Queryable;

  constructor(connectionString: string, poolSize: number) {
    this.#pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 5000 });
    this.#pool.on('error', () => {});
    this.#q = queryable(this.#pool);
  }

  async read<T>(work: (q: Queryable) => Promise<T>): Promise<T> {
    try {
      return await work(this.#q);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async write<T>(work: (q: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect().catch((error: unknown) => {
        throw unavailable(error);
      });
      try {
        await client.query('BEGIN');
        const result = await work(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        const code = (error as { code?: string }).code;
        if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE_IN_TRANSACTION.has(code)) throw unavailable(error);
      } finally {
        client.release();
      }
    }
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
