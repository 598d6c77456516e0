import type { WorkflowConfig } from '../config.ts';
import { PostgresRunStore } from './postgres-store.ts';
import { SqliteRunStore } from './sqlite-store.ts';
import type { RunStore } from './types.ts';

/** The run store the configuration names: SQLite (default, one replica) or PostgreSQL (several replicas). */
export function createRunStore(config: WorkflowConfig): RunStore {
  if (config.store === 'postgres') return new PostgresRunStore(config.postgresUrl as string);
  return new SqliteRunStore(config.sqlitePath as string);
}
