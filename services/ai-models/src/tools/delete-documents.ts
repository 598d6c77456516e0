import { defineTool, ToolError, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { metadataFilterSchema } from '../vectors/filter.ts';
import { collectionName } from './vector-schemas.ts';

export const deleteDocuments = defineTool({
  name: 'deleteDocuments',
  title: 'Delete documents from a collection',
  description:
    'Deletes documents (all their chunks) by id, or every document whose metadata matches a filter, or both (ids that also match).',
  input: z.object({
    collection: collectionName,
    ids: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
    filter: metadataFilterSchema.optional(),
  }),
  output: z.object({ collection: z.string(), chunksRemoved: z.number().int() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  handler: async (args, ctx: AiToolContext) =>
    ctx.idempotent(async () => {
      if (!args.ids && !args.filter)
        throw new ToolError('INVALID_ARGUMENT', 'give ids, a filter, or both (deleteCollection removes everything)');
      const removed = await (await ctx.clients.vectors()).deleteDocuments(args.collection, args.ids, args.filter);
      return { collection: args.collection, chunksRemoved: removed };
    }),
});
