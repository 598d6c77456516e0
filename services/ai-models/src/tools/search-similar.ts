import { defineTool, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { embedTexts } from '../embeddings/embed-texts.ts';
import { metadataFilterSchema } from '../vectors/filter.ts';
import { collectionAndModel, collectionName, hitSchema, snippet } from './vector-schemas.ts';

export const searchSimilar = defineTool({
  name: 'searchSimilar',
  title: 'Similarity search',
  description:
    "The chunks nearest a query text in a collection (embedded with the collection's model), best first, optionally filtered by metadata and cut at a score threshold (cosine/dot: minimum similarity; euclid: maximum distance). With the lexical embedder, near means sharing words, not meaning.",
  input: z.object({
    collection: collectionName,
    query: z.string().min(1).max(100_000),
    topK: z.number().int().min(1).max(100).default(5),
    scoreThreshold: z.number().optional(),
    filter: metadataFilterSchema.optional(),
    snippetChars: z.number().int().min(20).max(20_000).default(600),
  }),
  output: z.object({
    collection: z.string(),
    embeddingModel: z.string(),
    semantic: z.boolean(),
    distance: z.enum(['cosine', 'dot', 'euclid']),
    hits: z.array(hitSchema),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  truncationHint: 'lower topK or snippetChars',
  handler: async (args, ctx: AiToolContext) => {
    const { collection, model } = await collectionAndModel(ctx, args.collection, undefined);
    const [vector] = (await embedTexts([args.query], model, ctx, 'searchSimilar')).vectors;
    const hits = await (await ctx.clients.vectors()).search(args.collection, vector as Float32Array, {
      limit: args.topK,
      scoreThreshold: args.scoreThreshold,
      filter: args.filter,
    });
    return {
      collection: args.collection,
      embeddingModel: model.id,
      semantic: model.provider !== 'lexical',
      distance: collection.distance,
      hits: hits.map((h) => ({ ...h, text: snippet(h.text, args.snippetChars) })),
    };
  },
});
