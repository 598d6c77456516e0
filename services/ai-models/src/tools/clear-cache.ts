import { defineTool, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { modelId } from './shared-schemas.ts';

export const clearCache = defineTool({
  name: 'clearCache',
  title: 'Clear the response cache',
  description: 'Removes every cached answer, or only those of one model. The hit/miss statistics are kept.',
  input: z.object({ model: modelId.optional().describe('Only this model id; default: everything') }),
  output: z.object({ removed: z.number().int(), backend: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  handler: async (args, ctx: AiToolContext) =>
    ctx.idempotent(async () => {
      const cache = await ctx.clients.cache();
      const removed = await cache.clear(args.model);
      ctx.log.info({ removed, model: args.model }, 'response cache cleared');
      return { removed, backend: cache.backend };
    }),
});
