import { defineTool, ToolError, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { modelId } from './shared-schemas.ts';
import { collectionName, collectionSchema } from './vector-schemas.ts';

export const createCollection = defineTool({
  name: 'createCollection',
  title: 'Create a vector collection',
  description:
    'Creates a collection for documents embedded with one model (default: the lexical embedder). The dimension comes from the model; distance is cosine (default), dot or euclid. Refuses a name in use (CONFLICT).',
  input: z.object({
    name: collectionName,
    embeddingModel: modelId.optional(),
    dimension: z.number().int().min(1).max(65_536).optional().describe("Must equal the model's dimensions when given"),
    distance: z.enum(['cosine', 'dot', 'euclid']).default('cosine'),
  }),
  output: z.object({ collection: collectionSchema, store: z.enum(['embedded', 'qdrant']) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  handler: async (args, ctx: AiToolContext) =>
    ctx.idempotent(async () => {
      const model = ctx.clients.registry.require(args.embeddingModel ?? ctx.config.defaultEmbeddingModel, 'embedding');
      const dimension = model.dimensions as number;
      if (args.dimension !== undefined && args.dimension !== dimension) {
        throw new ToolError('INVALID_ARGUMENT', `${model.id} gives ${dimension}-dimensional vectors, not ${args.dimension}`);
      }
      const store = await ctx.clients.vectors();
      const collection = await store.createCollection({
        name: args.name,
        dimension,
        distance: args.distance,
        embeddingModel: model.id,
      });
      return { collection, store: store.kind };
    }),
});
