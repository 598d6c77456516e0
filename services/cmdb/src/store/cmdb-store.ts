import { type Db, migrate, type Queryable } from '@switchboard/shared/sql';
import type { CiRef, ConfigItem, RelationshipType } from '../model.ts';
import { changelog } from './changelog.ts';
import { impact } from './impact.ts';
import { cmdbMigrations } from './migrations.ts';
import { findItem, requireItem } from './rows.ts';
import { describe, search } from './search.ts';
import type {
  ChangelogEntry,
  ChangelogFilter,
  ImpactEntry,
  ItemView,
  Mutator,
  Relationship,
  SearchFilter,
  UpsertAction,
  UpsertInput,
  UpsertOutcome,
} from './types.ts';
import { deleteItem, planUpsert, relate, upsert, upsertMany } from './writes.ts';

export type * from './types.ts';

/**
 * The CMDB's domain operations over either database; each public mutation is one transaction. The queries live by
 * concern: search.ts (reading), writes.ts (mutations and the changelog they write), impact.ts (the relationship
 * graph), changelog.ts (history), rows.ts (row conversion and shared lookups).
 */
export class CmdbStore {
  readonly db: Db;
  readonly #onOptionalFailure: ((statement: string, error: unknown) => void) | undefined;

  /** `onOptionalFailure` hears about optional indexes that could not be created (search then scans). */
  constructor(db: Db, onOptionalFailure?: (statement: string, error: unknown) => void) {
    this.db = db;
    this.#onOptionalFailure = onOptionalFailure;
  }

  async migrate(): Promise<void> {
    await migrate(this.db, cmdbMigrations(this.db.dialect, this.#onOptionalFailure));
  }

  findItem(q: Queryable, ref: CiRef): Promise<ConfigItem | undefined> {
    return findItem(q, ref);
  }

  requireItem(q: Queryable, ref: CiRef, role = 'CI'): Promise<ConfigItem> {
    return requireItem(q, ref, role);
  }

  getItem(ref: CiRef): Promise<ConfigItem> {
    return this.db.read((q) => requireItem(q, ref));
  }

  /** One page of matching CIs ordered by type then name, after the given key, plus the total. */
  search(
    filter: SearchFilter,
    limit: number,
    after?: { type: string; name: string },
  ): Promise<{ items: ConfigItem[]; total: number; hasMore: boolean }> {
    return search(this.db, filter, limit, after);
  }

  /** A CI with its relationships, each direction capped at `limit`, with totals. */
  describe(ref: CiRef, limit: number): Promise<ItemView> {
    return describe(this.db, ref, limit);
  }

  /** Works out what an upsert would do, without writing. */
  planUpsert(q: Queryable, input: UpsertInput): ReturnType<typeof planUpsert> {
    return planUpsert(q, input);
  }

  upsert(input: UpsertInput, who: Mutator, dryRun: boolean): Promise<UpsertOutcome> {
    return upsert(this.db, input, who, dryRun);
  }

  /** Upserts many items in one transaction; a row that fails validation in `plan` is reported, not written. */
  upsertMany(
    inputs: { line: number; input: UpsertInput }[],
    who: Mutator,
    dryRun: boolean,
  ): Promise<{ outcomes: { line: number; action: UpsertAction }[]; errors: { line: number; message: string }[] }> {
    return upsertMany(this.db, inputs, who, dryRun);
  }

  delete(
    ref: CiRef,
    cascade: boolean,
    who: Mutator,
    dryRun: boolean,
  ): Promise<{ item: ConfigItem; relationshipsRemoved: number }> {
    return deleteItem(this.db, ref, cascade, who, dryRun);
  }

  relate(
    sourceRef: CiRef,
    type: RelationshipType,
    targetRef: CiRef,
    who: Mutator,
    remove: boolean,
  ): Promise<{ relationship: Relationship; changed: boolean }> {
    return relate(this.db, sourceRef, type, targetRef, who, remove);
  }

  /** What depends on a CI (`up`) or what it relies on (`down`), breadth first; see impact.ts. */
  impact(
    ref: CiRef,
    direction: 'up' | 'down',
    maxDepth: number,
  ): Promise<{ root: ConfigItem; entries: ImpactEntry[]; truncatedAtDepth: boolean }> {
    return impact(this.db, ref, direction, maxDepth);
  }

  changelog(
    filter: ChangelogFilter,
    limit: number,
    beforeSeq?: number,
  ): Promise<{ entries: ChangelogEntry[]; total: number; hasMore: boolean }> {
    return changelog(this.db, filter, limit, beforeSeq);
  }
}
