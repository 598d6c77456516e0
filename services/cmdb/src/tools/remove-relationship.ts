import { defineTool, z } from '@switchboard/shared';
import { type CmdbToolContext, mutatorOf } from '../context.ts';
import { relationshipTypeSchema } from '../model.ts';
import { refInput, relationshipOutput, relationshipView, requireRef } from './shared-schemas.ts';

export const removeRelationship = defineTool({
  name: 'removeRelationship',
  title: 'Remove a relationship',
  description: 'Removes "source <type> target". Fails with NOT_FOUND when that relationship does not exist.',
  input: z.object({ source: refInput, type: relationshipTypeSchema, target: refInput }),
  output: z.object({ relationship: relationshipOutput, removed: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  handler: async (args, ctx: CmdbToolContext) => {
    const store = await ctx.clients.store();
    const source = requireRef(args.source, 'the source');
    const target = requireRef(args.target, 'the target');
    const { relationship } = await ctx.idempotent(() => store.relate(source, args.type, target, mutatorOf(ctx), true));
    return {
      relationship: relationshipView(relationship),
      removed: true,
    };
  },
});
