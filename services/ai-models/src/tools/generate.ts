import { defineTool, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { runGeneration } from '../generation/generate.ts';
import { answerShape, generationShape, modelId } from './shared-schemas.ts';

export const generate = defineTool({
  name: 'generate',
  title: 'Generate text with a model',
  description:
    "Asks a model (default: the connected client's own model through sampling) a prompt or a conversation. Returns the text, structured JSON when a responseSchema is given, tool calls, and usage: tokens, cost in USD, provider, latency, cache hit. Temperature 0 answers are cached. On 429/5xx/overload/timeouts the model's fallback chain is tried; the route lists every attempt. With a progress token the answer streams as progress notifications.",
  input: z.object({
    model: modelId.optional().describe('A model id from listModels; default: the deployment default'),
    ...generationShape,
    stream: z.boolean().default(true).describe('Stream text as progress notifications when the client asked for progress'),
  }),
  output: z.object(answerShape),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  truncationHint: 'ask for a shorter answer (maxTokens) or use a responseSchema',
  handler: async (args, ctx: AiToolContext) => {
    const { model, stream, ...generation } = args;
    return runGeneration(generation, model ?? ctx.config.defaultModel, ctx, { tool: 'generate', stream });
  },
});
