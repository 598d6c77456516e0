import { ToolError, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import type { ModelEntry } from '../registry/model-entry.ts';
import type { CollectionInfo } from '../vectors/vector-store.ts';

export const collectionName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'letters, digits, _ and -, up to 63');

export const collectionSchema = z.object({
  name: z.string(),
  dimension: z.number().int(),
  distance: z.enum(['cosine', 'dot', 'euclid']),
  embeddingModel: z.string().nullable(),
  points: z.number().int().describe('Stored chunks'),
});

const metadataValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);

export const hitSchema = z.object({
  docId: z.string(),
  chunk: z.number().int(),
  score: z.number(),
  text: z.string(),
  metadata: z.record(z.string(), metadataValue),
});

export const metadataSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/), metadataValue);

/** The collection and the model its texts are embedded with (the model stored with it, unless one is named). */
export async function collectionAndModel(
  ctx: AiToolContext,
  name: string,
  requested: string | undefined,
): Promise<{ collection: CollectionInfo; model: ModelEntry }> {
  const store = await ctx.clients.vectors();
  const collection = await store.getCollection(name, { count: false });
  if (!collection) throw new ToolError('NOT_FOUND', `collection "${name}" does not exist`);
  const id = requested ?? collection.embeddingModel;
  if (!id) {
    throw new ToolError(
      'INVALID_ARGUMENT',
      `collection "${name}" was created outside this service; name the embeddingModel its vectors came from`,
    );
  }
  if (collection.embeddingModel && requested && requested !== collection.embeddingModel) {
    throw new ToolError(
      'INVALID_ARGUMENT',
      `collection "${name}" is embedded with ${collection.embeddingModel}, not ${requested}`,
    );
  }
  const model = ctx.clients.registry.require(id, 'embedding');
  if (model.dimensions !== collection.dimension) {
    throw new ToolError(
      'CONFLICT',
      `collection "${name}" has ${collection.dimension} dimensions but ${model.id} gives ${model.dimensions}`,
    );
  }
  return { collection, model };
}

/** Search results are capped: long chunks are shortened to this many characters (the rest is in the store). */
export function snippet(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
