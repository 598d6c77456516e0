import { type Db, placeholders } from '@switchboard/shared/sql';
import type { CiRef, ConfigItem, RelationshipType } from '../model.ts';
import { chunks, itemsByIds, requireItem } from './rows.ts';
import type { ImpactEntry } from './types.ts';

/**
 * Breadth-first walk over relationships from a CI. `up` finds what is affected when it fails (the sources of
 * relationships that point at it, transitively); `down` finds what it relies on. Each CI appears once, at its
 * shortest distance; cycles end the walk.
 */
export async function impact(
  db: Db,
  ref: CiRef,
  direction: 'up' | 'down',
  maxDepth: number,
): Promise<{ root: ConfigItem; entries: ImpactEntry[]; truncatedAtDepth: boolean }> {
  return db.read(async (q) => {
    const root = await requireItem(q, ref);
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
    const items = await itemsByIds(q, [...reached.keys()]);
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
    entries.sort((a, b) => a.depth - b.depth || a.item.type.localeCompare(b.item.type) || a.item.name.localeCompare(b.item.name));
    return { root, entries, truncatedAtDepth };
  });
}
