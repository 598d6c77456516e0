import { resolve } from 'node:path';
import { type Logger, type Redactor, ToolError } from '@switchboard/shared';
import { type Db, openDb } from '@switchboard/shared/sql';
import type { CmdbConfig } from '../config.ts';
import { CmdbStore } from './cmdb-store.ts';

export interface OpenStoreOptions {
  config: CmdbConfig & { dataDir: string };
  log: Logger;
  redactor: Redactor;
}

/**
 * Opens the configured database and migrates it. When PostgreSQL is unreachable at start the service still
 * starts: calls fail with DEPENDENCY_UNAVAILABLE, /ready names the database, and each call retries the migration.
 */
export async function openStore(options: OpenStoreOptions): Promise<{ db: Db; store: () => Promise<CmdbStore> }> {
  const { config, log } = options;
  const db = await openDb({
    // CMDB_SQLITE_FILE has always been relative to the working directory, the default file to the data directory.
    url: config.databaseUrl ?? (config.sqliteFile ? resolve(config.sqliteFile) : undefined),
    dataDir: config.dataDir,
    defaultFile: 'cmdb.sqlite',
    poolSize: config.poolSize,
    redactor: options.redactor,
  });
  log.info({ backend: db.dialect, database: db.label }, `cmdb store: ${db.label}`);
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
