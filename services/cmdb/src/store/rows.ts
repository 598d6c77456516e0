import { ToolError } from '@switchboard/shared';
import { placeholders, type Queryable } from '@switchboard/shared/sql';
import { type AttributeValue, type CiRef, type CiType, type ConfigItem, refLabel } from '../model.ts';

/** CI rows and their conversion, and the lookups every query concern shares. */

export interface CiRow {
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

export function sortedAttributes(attributes: Record<string, AttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function toItem(row: CiRow): ConfigItem {
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

export const CI_COLUMNS =
  'ci.id, ci.type, ci.name, ci.environment, ci.owner, ci.tags, ci.attributes, ci.created_at, ci.updated_at, ci.version';
const CHUNK = 500;

export function chunks<T>(values: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What free-text search looks in: name, environment, owner, tags, attribute keys and values, lower-cased. */
export function searchTextOf(item: ConfigItem): string {
  const parts = [item.name, item.environment ?? '', item.owner ?? '', ...item.tags];
  for (const [key, value] of Object.entries(item.attributes)) parts.push(key, String(value));
  return parts.join(' ').toLowerCase();
}

/** Normalises tags: trimmed, unique, sorted. */
export function normaliseTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))].sort();
}

export async function findItem(q: Queryable, ref: CiRef): Promise<ConfigItem | undefined> {
  const row = ref.id
    ? await q.get<CiRow>(`SELECT ${CI_COLUMNS} FROM ci WHERE ci.id = ?`, [ref.id])
    : await q.get<CiRow>(`SELECT ${CI_COLUMNS} FROM ci WHERE ci.type = ? AND ci.name = ?`, [ref.type ?? null, ref.name ?? null]);
  return row ? toItem(row) : undefined;
}

export async function requireItem(q: Queryable, ref: CiRef, role = 'CI'): Promise<ConfigItem> {
  const item = await findItem(q, ref);
  if (!item) throw new ToolError('NOT_FOUND', `${role} ${refLabel(ref)} does not exist`);
  return item;
}

export async function itemsByIds(q: Queryable, ids: string[]): Promise<Map<string, ConfigItem>> {
  const out = new Map<string, ConfigItem>();
  for (const part of chunks(ids)) {
    const rows = await q.all<CiRow>(`SELECT ${CI_COLUMNS} FROM ci WHERE ci.id IN (${placeholders(part.length)})`, part);
    for (const row of rows) out.set(row.id, toItem(row));
  }
  return out;
}

/** A CI with its relationships, each direction capped at `limit`, with totals. */
