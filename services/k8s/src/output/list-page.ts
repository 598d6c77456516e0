import { decodeCursor, encodeCursor, fitPage, z } from '@switchboard/shared';

/**
 * Pages over the API's own `limit`/`continue`: the cursor wraps the continue token that fetched the current
 * server page plus how many of its items were already returned (when the byte cap cut a page short), so no item
 * is skipped or repeated. `total` is exact when the API reports remainingItemCount or on the last page.
 */
export function listOutput<T extends z.ZodType>(item: T) {
  return {
    items: z.array(item),
    total: z.number().int().min(0).describe('Items matching the query over all pages (a lower bound when totalExact is false)'),
    totalExact: z.boolean().describe('false when the API gave no count (selectors) and more pages remain'),
    nextCursor: z.string().optional().describe('Pass as cursor to get the next page; absent on the last page'),
  };
}

export interface ListPage<T> {
  items: T[];
  total: number;
  totalExact: boolean;
  nextCursor?: string;
}

type Position = {
  /** The continue token that fetches the server page this position is in. */
  c?: string;
  /** Items of that page already returned. */
  s: number;
  /** Items before that page. */
  o: number;
};

export interface ServerPage<R> {
  items: R[];
  metadata?: { _continue?: string; remainingItemCount?: number };
}

export async function pageThrough<R, T>(options: {
  limit: number;
  cursor: string | undefined;
  scope: unknown;
  capBytes: number;
  fetch: (limit: number, continueToken: string | undefined) => Promise<ServerPage<R>>;
  row: (item: R) => T;
}): Promise<ListPage<T>> {
  const at = options.cursor ? decodeCursor<Position>(options.cursor, options.scope) : { s: 0, o: 0 };
  const page = await options.fetch(at.s + options.limit, at.c);
  const rows = page.items.slice(at.s).map(options.row);
  const next = page.metadata?._continue || undefined;
  const remaining = page.metadata?.remainingItemCount;
  const seen = at.o + page.items.length;
  const total = next ? seen + (remaining ?? 0) : seen;
  const fitted = fitPage(rows, { total, capBytes: options.capBytes, hasMore: false, cursorAfter: () => '' });
  const kept = fitted.items.length;
  const result: ListPage<T> = { items: fitted.items, total, totalExact: !next || remaining !== undefined };
  if (kept < rows.length)
    result.nextCursor = encodeCursor({ ...(at.c ? { c: at.c } : {}), s: at.s + kept, o: at.o }, options.scope);
  else if (next) result.nextCursor = encodeCursor({ c: next, s: 0, o: seen }, options.scope);
  return result;
}
