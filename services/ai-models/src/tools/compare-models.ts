import { defineTool, ToolError, z } from '@switchboard/shared';
import type { AiToolContext } from '../context.ts';
import { runGeneration } from '../generation/generate.ts';
import { answerShape, generationShape, modelId } from './shared-schemas.ts';

const errorSchema = z.object({ code: z.string(), message: z.string() });

export const compareModels = defineTool({
  name: 'compareModels',
  title: 'Compare models side by side',
  description:
    'Sends the same prompt to 2-6 models at once and returns each answer with its usage (tokens, cost, latency), or the error that model gave, plus totals. Each model is checked against the allowlist and the caller budget like generate.',
  input: z.object({
    models: z.array(modelId).min(2).max(6),
    ...generationShape,
  }),
  output: z.object({
    results: z.array(
      z.object({ model: z.string(), ok: z.boolean(), answer: z.object(answerShape).optional(), error: errorSchema.optional() }),
    ),
    totalCostUsd: z.number(),
    totalTokens: z.number().int(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  truncationHint: 'compare fewer models or ask for shorter answers (maxTokens)',
  handler: async (args, ctx: AiToolContext) => {
    const { models, ...generation } = args;
    if (new Set(models).size !== models.length) throw new ToolError('INVALID_ARGUMENT', 'each model may be named once');
    const settled = await Promise.allSettled(
      models.map((model) => runGeneration(generation, model, ctx, { tool: 'compareModels', stream: false })),
    );
    const results = settled.map((s, i) => {
      const model = models[i] as string;
      if (s.status === 'fulfilled') return { model, ok: true, answer: s.value };
      const error = s.reason instanceof ToolError ? s.reason : undefined;
      if (!error) throw s.reason;
      return { model, ok: false, error: { code: error.code, message: error.message } };
    });
    const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    return {
      results,
      totalCostUsd: Math.round(answers.reduce((n, a) => n + a.usage.costUsd, 0) * 1e6) / 1e6,
      totalTokens: answers.reduce((n, a) => n + a.usage.totalTokens, 0),
    };
  },
});
