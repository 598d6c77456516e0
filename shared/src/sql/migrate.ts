import { migrationLock } from './dialect.ts';
import type { Db, Dialect, Queryable } from './types.ts';

/** One schema version: statements run in order, or a function given the transaction. */
export type MigrationStep = readonly string[] | ((q: Queryable, dialect: Dialect) => Promise<void>);

export interface MigrationSpec {
  /** The package's name (`cmdb`, `workflows`, `notify`): its versions are kept in `<name>_schema_version`. */
  name: string;
  /**
   * Every schema version in order, applied once each. Never edit or reorder a released step: append a new one.
   * Build dialect-specific column types with `sqlTypes(db.dialect)`.
   */
  steps: readonly MigrationStep[];
  /**
   * Statements applied after the steps, each in a transaction of its own, whose failure is tolerated (an
   * extension the role may not create, and the index that needs it). The first failure skips the rest.
   */
  optional?: readonly string[];
  onOptionalFailure?(statement: string, error: unknown): void;
}

const NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Brings a package's schema up to date in one transaction (all pending steps apply, or none), serialised between
 * processes starting together. Returns the schema version now in place. Running it again is a no-op. A database
 * whose version is newer than the steps known (a newer release ran) is left alone.
 */
export async function migrate(db: Db, spec: MigrationSpec): Promise<number> {
  if (!NAME.test(spec.name)) throw new Error(`migration name "${spec.name}" must be lower-case letters, digits and _`);
  const table = `${spec.name}_schema_version`;
  const version = await db.write(async (q) => {
    const lock = migrationLock(db.dialect, spec.name);
    if (lock) await q.get(lock.sql, lock.params);
    await q.run(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER NOT NULL)`);
    const row = await q.get<{ version: number | string | null }>(`SELECT MAX(version) AS version FROM ${table}`);
    const current = Number(row?.version ?? 0);
    for (let v = current; v < spec.steps.length; v++) {
      const step = spec.steps[v] as MigrationStep;
      if (typeof step === 'function') await step(q, db.dialect);
      else for (const statement of step) await q.run(statement);
      await q.run(`INSERT INTO ${table} (version) VALUES (?)`, [v + 1]);
    }
    return Math.max(current, spec.steps.length);
  });
  for (const statement of spec.optional ?? []) {
    try {
      await db.write((q) => q.run(statement));
    } catch (error) {
      spec.onOptionalFailure?.(statement, error);
      break;
    }
  }
  return version;
}
