import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { Redactor } from '../logging/redactor.ts';
import type { Db } from './types.ts';

/** Where a database is, resolved from configuration. */
export type DatabaseLocation = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string; label: string };

export interface OpenDbOptions {
  /**
   * The configured database: `postgres://…` or `postgresql://…`; `sqlite:<path>` or `sqlite://<path>`
   * (`sqlite::memory:` for a private in-memory database); or a plain file path. Relative SQLite paths are under
   * `dataDir`. Unset: `<dataDir>/<defaultFile>`.
   */
  url?: string | undefined;
  /** The kit's `dataDir` (SWITCHBOARD_DATA_DIR). */
  dataDir: string;
  /** The SQLite file name used when `url` is unset, e.g. `cmdb.sqlite`. */
  defaultFile: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** PostgreSQL: how long getting a connection may take (default 5000 ms). */
  connectTimeoutMs?: number;
  /** The URL's password is registered here, so it never reaches a log or a result. */
  redactor?: Redactor;
}

const POSTGRES = /^postgres(ql)?:\/\//i;
const SQLITE = /^sqlite:(\/\/)?/i;

/** Whether a configured database URL has a form openDb understands (the zod check in `databaseUrl()`). */
export function isDatabaseUrl(value: string): boolean {
  if (POSTGRES.test(value)) {
    try {
      new URL(value);
      return true;
    } catch {
      return false;
    }
  }
  if (SQLITE.test(value)) return value.replace(SQLITE, '').length > 0;
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && value.length > 0;
}

/**
 * The config field of a database URL: `databaseUrl: databaseUrl().optional()` in a package's defineConfig, with
 * its environment variable (`NOTIFY_DATABASE_URL`). A value of another scheme (mysql://) stops start-up.
 */
export function databaseUrl() {
  return z
    .string()
    .min(1)
    .refine(isDatabaseUrl, 'must be a postgres:// or postgresql:// URL, sqlite:<path>, or a SQLite file path')
    .describe('postgres:// URL, or a SQLite file (sqlite:<path> or a path; relative to the data directory)');
}

/** Resolves the configured value to a SQLite file or a PostgreSQL URL (without opening anything). */
export function locateDatabase(options: Pick<OpenDbOptions, 'url' | 'dataDir' | 'defaultFile'>): DatabaseLocation {
  const value = options.url?.trim();
  if (value && POSTGRES.test(value)) {
    const url = new URL(value);
    const where = `${url.hostname || 'localhost'}${url.port ? `:${url.port}` : ''}${url.pathname}`;
    return { dialect: 'postgres', url: value, label: `postgres ${where}` };
  }
  const path = value ? value.replace(SQLITE, '') : options.defaultFile;
  if (path === ':memory:') return { dialect: 'sqlite', file: ':memory:' };
  return { dialect: 'sqlite', file: isAbsolute(path) ? path : resolve(join(options.dataDir, path)) };
}

/**
 * Opens the configured database. Nothing connects yet for PostgreSQL (the pool connects on first use), so a
 * service whose database is down still starts: its calls fail with DEPENDENCY_UNAVAILABLE until it is back. The
 * driver of the other dialect is never loaded (a SQLite-only service never loads pg).
 */
export async function openDb(options: OpenDbOptions): Promise<Db> {
  const location = locateDatabase(options);
  if (location.dialect === 'postgres') {
    try {
      const password = decodeURIComponent(new URL(location.url).password);
      if (password) options.redactor?.register(password);
    } catch {}
    const { PostgresDb } = await import('./postgres-db.ts');
    return new PostgresDb({
      url: location.url,
      poolSize: options.poolSize ?? 10,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      label: location.label,
    });
  }
  const { SqliteDb } = await import('./sqlite-db.ts');
  return new SqliteDb(location.file);
}
