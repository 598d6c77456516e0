import pg from 'pg';
import { ToolError } from '../errors.ts';
import type { Db, Queryable, SqlValue } from './types.ts';

const RETRYABLE_IN_TRANSACTION = new Set(['40001', '40P01', '23505']);
const MAX_ATTEMPTS = 4;
const MAX_CACHED = 500;
const numberedCache = new Map<string, string>();

/**
 * Rewrites `?` placeholders as `$1..$n`, leaving a `?` inside a quoted literal, a quoted identifier or a comment
 * alone. (PostgreSQL's JSONB operators `?`, `?|`, `?&` cannot be written bare: use jsonb_exists() and friends.)
 */
export function numbered(sql: string): string {
  const cached = numberedCache.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (numberedCache.size >= MAX_CACHED) numberedCache.clear();
  numberedCache.set(sql, out);
  return out;
}

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  const query = (sql: string, params: readonly SqlValue[] = []) => client.query(numbered(sql), params as unknown[]);
  return {
    all: async <T>(sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rowCount ?? 0,
  };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
]);

/** Turns "the database is not there" into DEPENDENCY_UNAVAILABLE (retryable); other errors pass unchanged. */
export function unavailable(error: unknown): unknown {
  if (error instanceof ToolError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error)?.message ?? '';
  if (
    CONNECTION_CODES.has(code) ||
    code.startsWith('08') ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)
  ) {
    return new ToolError('DEPENDENCY_UNAVAILABLE', `the PostgreSQL database is not reachable (${code || message})`, {
      cause: error,
    });
  }
  return error;
}

export interface PostgresDbOptions {
  url: string;
  /** Connections in the pool. */
  poolSize: number;
  /** How long getting a connection may take before the call fails with DEPENDENCY_UNAVAILABLE. */
  connectTimeoutMs: number;
  label: string;
}

/**
 * PostgreSQL through a pg pool. A write is one transaction; a serialization failure, deadlock or a lost race on a
 * unique key (two inserts of the same new row) is retried from the start, so callers see one clean outcome. A
 * database that cannot be reached is DEPENDENCY_UNAVAILABLE.
 */
export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly label: string;
  #pool: pg.Pool;
  #q: Queryable;

  constructor(options: PostgresDbOptions) {
    this.label = options.label;
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs,
    });
    // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
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
    try {
      await this.#pool.query('SELECT 1');
    } catch (error) {
      throw unavailable(error);
    }
  }

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }
}
