import { defineTool, ToolError, z } from '@switchboard/shared';
import type { NotifyToolContext } from '../context.ts';
import { deliveryIdSchema, deliveryViewSchema } from '../model.ts';

export const getDelivery = defineTool({
  name: 'getDelivery',
  title: 'Get a delivery',
  description:
    'Shows one delivery with the status of each recipient (queued, held, sending, sent, delivered, failed with reason), attempts and the provider’s message id.',
  input: z.object({ deliveryId: deliveryIdSchema }),
  output: z.object({ delivery: deliveryViewSchema }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: NotifyToolContext) => {
    const store = await ctx.clients.store();
    const delivery = await store.get(args.deliveryId);
    if (!delivery) throw new ToolError('NOT_FOUND', `no delivery ${args.deliveryId}`);
    return { delivery };
  },
});
