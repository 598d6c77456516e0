import { decodeCursor, defineTool, encodeCursor, fitPage, pageInput, pageOutput, z } from '@switchboard/shared';
import type { CmdbToolContext } from '../context.ts';
import {
  attributeKeySchema,
  attributeValueSchema,
  type ConfigItem,
  ciItemSchema,
  ciTypeSchema,
  environmentSchema,
  tagSchema,
  text,
} from '../model.ts';

export const PROJECTABLE_FIELDS = ['environment', 'owner', 'tags', 'attributes', 'createdAt', 'updatedAt', 'version'] as const;

const fieldSchema = z
  .string()
  .regex(
    new RegExp(`^(${PROJECTABLE_FIELDS.join('|')}|attributes\\.[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})$`),
    `a field is one of ${PROJECTABLE_FIELDS.join(', ')} or attributes.<key>`,
  );

function project(item: ConfigItem, fields: string[] | undefined): Record<string, unknown> {
  if (!fields) return item as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { id: item.id, type: item.type, name: item.name };
  for (const field of fields) {
    if (field.startsWith('attributes.')) {
      const key = field.slice('attributes.'.length);
      const value = item.attributes[key];
      if (value !== undefined) out.attributes = { ...(out.attributes as object | undefined), [key]: value };
    } else {
      out[field] = item[field as keyof ConfigItem];
    }
  }
  return out;
}

export const searchItems = defineTool({
  name: 'searchItems',
  title: 'Search configuration items',
  description:
    'Finds CIs by type, environment, owner, tags (all must match), attribute values and free text, ordered by type then name. Use fields to return only what you need.',
  input: z.object({
    type: ciTypeSchema.optional(),
    environment: environmentSchema.optional(),
    owner: text().min(1).optional(),
    tags: z.array(tagSchema).max(20).optional().describe('Every tag listed must be present'),
    attributes: z
      .record(attributeKeySchema, attributeValueSchema)
      .optional()
      .describe('Attribute equality, e.g. {"os":"debian"}'),
    q: text().min(1).max(200).optional().describe('Free text over name, owner, environment, tags and attributes'),
    fields: z.array(fieldSchema).max(30).optional().describe('Projection; id, type and name are always returned'),
    ...pageInput({ defaultLimit: 20, maxLimit: 200 }),
  }),
  output: z.object(pageOutput(ciItemSchema.partial())),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  truncationHint: 'use fields to project fewer columns, or a smaller limit',
  handler: async (args, ctx: CmdbToolContext) => {
    const { limit, cursor, fields, ...filter } = args;
    const scope = { tool: 'searchItems', filter };
    const after = cursor ? decodeCursor<{ t: string; n: string }>(cursor, scope) : undefined;
    const store = await ctx.clients.store();
    const result = await store.search(filter, limit, after ? { type: after.t, name: after.n } : undefined);
    const page = fitPage(result.items, {
      total: result.total,
      capBytes: ctx.config.outputCapBytes,
      hasMore: result.hasMore,
      cursorAfter: (item) => encodeCursor({ t: item.type, n: item.name }, scope),
    });
    return { ...page, items: page.items.map((item) => project(item, fields)) };
  },
});
