import { defineTool, z } from '@switchboard/shared';
import type { CmdbToolContext } from '../context.ts';
import { ciItemSchema, ciRefShape, ciSummarySchema } from '../model.ts';
import { requireRef } from './shared-schemas.ts';

export const getItem = defineTool({
  name: 'getItem',
  title: 'Get a configuration item',
  description: 'Returns one CI (by id, or by type and name) with its relationships in both directions.',
  input: z.object({
    ...ciRefShape,
    relationshipsLimit: z.number().int().min(0).max(200).default(20).describe('Relationships listed per direction'),
  }),
  output: z.object({
    item: ciItemSchema,
    relationships: z.object({
      outgoing: z.array(z.object({ type: z.string(), target: ciSummarySchema })),
      incoming: z.array(z.object({ type: z.string(), source: ciSummarySchema })),
      outgoingTotal: z.number().int(),
      incomingTotal: z.number().int(),
    }),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: CmdbToolContext) => {
    const store = await ctx.clients.store();
    return store.describe(requireRef(args), args.relationshipsLimit);
  },
});
