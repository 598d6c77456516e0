import { join } from 'node:path';
import { type Logger, type Redactor, ToolError } from '@switchboard/shared';
import type { CmdbConfig } from '../config.ts';
import { CmdbStore } from './cmdb-store.ts';
import type { Db } from './db.ts';
import { PostgresDb } from './postgres-db.ts';
import { SqliteDb } from './sqlite-db.ts';

export interface OpenStoreOptions {
  config: CmdbConfig & { dataDir: string };
  log: Logger;
  redactor: Redactor;
}

/**
 * Opens the configured database and migrates it. When PostgreSQL is unreachable at start the service still
 * starts: calls fail with DEPENDENCY_UNAVAILABLE, /ready names the database, and each call retries the migration.
 */
export function openStore(options: OpenStoreOptions): { db: Db; store: () => Promise<CmdbStore> } {
  const { config, log } = options;
  let db: Db;
  if (config.databaseUrl) {
    try {
      options.redactor.register(decodeURIComponent(new URL(config.databaseUrl).password));
    } catch {}
    db = new PostgresDb(config.databaseUrl, config.poolSize);
    log.info({ backend: 'postgres' }, 'cmdb store: PostgreSQL');
  } else {
    const file = config.sqliteFile ?? join(config.dataDir, 'cmdb.sqlite');
    db = new SqliteDb(file);
    log.info({ backend: 'sqlite', file }, 'cmdb store: SQLite');
  }
  const store = new CmdbStore(db, (statement, error) =>
    log.warn({ statement, err: error }, 'optional index not created; free-text search will scan'),
  );
  let migrated: Promise<CmdbStore> | undefined;
  const ready = (): Promise<CmdbStore> => {
    migrated ??= store.migrate().then(
      () => store,
      (error: unknown) => {
        migrated = undefined;
        log.error({ err: error }, 'cmdb database is not reachable');
        throw new ToolError('DEPENDENCY_UNAVAILABLE', `the cmdb database is not reachable: ${(error as Error).message}`);
      },
    );
    return migrated;
  };
  void ready().catch(() => {});
  return { db, store: ready };
}
