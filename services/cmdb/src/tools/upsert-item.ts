import { defineTool, z } from '@switchboard/shared';
import { type CmdbToolContext, mutate, mutatorOf } from '../context.ts';
import {
  attributeKeySchema,
  attributeValueSchema,
  ciItemSchema,
  ciNameSchema,
  ciTypeSchema,
  environmentSchema,
  fieldChangeSchema,
  tagSchema,
  text,
} from '../model.ts';

/** The fields of a CI as upsertItem and importCsv accept them. */
export const upsertFields = {
  id: z.string().uuid().optional().describe('Only to rename an existing CI or to create one with a chosen id'),
  type: ciTypeSchema,
  name: ciNameSchema,
  environment: environmentSchema.nullable().optional().describe('e.g. prod, staging; null clears it'),
  owner: text().trim().min(1).max(128).nullable().optional().describe('Owning team or person; null clears it'),
  tags: z.array(tagSchema).max(50).optional().describe('Replaces the tag set'),
  attributes: z
    .record(attributeKeySchema, attributeValueSchema.nullable())
    .optional()
    .describe('Free attributes (ip, os, ssh_user, ssh_port, ...); a null value removes the key'),
  attributesMode: z.enum(['merge', 'replace']).default('merge').describe('merge into existing attributes, or replace them all'),
};

export const upsertItem = defineTool({
  name: 'upsertItem',
  title: 'Create or update a configuration item',
  description:
    'Creates a CI or updates the one with the same type and name (idempotent on that natural key). dryRun returns the diff without writing.',
  input: z.object({ ...upsertFields, dryRun: z.boolean().default(false) }),
  output: z.object({
    action: z.enum(['created', 'updated', 'unchanged']),
    dryRun: z.boolean(),
    item: ciItemSchema,
    changes: z.array(fieldChangeSchema),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  handler: async (args, ctx: CmdbToolContext) => {
    const { dryRun, ...input } = args;
    const store = await ctx.clients.store();
    const outcome = await mutate(ctx, dryRun, () => store.upsert(input, mutatorOf(ctx), dryRun));
    return { ...outcome, dryRun };
  },
});
