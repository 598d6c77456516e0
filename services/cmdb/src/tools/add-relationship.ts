import { defineTool, z } from '@switchboard/shared';
import { type CmdbToolContext, mutatorOf } from '../context.ts';
import { relationshipTypeSchema } from '../model.ts';
import { refInput, relationshipOutput, relationshipView, requireRef } from './shared-schemas.ts';

export const addRelationship = defineTool({
  name: 'addRelationship',
  title: 'Add a relationship',
  description: 'Records "source <type> target", e.g. service api runs_on host web-01. Adding an existing one changes nothing.',
  input: z.object({ source: refInput, type: relationshipTypeSchema, target: refInput }),
  output: z.object({ relationship: relationshipOutput, created: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: CmdbToolContext) => {
    const store = await ctx.clients.store();
    const source = requireRef(args.source, 'the source');
    const target = requireRef(args.target, 'the target');
    const { relationship, changed } = await ctx.idempotent(() => store.relate(source, args.type, target, mutatorOf(ctx), false));
    return {
      relationship: relationshipView(relationship),
      created: changed,
    };
  },
});
