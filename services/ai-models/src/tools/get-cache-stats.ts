import { defineTool, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { counterValue } from '../metrics.ts';

export const getCacheStats = defineTool({
  name: 'getCacheStats',
  title: 'Response cache statistics',
  description:
    "The response cache: backend (sqlite, postgres or redis), live entries and bytes, lifetime hits and misses (kept in the cache store, shared by replicas), the hit rate, and this process's own hit/miss counts.",
  input: z.object({}),
  output: z.object({
    backend: z.enum(['sqlite', 'postgres', 'redis']),
    enabled: z.boolean(),
    ttlSeconds: z.number().int(),
    entries: z.number().int(),
    bytes: z.number().int(),
    hits: z.number().int(),
    misses: z.number().int(),
    hitRate: z.number().describe('hits / (hits + misses), 0 when none'),
    process: z.object({ hits: z.number().int(), misses: z.number().int() }),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (_args, ctx: AiToolContext) => {
    const stats = await (await ctx.clients.cache()).stats();
    const lookups = stats.hits + stats.misses;
    return {
      ...stats,
      enabled: ctx.config.cacheEnabled,
      ttlSeconds: ctx.config.cacheTtlSeconds,
      hitRate: lookups === 0 ? 0 : Math.round((stats.hits / lookups) * 1e4) / 1e4,
      process: {
        hits: await counterValue(ctx.clients.metrics.cacheLookups, { result: 'hit' }),
        misses: await counterValue(ctx.clients.metrics.cacheLookups, { result: 'miss' }),
      },
    };
  },
});
