/**
 * `@switchboard/shared/sql`: the one SQL layer every store is built on (see README.md in this directory).
 * Nothing here loads a database driver until `openDb` needs it.
 */
export { escapeLike, jsonFieldIn, lockRows, migrationLock, placeholders, type SqlTypes, sqlTypes } from './dialect.ts';
export { type MigrationSpec, type MigrationStep, migrate } from './migrate.ts';
export { type DatabaseLocation, databaseUrl, isDatabaseUrl, locateDatabase, type OpenDbOptions, openDb } from './open-db.ts';
export type { Db, Dialect, Queryable, SqlValue } from './types.ts';
