import { randomUUID } from 'node:crypto';
import { ToolError } from '@switchboard/shared';
import { type Db, escapeLike, jsonFieldIn, migrate, placeholders, type Queryable, type SqlValue } from '@switchboard/shared/sql';
import {
  type AttributeValue,
  type CiRef,
  type CiSummary,
  type CiType,
  type ConfigItem,
  type FieldChange,
  type RelationshipType,
  refLabel,
  summaryOf,
} from '../model.ts';
import { diffItems } from './diff.ts';
import { cmdbMigrations } from './migrations.ts';

/** Who made a change, recorded in the changelog. */
export interface Mutator {
  actor: string;
  correlationId: string;
}

interface CiRow {
  id: string;
  type: CiType;
  name: string;
  environment: string | null;
  owner: string | null;
  tags: string;
  attributes: string | Record<string, AttributeValue>;
  created_at: string;
  updated_at: string;
  version: number | string;
}

function sortedAttributes(attributes: Record<string, AttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function toItem(row: CiRow): ConfigItem {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    environment: row.environment,
    owner: row.owner,
    tags: JSON.parse(row.tags) as string[],
    attributes: sortedAttributes(typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row.attributes),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: Number(row.version),
  };
}

const CI_COLUMNS =
  'ci.id, ci.type, ci.name, ci.environment, ci.owner, ci.tags, ci.attributes, ci.created_at, ci.updated_at, ci.version';
const CHUNK = 500;

function chunks<T>(values: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

export interface SearchFilter {
  type?: CiType | undefined;
  environment?: string | undefined;
  owner?: string | undefined;
  tags?: string[] | undefined;
  attributes?: Record<string, AttributeValue> | undefined;
  q?: string | undefined;
}

export interface UpsertInput {
  id?: string | undefined;
  type: CiType;
  name: string;
  environment?: string | null | undefined;
  owner?: string | null | undefined;
  tags?: string[] | undefined;
  /** Values set to null are removed (merge mode). */
  attributes?: Record<string, AttributeValue | null> | undefined;
  attributesMode?: 'merge' | 'replace' | undefined;
}

export type UpsertAction = 'created' | 'updated' | 'unchanged';

export interface UpsertOutcome {
  action: UpsertAction;
  item: ConfigItem;
  changes: FieldChange[];
}

/** A CI as getItem and the resource show it: the item and its relationships in both directions. */
export interface ItemView {
  item: ConfigItem;
  relationships: {
    outgoing: { type: RelationshipType; target: CiSummary }[];
    incoming: { type: RelationshipType; source: CiSummary }[];
    outgoingTotal: number;
    incomingTotal: number;
  };
}

export interface Relationship {
  type: RelationshipType;
  source: ConfigItem;
  target: ConfigItem;
}

export interface ImpactEntry {
  item: ConfigItem;
  depth: number;
  relationship: RelationshipType;
  via: string;
  path: string[];
}

export interface ChangelogFilter {
  ciId?: string | undefined;
  ciType?: CiType | undefined;
  ciName?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  since?: string | undefined;
}

export interface ChangelogEntry {
  seq: number;
  at: string;
  actor: string;
  correlationId: string | null;
  action: string;
  ci: { id: string | null; type: string | null; name: string | null };
  changes: FieldChange[];
  before: unknown;
  after: unknown;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What free-text search looks in: name, environment, owner, tags, attribute keys and values, lower-cased. */
function searchTextOf(item: ConfigItem): string {
  const parts = [item.name, item.environment ?? '', item.owner ?? '', ...item.tags];
  for (const [key, value] of Object.entries(item.attributes)) parts.push(key, String(value));
  return parts.join(' ').toLowerCase();
}

/** Normalises tags: trimmed, unique, sorted. */
function normaliseTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))].sort();
}

