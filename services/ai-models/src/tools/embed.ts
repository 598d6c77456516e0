import { defineTool, ToolError, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { embedTexts } from '../embeddings/embed-texts.ts';
import { modelId } from './shared-schemas.ts';

export const embed = defineTool({
  name: 'embed',
  title: 'Embed texts',
  description:
    'Embeds up to 256 texts with an embedding model (default: the lexical embedder, which is LEXICAL, not semantic), batched as the provider allows. Returns the vectors (6 significant digits) and usage. To search texts, put them in a collection with upsertDocuments instead.',
  input: z.object({
    model: modelId.optional(),
    texts: z.array(z.string().min(1).max(100_000)).min(1).max(256),
  }),
  output: z.object({
    model: z.string(),
    semantic: z.boolean(),
    dimensions: z.number().int(),
    vectors: z.array(z.array(z.number())),
    usage: z.object({
      provider: z.string(),
      model: z.string(),
      inputTokens: z.number().int(),
      costUsd: z.number(),
      latencyMs: z.number().int(),
      estimated: z.boolean(),
      batches: z.number().int(),
    }),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  truncationHint: 'embed fewer texts per call, or store them with upsertDocuments',
  handler: async (args, ctx: AiToolContext) => {
    const model = ctx.clients.registry.require(args.model ?? ctx.config.defaultEmbeddingModel, 'embedding');
    // A vector list cut short by the output cap would look complete: refuse before spending anything instead.
    const bytes = args.texts.length * (model.dimensions as number) * 11;
    if (bytes > ctx.config.outputCapBytes) {
      throw new ToolError(
        'OUTPUT_TOO_LARGE',
        `${args.texts.length} vectors of ${model.dimensions} dimensions are about ${bytes} bytes, over the ${ctx.config.outputCapBytes}-byte output cap; embed at most ${Math.max(1, Math.floor(ctx.config.outputCapBytes / ((model.dimensions as number) * 11)))} texts per call, or store them with upsertDocuments`,
      );
    }
    const outcome = await embedTexts(args.texts, model, ctx, 'embed');
    return {
      model: model.id,
      semantic: model.provider !== 'lexical',
      dimensions: model.dimensions as number,
      vectors: outcome.vectors.map((v) => Array.from(v, (x) => Number(x.toPrecision(6)))),
      usage: outcome.usage,
    };
  },
});
