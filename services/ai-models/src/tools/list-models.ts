import { defineTool, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { samplingOf } from '../generation/sampling-channel.ts';
import { CAPABILITIES, PROVIDER_KINDS } from '../registry/model-entry.ts';

const modelSchema = z.object({
  id: z.string(),
  provider: z.enum(PROVIDER_KINDS),
  kind: z.enum(['chat', 'embedding']),
  description: z.string().optional(),
  contextWindow: z.number().int(),
  maxOutputTokens: z.number().int().optional(),
  dimensions: z.number().int().optional(),
  pricing: z.object({ inputPerMTok: z.number(), outputPerMTok: z.number(), currency: z.literal('USD') }),
  capabilities: z.array(z.enum(CAPABILITIES)),
  fallback: z.array(z.string()),
  semantic: z.boolean().optional().describe('Embedding models: false for the lexical embedder (shared words, not meaning)'),
  available: z.boolean().describe('Whether this session can use it now'),
  unavailableReason: z.string().optional(),
  default: z.boolean(),
});

export const listModels = defineTool({
  name: 'listModels',
  title: 'List models',
  description:
    'The models this deployment allows: provider, context window, USD price per million input/output tokens, capabilities, fallback chain, and whether each is usable from this session (sampling needs a client that supports it). The lexical embedder is marked semantic: false.',
  input: z.object({ kind: z.enum(['chat', 'embedding']).optional() }),
  output: z.object({ models: z.array(modelSchema), defaultModel: z.string(), defaultEmbeddingModel: z.string() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: AiToolContext) => {
    const { registry } = ctx.clients;
    const models = registry
      .all()
      .filter((m) => registry.isAllowed(m.id) && (args.kind === undefined || m.kind === args.kind))
      .map((m) => {
        const sampling = m.provider === 'sampling' ? samplingOf(ctx) : undefined;
        const unavailableReason = sampling && 'samplingUnavailable' in sampling ? sampling.samplingUnavailable : undefined;
        return {
          id: m.id,
          provider: m.provider,
          kind: m.kind,
          ...(m.description ? { description: m.description } : {}),
          contextWindow: m.contextWindow,
          ...(m.maxOutputTokens !== undefined ? { maxOutputTokens: m.maxOutputTokens } : {}),
          ...(m.dimensions !== undefined ? { dimensions: m.dimensions } : {}),
          pricing: { ...m.pricing, currency: 'USD' as const },
          capabilities: m.capabilities,
          fallback: m.fallback,
          ...(m.kind === 'embedding' ? { semantic: m.provider !== 'lexical' } : {}),
          available: unavailableReason === undefined,
          ...(unavailableReason ? { unavailableReason } : {}),
          default: m.id === ctx.config.defaultModel || m.id === ctx.config.defaultEmbeddingModel,
        };
      });
    return { models, defaultModel: ctx.config.defaultModel, defaultEmbeddingModel: ctx.config.defaultEmbeddingModel };
  },
});
