import { z } from '@switchboard/shared';
import type { MetadataValue } from './vector-store.ts';

const scalar = z.union([z.string().max(1000), z.number(), z.boolean()]);

const condition = z.union([
  scalar,
  z.strictObject({
    in: z
      .array(z.union([z.string().max(1000), z.number()]))
      .min(1)
      .max(100),
  }),
  z.strictObject({ not: scalar }),
  z
    .strictObject({
      gt: z.number().optional(),
      gte: z.number().optional(),
      lt: z.number().optional(),
      lte: z.number().optional(),
    })
    .refine((r) => Object.keys(r).length > 0, 'give at least one of gt, gte, lt, lte'),
]);

export const metadataKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ and -');

/**
 * A metadata filter: every key's condition must hold. A value matches equal metadata (or any element of an array);
 * `{in: [...]}` any of the values; `{not: v}` anything but v; `{gt, gte, lt, lte}` a numeric range.
 */
export const metadataFilterSchema = z
  .record(metadataKey, condition)
  .refine((f) => Object.keys(f).length <= 16, 'at most 16 conditions')
  .describe('e.g. {"team":"payments","year":{"gte":2024},"status":{"in":["open","triaged"]}}');

export type MetadataFilter = z.infer<typeof metadataFilterSchema>;
type Condition = z.infer<typeof condition>;

function values(value: MetadataValue | undefined): (string | number | boolean)[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function holds(cond: Condition, value: MetadataValue | undefined): boolean {
  const have = values(value);
  if (typeof cond !== 'object') return have.some((v) => v === cond);
  if ('in' in cond) return have.some((v) => (cond.in as unknown[]).includes(v));
  if ('not' in cond) return !have.some((v) => v === cond.not);
  return have.some(
    (v) =>
      typeof v === 'number' &&
      (cond.gt === undefined || v > cond.gt) &&
      (cond.gte === undefined || v >= cond.gte) &&
      (cond.lt === undefined || v < cond.lt) &&
      (cond.lte === undefined || v <= cond.lte),
  );
}

/** Evaluates a filter against one document's metadata (the embedded store; Qdrant evaluates its own). */
export function matches(filter: MetadataFilter | undefined, metadata: Record<string, MetadataValue>): boolean {
  if (!filter) return true;
  for (const [key, cond] of Object.entries(filter)) if (!holds(cond, metadata[key])) return false;
  return true;
}

/** The same filter in Qdrant's language, on payload field `metadata.<key>`. */
export function toQdrantFilter(
  filter: MetadataFilter | undefined,
  extra: Record<string, unknown>[] = [],
): Record<string, unknown> | undefined {
  const must: Record<string, unknown>[] = [...extra];
  const mustNot: Record<string, unknown>[] = [];
  for (const [name, cond] of Object.entries(filter ?? {})) {
    const key = `metadata.${name}`;
    if (typeof cond !== 'object') must.push({ key, match: { value: cond } });
    else if ('in' in cond) must.push({ key, match: { any: cond.in } });
    else if ('not' in cond) mustNot.push({ key, match: { value: cond.not } });
    else must.push({ key, range: cond });
  }
  if (must.length === 0 && mustNot.length === 0) return undefined;
  // Qdrant's must_not passes points that lack the key; ours fails them only on an equal value: the same rule.
  return { ...(must.length > 0 ? { must } : {}), ...(mustNot.length > 0 ? { must_not: mustNot } : {}) };
}
