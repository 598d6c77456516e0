import type { ConfigItem, FieldChange } from '../model.ts';

const SCALAR_FIELDS = ['type', 'name', 'environment', 'owner'] as const;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Field-level differences between two versions of a CI; attributes are compared key by key. */
export function diffItems(before: ConfigItem | undefined, after: ConfigItem | undefined): FieldChange[] {
  const changes: FieldChange[] = [];
  const b = before as Partial<ConfigItem> | undefined;
  const a = after as Partial<ConfigItem> | undefined;
  for (const field of SCALAR_FIELDS) {
    if (!same(b?.[field] ?? null, a?.[field] ?? null)) {
      changes.push({ field, before: b?.[field] ?? null, after: a?.[field] ?? null });
    }
  }
  if (!same(b?.tags ?? [], a?.tags ?? [])) changes.push({ field: 'tags', before: b?.tags ?? [], after: a?.tags ?? [] });
  const keys = new Set([...Object.keys(b?.attributes ?? {}), ...Object.keys(a?.attributes ?? {})]);
  for (const key of [...keys].sort()) {
    const was = b?.attributes?.[key];
    const now = a?.attributes?.[key];
    if (!same(was, now)) {
      const change: FieldChange = { field: `attributes.${key}` };
      if (was !== undefined) change.before = was;
      if (now !== undefined) change.after = now;
      changes.push(change);
    }
  }
  return changes;
}
