import {
  type Db,
  type Dialect,
  escapeLike,
  jsonFieldIn,
  placeholders,
  type Queryable,
  type SqlValue,
} from '@switchboard/shared/sql';
import { type AttributeValue, type CiRef, type ConfigItem, type RelationshipType, summaryOf } from '../model.ts';
import { CI_COLUMNS, type CiRow, itemsByIds, requireItem, toItem } from './rows.ts';
import type { ItemView, SearchFilter } from './types.ts';

/** Reading CIs: filtered search with keyset paging, and one CI with its relationships. */

function filterSql(dialect: Dialect, filter: SearchFilter): { where: string; params: SqlValue[] } {
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
/** Tags ordered rarest first, so the most selective one drives the query. */
async function orderTags(q: Queryable, tags: string[]): Promise<string[]> {
  const counts = await q.all<{ tag: string; n: number | string }>(
    `SELECT tag, COUNT(*) AS n FROM ci_tag WHERE tag IN (${placeholders(tags.length)}) GROUP BY tag`,
    tags,
  );
  const count = new Map(counts.map((row) => [row.tag, Number(row.n)]));
  return [...new Set(tags)].sort((a, b) => (count.get(a) ?? 0) - (count.get(b) ?? 0));
}

/** One page of matching CIs ordered by type then name, after the given key, plus the total. */
/** One page of matching CIs ordered by type then name, after the given key, plus the total. */
export async function search(
  db: Db,
  filter: SearchFilter,
  limit: number,
  after?: { type: string; name: string },
): Promise<{ items: ConfigItem[]; total: number; hasMore: boolean }> {
  return db.read(async (q) => {
    const tags = filter.tags && filter.tags.length > 1 ? await orderTags(q, filter.tags) : filter.tags;
    const { where, params } = filterSql(db.dialect, { ...filter, tags });
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

/** A CI with its relationships, each direction capped at `limit`, with totals. */
export async function describe(db: Db, ref: CiRef, limit: number): Promise<ItemView> {
  return db.read(async (q) => {
    const item = await requireItem(q, ref);
    type EdgeRow = { type: RelationshipType; other: string };
    const out = await q.all<EdgeRow>(
      'SELECT type, target_id AS other FROM relationship WHERE source_id = ? ORDER BY type, target_id LIMIT ?',
      [item.id, limit],
    );
    const inc = await q.all<EdgeRow>(
      'SELECT type, source_id AS other FROM relationship WHERE target_id = ? ORDER BY type, source_id LIMIT ?',
      [item.id, limit],
    );
    const outTotal = await q.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM relationship WHERE source_id = ?', [item.id]);
    const incTotal = await q.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM relationship WHERE target_id = ?', [item.id]);
    const items = await itemsByIds(
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
