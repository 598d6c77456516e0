import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The admin connection for the local PostgreSQL server every machine (and CI) runs. */
export const POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Creates a fresh, empty database and returns the env that points cmdb at it. */
  create(): Promise<Record<string, string>>;
  /** Drops everything `create` made. */
  destroy(): Promise<void>;
}

export function sqliteBackend(): Backend {
  let dir: string | undefined;
  return {
    name: 'sqlite',
    create: async () => {
      dir = mkdtempSync(join(tmpdir(), 'cmdb-test-'));
      return { CMDB_SQLITE_FILE: join(dir, 'cmdb.sqlite') };
    },
    destroy: async () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function postgresBackend(): Backend {
  let database: string | undefined;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    create: async () => {
      database = `cmdb_test_${randomBytes(6).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE ${database}`));
      return { CMDB_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}` };
    },
    destroy: async () => {
      if (database) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    },
  };
}

/** Every store the CMDB supports; the same suites run against each. */
export const BACKENDS: { name: Backend['name']; make: () => Backend }[] = [
  { name: 'sqlite', make: sqliteBackend },
  { name: 'postgres', make: postgresBackend },
];
