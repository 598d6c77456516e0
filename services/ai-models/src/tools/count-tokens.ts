import { defineTool, ToolError, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { prepareRequest } from '../generation/prepare.ts';
import { ProviderError, toolErrorOf } from '../providers/provider-error.ts';
import { estimateRequestTokens } from '../providers/types.ts';
import { costOf } from '../registry/model-registry.ts';
import { generationShape, modelId } from './shared-schemas.ts';

export const countTokens = defineTool({
  name: 'countTokens',
  title: 'Count input tokens',
  description:
    "Counts a prompt's input tokens for a model: with the provider's own counting API where it has one (Anthropic, Gemini), otherwise estimated here (method says which), and what that input would cost.",
  input: z.object({
    model: modelId.optional(),
    prompt: generationShape.prompt,
    messages: generationShape.messages,
    system: generationShape.system,
    tools: generationShape.tools,
  }),
  output: z.object({
    model: z.string(),
    inputTokens: z.number().int(),
    method: z.enum(['provider', 'estimate']),
    inputCostUsd: z.number(),
    contextWindow: z.number().int(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: AiToolContext) => {
    const { model: requested, ...rest } = args;
    const prepared = prepareRequest(
      { ...rest, maxTokens: 1 },
      requested ?? ctx.config.defaultModel,
      ctx.config,
      ctx.clients.registry,
      ctx.redactor,
    );
    const { model } = prepared;
    const request = { ...prepared.request, model: model.name ?? model.id };
    let inputTokens = estimateRequestTokens(request);
    let method: 'provider' | 'estimate' = 'estimate';
    if (model.capabilities.includes('count_tokens')) {
      const provider = await ctx.clients.providers.chat(model);
      if (provider.countTokens) {
        try {
          inputTokens = await provider.countTokens(request, { signal: ctx.signal });
          method = 'provider';
        } catch (error) {
          if (error instanceof ProviderError) throw toolErrorOf(error, model.id, {});
          throw error instanceof ToolError ? error : error;
        }
      }
    }
    return {
      model: model.id,
      inputTokens,
      method,
      inputCostUsd: costOf(model, inputTokens, 0),
      contextWindow: model.contextWindow,
    };
  },
});
