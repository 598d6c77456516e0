import { defineTool, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { collectionName } from './vector-schemas.ts';

export const deleteCollection = defineTool({
  name: 'deleteCollection',
  title: 'Delete a vector collection',
  description: 'Deletes a collection and every document in it. Deleting one that does not exist reports deleted: false.',
  input: z.object({ name: collectionName }),
  output: z.object({ name: z.string(), deleted: z.boolean(), pointsRemoved: z.number().int() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  handler: async (args, ctx: AiToolContext) =>
    ctx.idempotent(async () => {
      const store = await ctx.clients.vectors();
      const before = await store.getCollection(args.name);
      const deleted = await store.deleteCollection(args.name);
      return { name: args.name, deleted, pointsRemoved: deleted ? (before?.points ?? 0) : 0 };
    }),
});
