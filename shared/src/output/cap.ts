/**
 * The safety net under every tool result: a value whose JSON is over the cap is shrunk, largest parts first
 * (long strings are cut with a marker, long arrays lose their tail), so it still matches its schema.
 */
export interface CapResult<T> {
  value: T;
  truncated: boolean;
  originalBytes: number;
  bytes: number;
}

const STRING_FLOOR = 200;
const MAX_ROUNDS = 200;

interface Slot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  size: number;
}

function byteSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

function largestShrinkable(root: { v: unknown }): Slot | undefined {
  let best: Slot | undefined;
  const visit = (parent: Record<string, unknown> | unknown[], key: string | number, value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length > STRING_FLOOR) {
        const size = Buffer.byteLength(value);
        if (!best || size > best.size) best = { parent, key, size };
      }
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      if (value.length > 1) {
        const size = byteSize(value);
        if (!best || size > best.size) best = { parent, key, size };
      }
      for (const [index, item] of value.entries()) visit(value, index, item);
      return;
    }
    for (const [k, v] of Object.entries(value)) visit(value as Record<string, unknown>, k, v);
  };
  visit(root as unknown as Record<string, unknown>, 'v', root.v);
  return best;
}

export function capValue<T>(value: T, capBytes: number): CapResult<T> {
  const originalBytes = byteSize(value);
  if (originalBytes <= capBytes) return { value, truncated: false, originalBytes, bytes: originalBytes };
  const root = { v: structuredClone(value) as unknown };
  let bytes = originalBytes;
  for (let round = 0; round < MAX_ROUNDS && bytes > capBytes; round++) {
    const slot = largestShrinkable(root);
    if (!slot) break;
    const excess = bytes - capBytes;
    const current = (slot.parent as Record<string | number, unknown>)[slot.key];
    if (typeof current === 'string') {
      const keepChars = Math.max(STRING_FLOOR, current.length - excess - 64);
      const cut = current.length - keepChars;
      (slot.parent as Record<string | number, unknown>)[slot.key] = `${current.slice(0, keepChars)}…[truncated ${cut} chars]`;
    } else if (Array.isArray(current)) {
      const perItem = slot.size / current.length;
      const drop = Math.min(current.length - 1, Math.max(1, Math.ceil(excess / Math.max(perItem, 1))));
      current.length -= drop;
    }
    bytes = byteSize(root.v);
  }
  return { value: root.v as T, truncated: true, originalBytes, bytes };
}
