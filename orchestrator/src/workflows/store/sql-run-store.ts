import type { Redactor } from '@switchboard/shared';
import { type Db, migrate, openDb } from '@switchboard/shared/sql';
import * as runs from './run-queries.ts';
import { workflowMigrations } from './schema.ts';
import * as steps from './step-queries.ts';
import type {
  CheckpointEvent,
  NewRun,
  RenewResult,
  RunCursor,
  RunFilter,
  RunPatch,
  RunRecord,
  RunStore,
  StepRecord,
  StoredCheckpoint,
  StoredDefinition,
} from './types.ts';

export interface SqlRunStoreOptions {
  /** A SQLite file or a postgres:// URL (see openDb). */
  url: string;
  dataDir: string;
  poolSize?: number;
  /** The URL's password is registered here. */
  redactor?: Redactor;
}

/**
 * The durable run store, one implementation over the kit's SQL layer: SQLite (embedded, one replica) or
 * PostgreSQL (several replicas sharing runs through leases). Queries are in run-queries.ts and step-queries.ts.
 */
export class SqlRunStore implements RunStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly #options: SqlRunStoreOptions;
  #db: Db | undefined;
  #opening: Promise<Db> | undefined;

  constructor(options: SqlRunStoreOptions) {
    this.#options = options;
    this.kind = /^postgres(ql)?:\/\//i.test(options.url) ? 'postgres' : 'sqlite';
  }

  /** Opens and migrates the database (once; a failure is tried again by the next call). */
  database(): Promise<Db> {
    this.#opening ??= (async () => {
      const db = await openDb({
        url: this.#options.url,
        dataDir: this.#options.dataDir,
        defaultFile: 'workflows.db',
        poolSize: this.#options.poolSize ?? 10,
        ...(this.#options.redactor ? { redactor: this.#options.redactor } : {}),
      });
      try {
        await migrate(db, workflowMigrations(db.dialect));
      } catch (error) {
        await db.close().catch(() => {});
        throw error;
      }
      this.#db = db;
      return db;
    })().catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }

  get #open(): Db {
    if (!this.#db) throw new Error('the workflow store is not open');
    return this.#db;
  }

  async init(): Promise<void> {
    await this.database();
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#opening = undefined;
    await db?.close();
  }

  createRun(run: NewRun): Promise<{ run: RunRecord; created: boolean }> {
    return this.#open.write((q) => runs.createRun(q, run));
  }

  getRun(runId: string): Promise<RunRecord | undefined> {
    return this.#open.read((q) => runs.getRun(q, runId));
  }

  listRuns(filter: RunFilter, limit: number, after?: RunCursor): Promise<{ runs: RunRecord[]; total: number }> {
    return this.#open.read((q) => runs.listRuns(q, filter, limit, after));
  }

  updateRun(runId: string, patch: RunPatch, owner?: string): Promise<boolean> {
    return this.#open.read((q) => runs.updateRun(q, runId, patch, owner));
  }

  requestCancel(runId: string, compensate: boolean): Promise<RunRecord | undefined> {
    return this.#open.read((q) => runs.requestCancel(q, runId, compensate));
  }

  claimRun(runId: string, owner: string, until: number, now: number): Promise<RunRecord | undefined> {
    return this.#open.read((q) => runs.claimRun(q, runId, owner, until, now));
  }

  renewLeases(owner: string, runIds: string[], until: number): Promise<RenewResult> {
    return this.#open.read((q) => runs.renewLeases(q, owner, runIds, until));
  }

  releaseLease(runId: string, owner: string): Promise<void> {
    return this.#open.read((q) => runs.releaseLease(q, runId, owner));
  }

  listClaimable(now: number, limit: number): Promise<string[]> {
    return this.#open.read((q) => runs.listClaimable(q, now, limit));
  }

  getSteps(runId: string): Promise<StepRecord[]> {
    return this.#open.read((q) => steps.getSteps(q, runId));
  }

  getStep(runId: string, key: string): Promise<StepRecord | undefined> {
    return this.#open.read((q) => steps.getStep(q, runId, key));
  }

  checkpoint(runId: string, owner: string, step: StepRecord, event?: CheckpointEvent): Promise<boolean> {
    return steps.checkpoint(this.#open, runId, owner, step, event);
  }

  deleteSteps(runId: string, keys: string[]): Promise<void> {
    return this.#open.read((q) => steps.deleteSteps(q, runId, keys));
  }

  decideApproval(runId: string, key: string, decision: Record<string, unknown>): Promise<boolean> {
    return steps.decideApproval(this.#open, runId, key, decision);
  }

  listCheckpoints(runId: string, limit: number): Promise<StoredCheckpoint[]> {
    return this.#open.read((q) => steps.listCheckpoints(q, runId, limit));
  }

  putDefinition(definition: StoredDefinition, overwrite: boolean): Promise<'created' | 'same' | 'conflict' | 'replaced'> {
    return steps.putDefinition(this.#open, definition, overwrite);
  }

  getDefinition(name: string, version?: string): Promise<StoredDefinition | undefined> {
    return this.#open.read((q) => steps.getDefinition(q, name, version));
  }

  listDefinitions(
    name: string | undefined,
    limit: number,
    offset: number,
  ): Promise<{ items: StoredDefinition[]; total: number }> {
    return this.#open.read((q) => steps.listDefinitions(q, name, limit, offset));
  }
}