/** The CMDB's domain operations over either database; each public mutation is one transaction. */
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

  // ---- reading -------------------------------------------------------------------------------------------

  async findItem(q: Queryable, ref: CiRef): Promise<ConfigItem | undefined> {
    const row = ref.id
      ? await q.get<CiRow>(`SELECT ${CI_COLUMNS} FROM ci WHERE ci.id = ?`, [ref.id])
      : await q.get<CiRow>(`SELECT ${CI_COLUMNS} FROM ci WHERE ci.type = ? AND ci.name = ?`, [
          ref.type ?? null,
          ref.name ?? null,
        ]);
    return row ? toItem(row) : undefined;
  }

  async requireItem(q: Queryable, ref: CiRef, role = 'CI'): Promise<ConfigItem> {
    const item = await this.findItem(q, ref);
    if (!item) throw new ToolError('NOT_FOUND', `${role} ${refLabel(ref)} does not exist`);
    return item;
  }

  async getItem(ref: CiRef): Promise<ConfigItem> {
    return this.db.read((q) => this.requireItem(q, ref));
  }

  #filterSql(filter: SearchFilter): { where: string; params: SqlValue[] } {
    const dialect = this.db.dialect;
    const clauses: string[] = [];
    const params: SqlValue[] = [];
    if (filter.type) {
      clauses.push('ci.type = ?');
      params.push(filter.type);
    }
    if (filter.environment) {
      clauses.push('ci.environment = ?');
      params.push(filter.environment);
    }
    if (filter.owner) {
      clauses.push('ci.owner = ?');
      params.push(filter.owner);
    }
    // The first tag (the rarest, see #orderTags) drives through the tag index; the others are checked per row.
    (filter.tags ?? []).forEach((tag, index) => {
      clauses.push(
        index === 0
          ? 'ci.id IN (SELECT t.ci_id FROM ci_tag t WHERE t.tag = ?)'
          : 'EXISTS (SELECT 1 FROM ci_tag t WHERE t.ci_id = ci.id AND t.tag = ?)',
      );
      params.push(tag);
    });
    for (const [key, value] of Object.entries(filter.attributes ?? {})) {
      // Match the value as given and, for a string such as "22" or "true", as the scalar it spells.
      const forms = new Set<AttributeValue>([value]);
      if (typeof value === 'string' && value.trim() !== '') {
        if (Number.isFinite(Number(value))) forms.add(Number(value));
        if (value === 'true' || value === 'false') forms.add(value === 'true');
      } else if (typeof value !== 'string') {
        forms.add(String(value));
      }
      const match = jsonFieldIn(dialect, 'ci.attributes', key, [...forms]);
      clauses.push(match.sql);
      params.push(...match.params);
    }
    if (filter.q) {
      clauses.push("ci.search_text LIKE ? ESCAPE '\\'");
      params.push(`%${escapeLike(filter.q.toLowerCase())}%`);
    }
    return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }

  /** Tags ordered rarest first, so the most selective one drives the query. */
  async #orderTags(q: Queryable, tags: string[]): Promise<string[]> {
    const counts = await q.all<{ tag: string; n: number | string }>(
      `SELECT tag, COUNT(*) AS n FROM ci_tag WHERE tag IN (${placeholders(tags.length)}) GROUP BY tag`,
      tags,
    );
    const count = new Map(counts.map((row) => [row.tag, Number(row.n)]));
    return [...new Set(tags)].sort((a, b) => (count.get(a) ?? 0) - (count.get(b) ?? 0));
  }

  /** One page of matching CIs ordered by type then name, after the given key, plus the total. */
  async search(
    filter: SearchFilter,
    limit: number,
    after?: { type: string; name: string },
  ): Promise<{ items: ConfigItem[]; total: number; hasMore: boolean }> {
    return this.db.read(async (q) => {
      const tags = filter.tags && filter.tags.length > 1 ? await this.#orderTags(q, filter.tags) : filter.tags;
      const { where, params } = this.#filterSql({ ...filter, tags });
      const totalRow = await q.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ci ${where}`, params);
      const keyset = after ? `${where ? `${where} AND` : 'WHERE'} (ci.type, ci.name) > (?, ?)` : where;
      const rows = await q.all<CiRow>(`SELECT ${CI_COLUMNS} FROM ci ${keyset} ORDER BY ci.type, ci.name LIMIT ?`, [
        ...params,
        ...(after ? [after.type, after.name] : []),
        limit + 1,
      ]);
      return { items: rows.slice(0, limit).map(toItem), total: Number(totalRow?.n ?? 0), hasMore: rows.length > limit };
    });
  }

  async #itemsByIds(q: Queryable, ids: string[]): Promise<Map<string, ConfigItem>> {
    const out = new Map<string, ConfigItem>();
    for (const part of chunks(ids)) {
      const rows = await q.all<CiRow>(`SELECT ${CI_COLUMNS} FROM ci WHERE ci.id IN (${placeholders(part.length)})`, part);
      for (const row of rows) out.set(row.id, toItem(row));
    }
    return out;
  }

  /** A CI with its relationships, each direction capped at `limit`, with totals. */
  async describe(ref: CiRef, limit: number): Promise<ItemView> {
    return this.db.read(async (q) => {
      const item = await this.requireItem(q, ref);
      type EdgeRow = { type: RelationshipType; other: string };
      const out = await q.all<EdgeRow>(
        'SELECT type, target_id AS other FROM relationship WHERE source_id = ? ORDER BY type, target_id LIMIT ?',
        [item.id, limit],
      );
      const inc = await q.all<EdgeRow>(
        'SELECT type, source_id AS other FROM relationship WHERE target_id = ? ORDER BY type, source_id LIMIT ?',
        [item.id, limit],
      );
      const outTotal = await q.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM relationship WHERE source_id = ?', [
        item.id,
      ]);
      const incTotal = await q.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM relationship WHERE target_id = ?', [
        item.id,
      ]);
      const items = await this.#itemsByIds(
        q,
        [...out, ...inc].map((e) => e.other),
      );
      const summary = (id: string) => {
        const other = items.get(id);
        return other ? summaryOf(other) : undefined;
      };
      return {
        item,
        relationships: {
          outgoing: out.flatMap((e) => {
            const target = summary(e.other);
            return target ? [{ type: e.type, target }] : [];
          }),
          incoming: inc.flatMap((e) => {
            const source = summary(e.other);
            return source ? [{ type: e.type, source }] : [];
          }),
          outgoingTotal: Number(outTotal?.n ?? 0),
          incomingTotal: Number(incTotal?.n ?? 0),
        },
      };
    });
  }

  // ---- writing -------------------------------------------------------------------------------------------

  async #log(
    q: Queryable,
    who: Mutator,
    action: string,
    ci: { id: string; type: string; name: string },
    before: unknown,
    after: unknown,
  ): Promise<void> {
    await q.run(
      'INSERT INTO changelog (at, actor, correlation_id, action, ci_id, ci_type, ci_name, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        new Date().toISOString(),
        who.actor,
        who.correlationId,
        action,
        ci.id,
        ci.type,
        ci.name,
        before === undefined ? null : JSON.stringify(before),
        after === undefined ? null : JSON.stringify(after),
      ],
    );
  }

  /** Works out what an upsert would do, without writing. */
  async planUpsert(
    q: Queryable,
    input: UpsertInput,
  ): Promise<{ before: ConfigItem | undefined; after: ConfigItem; action: UpsertAction }> {
    const byKey = await this.findItem(q, { type: input.type, name: input.name });
    let before: ConfigItem | undefined;
    if (input.id) {
      before = await this.findItem(q, { id: input.id });
      if (byKey && byKey.id !== input.id) {
        throw new ToolError(
          'CONFLICT',
          `${input.type}/${input.name} already exists under id ${byKey.id}, not ${input.id}; drop the id to update it by name, or choose another name`,
          { details: { existingId: byKey.id } },
        );
      }
    } else {
      before = byKey;
    }
    const now = new Date().toISOString();
    let attributes: Record<string, AttributeValue> =
      input.attributesMode === 'replace' || !before ? {} : { ...before.attributes };
    for (const [key, value] of Object.entries(input.attributes ?? {})) {
      if (value === null) delete attributes[key];
      else attributes[key] = value;
    }
    attributes = sortedAttributes(attributes);
    const after: ConfigItem = {
      id: before?.id ?? input.id ?? randomUUID(),
      type: input.type,
      name: input.name,
      environment: input.environment === undefined ? (before?.environment ?? null) : input.environment,
      owner: input.owner === undefined ? (before?.owner ?? null) : input.owner,
      tags: input.tags === undefined ? (before?.tags ?? []) : normaliseTags(input.tags),
      attributes,
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
      version: (before?.version ?? 0) + 1,
    };
    if (!before) return { before, after, action: 'created' };
    const unchanged =
      before.type === after.type &&
      before.name === after.name &&
      before.environment === after.environment &&
      before.owner === after.owner &&
      sameJson(before.tags, after.tags) &&
      sameJson(before.attributes, after.attributes);
    return unchanged ? { before, after: before, action: 'unchanged' } : { before, after, action: 'updated' };
  }

  async #applyUpsert(
    q: Queryable,
    plan: { before: ConfigItem | undefined; after: ConfigItem; action: UpsertAction },
    who: Mutator,
  ) {
    const { before, after, action } = plan;
    if (action === 'unchanged') return;
    const values = [
      after.type,
      after.name,
      after.environment,
      after.owner,
      JSON.stringify(after.tags),
      JSON.stringify(after.attributes),
      searchTextOf(after),
      after.updatedAt,
      after.version,
    ];
    if (action === 'created') {
      await q.run(
        'INSERT INTO ci (type, name, environment, owner, tags, attributes, search_text, updated_at, version, created_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [...values, after.createdAt, after.id],
      );
    } else {
      await q.run(
        'UPDATE ci SET type = ?, name = ?, environment = ?, owner = ?, tags = ?, attributes = ?, search_text = ?, updated_at = ?, version = ? WHERE id = ?',
        [...values, after.id],
      );
      await q.run('DELETE FROM ci_tag WHERE ci_id = ?', [after.id]);
    }
    for (const tag of after.tags) await q.run('INSERT INTO ci_tag (ci_id, tag) VALUES (?, ?)', [after.id, tag]);
    await this.#log(q, who, action === 'created' ? 'create' : 'update', after, before, after);
  }

  async upsert(input: UpsertInput, who: Mutator, dryRun: boolean): Promise<UpsertOutcome> {
    const work = async (q: Queryable) => {
      const plan = await this.planUpsert(q, input);
      if (!dryRun) await this.#applyUpsert(q, plan, who);
      return {
        action: plan.action,
        item: plan.after,
        changes: plan.action === 'unchanged' ? [] : diffItems(plan.before, plan.after),
      };
    };
    return dryRun ? this.db.read(work) : this.db.write(work);
  }

  /** Upserts many items in one transaction; a row that fails validation in `plan` is reported, not written. */
  async upsertMany(
    inputs: { line: number; input: UpsertInput }[],
    who: Mutator,
    dryRun: boolean,
  ): Promise<{ outcomes: { line: number; action: UpsertAction }[]; errors: { line: number; message: string }[] }> {
    const work = async (q: Queryable) => {
      const outcomes: { line: number; action: UpsertAction }[] = [];
      const errors: { line: number; message: string }[] = [];
      for (const { line, input } of inputs) {
        try {
          const plan = await this.planUpsert(q, input);
          if (!dryRun) await this.#applyUpsert(q, plan, who);
          outcomes.push({ line, action: plan.action });
        } catch (error) {
          if (!(error instanceof ToolError)) throw error;
          errors.push({ line, message: error.message });
        }
      }
      return { outcomes, errors };
    };
    return dryRun ? this.db.read(work) : this.db.write(work);
  }

  async delete(
    ref: CiRef,
    cascade: boolean,
    who: Mutator,
    dryRun: boolean,
  ): Promise<{ item: ConfigItem; relationshipsRemoved: number }> {
    const work = async (q: Queryable) => {
      const item = await this.requireItem(q, ref);
      const inbound = await q.all<{ source_id: string; type: RelationshipType }>(
        'SELECT source_id, type FROM relationship WHERE target_id = ? ORDER BY type, source_id',
        [item.id],
      );
      if (inbound.length > 0 && !cascade) {
        const sources = await this.#itemsByIds(
          q,
          inbound.slice(0, 20).map((r) => r.source_id),
        );
        const names = inbound
          .slice(0, 20)
          .map((r) => {
            const s = sources.get(r.source_id);
            return s ? `${s.type}/${s.name} ${r.type}` : r.source_id;
          })
          .join(', ');
        throw new ToolError(
          'CONFLICT',
          `${item.type}/${item.name} cannot be deleted: ${inbound.length} relationship(s) point at it (${names}); remove them or pass cascade: true`,
          { details: { inbound: inbound.length } },
        );
      }
      const outbound = await q.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM relationship WHERE source_id = ?', [
        item.id,
      ]);
      const removed = inbound.length + Number(outbound?.n ?? 0);
      if (!dryRun) {
        await q.run('DELETE FROM relationship WHERE source_id = ? OR target_id = ?', [item.id, item.id]);
        await q.run('DELETE FROM ci WHERE id = ?', [item.id]);
        await this.#log(q, who, 'delete', item, item, undefined);
      }
      return { item, relationshipsRemoved: removed };
    };
    return dryRun ? this.db.read(work) : this.db.write(work);
  }

  async relate(
    sourceRef: CiRef,
    type: RelationshipType,
    targetRef: CiRef,
    who: Mutator,
    remove: boolean,
  ): Promise<{ relationship: Relationship; changed: boolean }> {
    return this.db.write(async (q) => {
      const source = await this.requireItem(q, sourceRef, 'relationship source');
      const target = await this.requireItem(q, targetRef, 'relationship target');
      if (source.id === target.id) throw new ToolError('INVALID_ARGUMENT', 'a CI cannot have a relationship with itself');
      const edge = { source: `${source.type}/${source.name}`, type, target: `${target.type}/${target.name}` };
      let changed: boolean;
      if (remove) {
        changed =
          (await q.run('DELETE FROM relationship WHERE source_id = ? AND type = ? AND target_id = ?', [
            source.id,
            type,
            target.id,
          ])) > 0;
        if (!changed) throw new ToolError('NOT_FOUND', `relationship ${edge.source} ${type} ${edge.target} does not exist`);
        await this.#log(q, who, 'unrelate', source, edge, undefined);
      } else {
        const exists = await q.get('SELECT 1 AS x FROM relationship WHERE source_id = ? AND type = ? AND target_id = ?', [
          source.id,
          type,
          target.id,
        ]);
        changed = !exists;
        if (changed) {
          await q.run('INSERT INTO relationship (source_id, type, target_id, created_at) VALUES (?, ?, ?, ?)', [
            source.id,
            type,
            target.id,
            new Date().toISOString(),
          ]);
          await this.#log(q, who, 'relate', source, undefined, edge);
        }
      }
      return { relationship: { type, source, target }, changed };
    });
  }

  // ---- graph ---------------------------------------------------------------------------------------------

  /**
   * Breadth-first walk over relationships from a CI. `up` finds what is affected when it fails (the sources of
   * relationships that point at it, transitively); `down` finds what it relies on. Each CI appears once, at its
   * shortest distance; cycles end the walk.
   */
  async impact(
    ref: CiRef,
    direction: 'up' | 'down',
    maxDepth: number,
  ): Promise<{ root: ConfigItem; entries: ImpactEntry[]; truncatedAtDepth: boolean }> {
    return this.db.read(async (q) => {
      const root = await this.requireItem(q, ref);
      const reached = new Map<string, { depth: number; via: string; relationship: RelationshipType }>();
      const seen = new Set([root.id]);
      let frontier = [root.id];
      const [from, to] = direction === 'up' ? ['target_id', 'source_id'] : ['source_id', 'target_id'];
      for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
        const next: string[] = [];
        for (const part of chunks(frontier)) {
          const rows = await q.all<{ next: string; prev: string; type: RelationshipType }>(
            `SELECT ${to} AS next, ${from} AS prev, type FROM relationship WHERE ${from} IN (${placeholders(part.length)}) ORDER BY type, ${to}`,
            part,
          );
          for (const row of rows) {
            if (seen.has(row.next)) continue;
            seen.add(row.next);
            reached.set(row.next, { depth, via: row.prev, relationship: row.type });
            next.push(row.next);
          }
        }
        frontier = next;
      }
      let truncatedAtDepth = false;
      for (const part of chunks(frontier)) {
        const more = await q.all<{ next: string }>(
          `SELECT ${to} AS next FROM relationship WHERE ${from} IN (${placeholders(part.length)})`,
          part,
        );
        if (more.some((row) => !seen.has(row.next))) truncatedAtDepth = true;
      }
      const items = await this.#itemsByIds(q, [...reached.keys()]);
      items.set(root.id, root);
      const label = (id: string) => {
        const item = items.get(id);
        return item ? `${item.type}/${item.name}` : id;
      };
      const pathOf = (id: string): string[] => {
        const path: string[] = [];
        for (let cur: string | undefined = id; cur && cur !== root.id; cur = reached.get(cur)?.via) path.unshift(label(cur));
        return [label(root.id), ...path];
      };
      const entries: ImpactEntry[] = [];
      for (const [id, hop] of reached) {
        const item = items.get(id);
        if (item) entries.push({ item, depth: hop.depth, relationship: hop.relationship, via: label(hop.via), path: pathOf(id) });
      }
      entries.sort(
        (a, b) => a.depth - b.depth || a.item.type.localeCompare(b.item.type) || a.item.name.localeCompare(b.item.name),
      );
      return { root, entries, truncatedAtDepth };
    });
  }

  // ---- changelog -----------------------------------------------------------------------------------------

  async changelog(
    filter: ChangelogFilter,
    limit: number,
    beforeSeq?: number,
  ): Promise<{ entries: ChangelogEntry[]; total: number; hasMore: boolean }> {
    const clauses: string[] = [];
    const params: SqlValue[] = [];
    if (filter.ciId) {
      clauses.push('ci_id = ?');
      params.push(filter.ciId);
    }
    if (filter.ciType && filter.ciName) {
      clauses.push('ci_type = ? AND ci_name = ?');
      params.push(filter.ciType, filter.ciName);
    }
    if (filter.actor) {
      clauses.push('actor = ?');
      params.push(filter.actor);
    }
    if (filter.action) {
      clauses.push('action = ?');
      params.push(filter.action);
    }
    if (filter.since) {
      clauses.push('at >= ?');
      params.push(filter.since);
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    return this.db.read(async (q) => {
      const total = await q.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM changelog ${where}`, params);
      const page = beforeSeq === undefined ? where : `${where ? `${where} AND` : 'WHERE'} seq < ?`;
      type Row = {
        seq: number | string;
        at: string;
        actor: string;
        correlation_id: string | null;
        action: string;
        ci_id: string | null;
        ci_type: string | null;
        ci_name: string | null;
        before_json: string | null;
        after_json: string | null;
      };
      const rows = await q.all<Row>(`SELECT * FROM changelog ${page} ORDER BY seq DESC LIMIT ?`, [
        ...params,
        ...(beforeSeq === undefined ? [] : [beforeSeq]),
        limit + 1,
      ]);
      const entries = rows.slice(0, limit).map((row): ChangelogEntry => {
        const before = row.before_json === null ? undefined : JSON.parse(row.before_json);
        const after = row.after_json === null ? undefined : JSON.parse(row.after_json);
        const isItem = row.action === 'create' || row.action === 'update' || row.action === 'delete';
        return {
          seq: Number(row.seq),
          at: row.at,
          actor: row.actor,
          correlationId: row.correlation_id,
          action: row.action,
          ci: { id: row.ci_id, type: row.ci_type, name: row.ci_name },
          changes: isItem ? diffItems(before, after) : [],
          before: before ?? null,
          after: after ?? null,
        };
      });
      return { entries, total: Number(total?.n ?? 0), hasMore: rows.length > limit };
    });
  }
}
