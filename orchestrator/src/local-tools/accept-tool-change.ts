import { defineTool, type ToolContext, z } from '@switchboard/shared';
import type { OrchestratorClients } from './services-status.ts';

export const acceptToolChange = defineTool({
  name: 'acceptToolChange',
  title: 'Accept a tool definition change',
  description:
    'Admins: accepts the definition of an upstream tool that is waiting for review (see reviewToolChanges): it becomes the pinned definition, the tool is listed and callable again, and clients hear list_changed. The hash must be the one reviewed, so a definition that changed again is not accepted unseen.',
  input: z.object({
    namespace: z.string().min(1),
    tool: z.string().min(1),
    hash: z.string().min(1).describe('The hash reviewToolChanges showed for the new definition'),
  }),
  output: z.object({ namespace: z.string(), tool: z.string(), hash: z.string(), released: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async (args, ctx: ToolContext<unknown, OrchestratorClients>) => {
    const released = await ctx.clients.gateway.pins.accept(args.namespace, args.tool, args.hash, ctx.caller.id);
    ctx.log.info({ namespace: args.namespace, tool: args.tool, hash: args.hash }, 'tool definition accepted');
    ctx.clients.onToolAccepted();
    return { namespace: args.namespace, tool: args.tool, hash: args.hash, released };
  },
});
