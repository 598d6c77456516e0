import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ToolError } from '../errors.ts';

/**
 * The one paging pattern every list tool shares: `limit` + `cursor` in, `items` + `total` + `nextCursor` out.
 * Cursors are opaque, bound to the query that produced them, and rejected for any other query.
 */
export interface PageInputOptions {
  defaultLimit?: number;
  maxLimit?: number;
}

export function pageInput(options: PageInputOptions = {}) {
  const defaultLimit = options.defaultLimit ?? 20;
  const maxLimit = options.maxLimit ?? 200;
  return {
    limit: z
      .number()
      .int()
      .min(1)
      .max(maxLimit)
      .default(defaultLimit)
      .describe(`Maximum number of items to return (default ${defaultLimit}, max ${maxLimit})`),
    cursor: z.string().min(1).optional().describe('Opaque cursor from a previous nextCursor, to get the next page'),
  };
}

export function pageOutput<T extends z.ZodType>(item: T) {
  return {
    items: z.array(item),
    total: z.number().int().min(0).describe('Number of items matching the query, over all pages'),
    nextCursor: z.string().optional().describe('Pass as cursor to get the next page; absent on the last page'),
  };
}

export interface Page<T> {
  items: T[];
  total: number;
  nextCursor?: string;
}

function scopeHash(scope: unknown): string {
  return createHash('sha256').update(JSON.stringify(scope)).digest('base64url').slice(0, 10);
}

/** Encodes a position (offset, last key) for the query identified by `scope` (its filters). */
export function encodeCursor(position: Record<string, unknown>, scope: unknown): string {
  return Buffer.from(JSON.stringify({ s: scopeHash(scope), p: position })).toString('base64url');
}

export function decodeCursor<T extends Record<string, unknown>>(cursor: string, scope: unknown): T {
  let decoded: { s?: unknown; p?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ToolError('INVALID_ARGUMENT', 'cursor is malformed; pass the nextCursor of a previous call unchanged');
  }
  if (!decoded || typeof decoded !== 'object' || typeof decoded.p !== 'object' || decoded.p === null) {
    throw new ToolError('INVALID_ARGUMENT', 'cursor is malformed; pass the nextCursor of a previous call unchanged');
  }
  if (decoded.s !== scopeHash(scope)) {
    throw new ToolError('INVALID_ARGUMENT', 'cursor belongs to a different query; repeat the same filters with it or drop it');
  }
  return decoded.p as T;
}

export interface FitPageOptions<T> {
  total: number;
  /** Byte budget for the items (use the context's outputCapBytes). */
  capBytes: number;
  /** Whether more items exist beyond those given. */
  hasMore: boolean;
  /** The cursor that resumes right after this item. */
  cursorAfter: (item: T) => string;
}

/**
 * How many of the leading items fit, serialised as a JSON array, in `budgetBytes`: at least one, so a page always
 * moves forward.
 */
export function countWithin(items: readonly unknown[], budgetBytes: number): number {
  let used = 0;
  let keep = 0;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (keep > 0 && used + size > budgetBytes) break;
    used += size;
    keep += 1;
  }
  return keep;
}

/**
 * Builds a page, dropping trailing items that would push the serialised page over the byte budget, so a list
 * result is paged rather than truncated. At least one item is kept.
 */
export function fitPage<T>(items: T[], options: FitPageOptions<T>): Page<T> {
  const keep = countWithin(items, Math.floor(options.capBytes * 0.9) - 64);
  const page: Page<T> = { items: items.slice(0, keep), total: options.total };
  const last = page.items[page.items.length - 1];
  if (last !== undefined && (keep < items.length || options.hasMore)) page.nextCursor = options.cursorAfter(last);
  return page;
}
