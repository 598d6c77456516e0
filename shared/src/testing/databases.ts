import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dialect } from '../sql/types.ts';

/** The admin connection of the local PostgreSQL server every machine (and CI) runs. */
export const POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Both dialects, for `describe.each(TEST_DIALECTS)`: a store's contract tests run against each. */
export const TEST_DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  dialect: Dialect;
  /** What to configure (`openDb({ url })`, `NOTIFY_DATABASE_URL`): a file path or a postgres:// URL. */
  url: string;
  /** Drops the database (PostgreSQL, forcing its connections closed) or removes the file's directory. */
  destroy(): Promise<void>;
}

/**
 * A fresh, empty database of the dialect: a SQLite file in a new temporary directory, or a PostgreSQL database with
 * a unique name on the local server. Destroy it in afterEach/afterAll.
 */
export async function createTestDatabase(
  dialect: Dialect,
  prefix = 'sb_test',
  adminUrl = POSTGRES_ADMIN_URL,
): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    return {
      dialect,
      url: join(dir, 'test.sqlite'),
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const { default: pg } = await import('pg');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return {
    dialect,
    url: adminUrl.replace(/\/[^/]*$/, `/${name}`),
    destroy: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
