import { randomUUID } from 'node:crypto';
import { ToolError } from '@switchboard/shared';
import type { Db, Queryable } from '@switchboard/shared/sql';
import type { AttributeValue, CiRef, ConfigItem, RelationshipType } from '../model.ts';
import { diffItems } from './diff.ts';
import { findItem, itemsByIds, normaliseTags, requireItem, sameJson, searchTextOf, sortedAttributes } from './rows.ts';
import type { Mutator, Relationship, UpsertAction, UpsertInput, UpsertOutcome } from './types.ts';

/** Changing CIs and relationships: each public function is one transaction that also writes the changelog. */

async function logChange(
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
/** Works out what an upsert would do, without writing. */
export async function planUpsert(
  q: Queryable,
  input: UpsertInput,
): Promise<{ before: ConfigItem | undefined; after: ConfigItem; action: UpsertAction }> {
  const byKey = await findItem(q, { type: input.type, name: input.name });
  let before: ConfigItem | undefined;
  if (input.id) {
    before = await findItem(q, { id: input.id });
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
  let attributes: Record<string, AttributeValue> = input.attributesMode === 'replace' || !before ? {} : { ...before.attributes };
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

async function applyUpsert(
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
  await logChange(q, who, action === 'created' ? 'create' : 'update', after, before, after);
}

export async function upsert(db: Db, input: UpsertInput, who: Mutator, dryRun: boolean): Promise<UpsertOutcome> {
  const work = async (q: Queryable) => {
    const plan = await planUpsert(q, input);
    if (!dryRun) await applyUpsert(q, plan, who);
    return {
      action: plan.action,
      item: plan.after,
      changes: plan.action === 'unchanged' ? [] : diffItems(plan.before, plan.after),
    };
  };
  return dryRun ? db.read(work) : db.write(work);
}

/** Upserts many items in one transaction; a row that fails validation in `plan` is reported, not written. */
/** Upserts many items in one transaction; a row that fails validation in `plan` is reported, not written. */
export async function upsertMany(
  db: Db,
  inputs: { line: number; input: UpsertInput }[],
  who: Mutator,
  dryRun: boolean,
): Promise<{ outcomes: { line: number; action: UpsertAction }[]; errors: { line: number; message: string }[] }> {
  const work = async (q: Queryable) => {
    const outcomes: { line: number; action: UpsertAction }[] = [];
    const errors: { line: number; message: string }[] = [];
    for (const { line, input } of inputs) {
      try {
        const plan = await planUpsert(q, input);
        if (!dryRun) await applyUpsert(q, plan, who);
        outcomes.push({ line, action: plan.action });
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
        errors.push({ line, message: error.message });
      }
    }
    return { outcomes, errors };
  };
  return dryRun ? db.read(work) : db.write(work);
}

export async function deleteItem(
  db: Db,
  ref: CiRef,
  cascade: boolean,
  who: Mutator,
  dryRun: boolean,
): Promise<{ item: ConfigItem; relationshipsRemoved: number }> {
  const work = async (q: Queryable) => {
    const item = await requireItem(q, ref);
    const inbound = await q.all<{ source_id: string; type: RelationshipType }>(
      'SELECT source_id, type FROM relationship WHERE target_id = ? ORDER BY type, source_id',
      [item.id],
    );
    if (inbound.length > 0 && !cascade) {
      const sources = await itemsByIds(
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
    const outbound = await q.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM relationship WHERE source_id = ?', [item.id]);
    const removed = inbound.length + Number(outbound?.n ?? 0);
    if (!dryRun) {
      await q.run('DELETE FROM relationship WHERE source_id = ? OR target_id = ?', [item.id, item.id]);
      await q.run('DELETE FROM ci WHERE id = ?', [item.id]);
      await logChange(q, who, 'delete', item, item, undefined);
    }
    return { item, relationshipsRemoved: removed };
  };
  return dryRun ? db.read(work) : db.write(work);
}

export async function relate(
  db: Db,
  sourceRef: CiRef,
  type: RelationshipType,
  targetRef: CiRef,
  who: Mutator,
  remove: boolean,
): Promise<{ relationship: Relationship; changed: boolean }> {
  return db.write(async (q) => {
    const source = await requireItem(q, sourceRef, 'relationship source');
    const target = await requireItem(q, targetRef, 'relationship target');
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
      await logChange(q, who, 'unrelate', source, edge, undefined);
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
        await logChange(q, who, 'relate', source, undefined, edge);
      }
    }
    return { relationship: { type, source, target }, changed };
  });
}
