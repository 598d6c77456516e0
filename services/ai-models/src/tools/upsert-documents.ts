import { defineTool, ToolError, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { embedTexts } from '../embeddings/embed-texts.ts';
import { chunkText } from '../vectors/chunk.ts';
import { pointId } from '../vectors/point-id.ts';
import { documentSparse } from '../vectors/sparse.ts';
import type { PointInput } from '../vectors/vector-store.ts';
import { collectionAndModel, collectionName, metadataSchema } from './vector-schemas.ts';

const docId = z.string().min(1).max(200);

export const upsertDocuments = defineTool({
  name: 'upsertDocuments',
  title: 'Add or replace documents in a collection',
  description:
    "Stores documents (text + metadata) in a collection: each is split into chunks (at paragraph, sentence or word breaks), embedded with the collection's model, and indexed for keyword search too. A document with an id already there is replaced whole (its old chunks removed). Up to 500 documents per call.",
  input: z.object({
    collection: collectionName,
    documents: z
      .array(z.strictObject({ id: docId, text: z.string().min(1).max(1_000_000), metadata: metadataSchema.default({}) }))
      .min(1)
      .max(500),
    chunkChars: z.number().int().min(100).max(100_000).optional().describe("Largest chunk; default: the deployment's"),
  }),
  output: z.object({
    collection: z.string(),
    documents: z.number().int(),
    chunks: z.number().int(),
    embeddingModel: z.string(),
    usage: z.object({
      inputTokens: z.number().int(),
      costUsd: z.number(),
      latencyMs: z.number().int(),
      batches: z.number().int(),
    }),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: AiToolContext) =>
    ctx.idempotent(async () => {
      const ids = args.documents.map((d) => d.id);
      if (new Set(ids).size !== ids.length) throw new ToolError('INVALID_ARGUMENT', 'a document id appears twice in this call');
      const { model } = await collectionAndModel(ctx, args.collection, undefined);
      const maxChars = args.chunkChars ?? ctx.config.maxChunkChars;
      const pending = args.documents.flatMap((doc) =>
        chunkText(doc.text, maxChars).map((text, chunk) => ({ docId: doc.id, chunk, text, metadata: doc.metadata })),
      );
      const embedded = await embedTexts(
        pending.map((p) => p.text),
        model,
        ctx,
        'upsertDocuments',
      );
      const points: PointInput[] = pending.map((p, i) => ({
        ...p,
        id: pointId(p.docId, p.chunk),
        vector: embedded.vectors[i] as Float32Array,
        sparse: documentSparse(p.text),
      }));
      await (await ctx.clients.vectors()).upsert(args.collection, points, ids);
      const { inputTokens, costUsd, latencyMs, batches } = embedded.usage;
      return {
        collection: args.collection,
        documents: args.documents.length,
        chunks: points.length,
        embeddingModel: model.id,
        usage: { inputTokens, costUsd, latencyMs, batches },
      };
    }),
});
