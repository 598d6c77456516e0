import { resolve } from 'node:path';
import type { Redactor } from '@switchboard/shared';
import type { WorkflowConfig } from '../config.ts';
import { SqlRunStore } from './sql-run-store.ts';

/** The run store the configuration names: SQLite (default, one replica) or PostgreSQL (several replicas). */
export function createRunStore(config: WorkflowConfig, dataDir: string, redactor?: Redactor): SqlRunStore {
  // sqlitePath is relative to the working directory (its default is <dataDir>/workflows.db already).
  const url = config.store === 'postgres' ? (config.postgresUrl as string) : resolve(config.sqlitePath as string);
  return new SqlRunStore({ url, dataDir, ...(redactor ? { redactor } : {}) });
}
