import { countWithin, decodeCursor, encodeCursor, z } from '@switchboard/shared';

/** Our cursor over a provider's continuation token: the token that fetched a page and how many of its items were given. */
interface Position extends Record<string, unknown> {
  t?: string;
  s?: number;
}

export interface ProviderPage<T> {
  items: T[];
  /** The provider's continuation token for the page after this one. */
  next?: string | undefined;
}

export interface PageOptions<T> {
  cursor: string | undefined;
  /** The query's filters: a cursor is valid only for the same query. */
  scope: unknown;
  limit: number;
  /** Byte budget for the items (the kit's output cap). */
  capBytes: number;
  /** The most items the provider returns per page. */
  providerMax: number;
  fetch(token: string | undefined, pageSize: number): Promise<ProviderPage<T>>;
}

export interface PageResult<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * Pages through a provider with its continuation token, under both an item limit and a byte budget. When the
 * byte budget cuts a provider page short, the next cursor points at the same page with the number already given,
 * so no item is lost or repeated.
 */
export async function providerPage<T>(options: PageOptions<T>): Promise<PageResult<T>> {
  const position: Position = options.cursor ? decodeCursor<Position>(options.cursor, options.scope) : {};
  const skip = position.s ?? 0;
  const pageSize = Math.min(options.providerMax, skip + options.limit);
  const page = await options.fetch(position.t, pageSize);
  const candidates = page.items.slice(skip, skip + options.limit);
  const keep = countWithin(candidates, Math.floor(options.capBytes * 0.8) - 128);
  const items = candidates.slice(0, keep);
  const given = skip + keep;
  let nextCursor: string | undefined;
  if (given < page.items.length) nextCursor = encodeCursor({ ...(position.t ? { t: position.t } : {}), s: given }, options.scope);
  else if (page.next) nextCursor = encodeCursor({ t: page.next, s: 0 }, options.scope);
  return nextCursor ? { items, nextCursor } : { items };
}

export function listInput(defaultLimit = 20, maxLimit = 200) {
  return {
    limit: z
      .number()
      .int()
      .min(1)
      .max(maxLimit)
      .default(defaultLimit)
      .describe(`Items per page (default ${defaultLimit}, max ${maxLimit})`),
    cursor: z.string().min(1).optional().describe('nextCursor of the previous call, to get the next page'),
  };
}

export function listOutput<T extends z.ZodType>(item: T) {
  return {
    items: z.array(item),
    count: z.number().int().min(0).describe('Items on this page'),
    total: z.number().int().min(0).optional().describe('Items over all pages, when the provider reports it'),
    nextCursor: z.string().optional().describe('Pass as cursor for the next page; absent on the last page'),
  };
}
