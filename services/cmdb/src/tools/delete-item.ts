import { defineTool, z } from '@switchboard/shared';
import { type CmdbToolContext, mutate, mutatorOf } from '../context.ts';
import { ciRefShape, ciSummarySchema, summaryOf } from '../model.ts';
import { requireRef } from './shared-schemas.ts';

export const deleteItem = defineTool({
  name: 'deleteItem',
  title: 'Delete a configuration item',
  description:
    'Deletes a CI. Refuses while relationships point at it unless cascade is true (which removes those relationships, not the other CIs).',
  input: z.object({
    ...ciRefShape,
    cascade: z.boolean().default(false),
    dryRun: z.boolean().default(false).describe('Report what would be deleted without deleting'),
  }),
  output: z.object({ deleted: ciSummarySchema, relationshipsRemoved: z.number().int(), dryRun: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  handler: async (args, ctx: CmdbToolContext) => {
    const store = await ctx.clients.store();
    const ref = requireRef(args);
    const result = await mutate(ctx, args.dryRun, () => store.delete(ref, args.cascade, mutatorOf(ctx), args.dryRun));
    return { deleted: summaryOf(result.item), relationshipsRemoved: result.relationshipsRemoved, dryRun: args.dryRun };
  },
});
