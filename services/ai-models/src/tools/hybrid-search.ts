import { defineTool, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { embedTexts } from '../embeddings/embed-texts.ts';
import { metadataFilterSchema } from '../vectors/filter.ts';
import { querySparse } from '../vectors/sparse.ts';
import { collectionAndModel, collectionName, hitSchema, snippet } from './vector-schemas.ts';

export const hybridSearch = defineTool({
  name: 'hybridSearch',
  title: 'Hybrid search (vector + keyword)',
  description:
    'Vector similarity and keyword (IDF-weighted term) search over a collection, fused by reciprocal rank fusion (score = sum of 1/(k + rank)); finds exact terms (ids, error codes) that similarity alone can miss. Optional metadata filter.',
  input: z.object({
    collection: collectionName,
    query: z.string().min(1).max(100_000),
    topK: z.number().int().min(1).max(100).default(5),
    filter: metadataFilterSchema.optional(),
    candidates: z.number().int().min(1).max(1000).optional().describe('Per side before fusion; default 4 x topK'),
    rrfK: z.number().int().min(1).max(1000).default(60),
    snippetChars: z.number().int().min(20).max(20_000).default(600),
  }),
  output: z.object({
    collection: z.string(),
    embeddingModel: z.string(),
    fusion: z.literal('rrf'),
    hits: z.array(hitSchema),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  truncationHint: 'lower topK or snippetChars',
  handler: async (args, ctx: AiToolContext) => {
    const { model } = await collectionAndModel(ctx, args.collection, undefined);
    const [vector] = (await embedTexts([args.query], model, ctx, 'hybridSearch')).vectors;
    const store = await ctx.clients.vectors();
    const candidates = args.candidates ?? args.topK * 4;
    const sparse = querySparse(args.query);
    const hits =
      sparse.indices.length === 0
        ? await store.search(args.collection, vector as Float32Array, { limit: args.topK, filter: args.filter })
        : await store.hybrid(args.collection, vector as Float32Array, sparse, {
            limit: args.topK,
            filter: args.filter,
            candidates,
            rrfK: args.rrfK,
          });
    return {
      collection: args.collection,
      embeddingModel: model.id,
      fusion: 'rrf' as const,
      hits: hits.map((h) => ({ ...h, text: snippet(h.text, args.snippetChars) })),
    };
  },
});
