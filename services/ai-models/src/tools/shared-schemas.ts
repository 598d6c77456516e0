import { z } from '@switchboard/shared';

export const modelId = z.string().min(1).max(128);

export const messageSchema = z.strictObject({
  role: z.enum(['user', 'assistant']),
  content: z.string().max(1_000_000),
});

export const toolSpecSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  description: z.string().max(2000).optional(),
  inputSchema: z.record(z.string(), z.unknown()).describe('JSON Schema of the tool input (an object schema)'),
});

/** What a generation asks for, shared by generate and compareModels. */
export const generationShape = {
  prompt: z.string().max(1_000_000).optional().describe('A single user message (or give messages)'),
  messages: z.array(messageSchema).min(1).max(500).optional(),
  system: z.string().max(200_000).optional(),
  temperature: z.number().min(0).max(2).optional().describe('0 makes the answer cacheable'),
  maxTokens: z.number().int().min(1).optional().describe("Output cap; default and maximum: the deployment's cap"),
  stop: z.array(z.string().min(1).max(100)).max(8).optional(),
  responseSchema: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('JSON Schema for structured output (models with the json_schema capability)'),
  tools: z.array(toolSpecSchema).max(64).optional().describe('Tools the model may ask to call; returned as toolCalls'),
  cache: z.boolean().optional().describe('true: cache even at temperature > 0; false: never; default: cache at temperature 0'),
};

export const usageSchema = z.object({
  provider: z.string(),
  model: z.string(),
  providerModel: z.string(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  totalTokens: z.number().int(),
  costUsd: z.number(),
  latencyMs: z.number().int(),
  cacheHit: z.boolean(),
  estimated: z.boolean().describe('Token counts estimated here (the provider reported none)'),
});

export const routeStepSchema = z.object({
  model: z.string(),
  provider: z.string(),
  attempt: z.number().int(),
  outcome: z.string().describe('ok, or why the attempt failed: rate_limited, overloaded, server_error, timeout...'),
  status: z.number().int().optional(),
  retryAfterMs: z.number().int().optional(),
  latencyMs: z.number().int(),
});

export const answerShape = {
  text: z.string(),
  json: z.unknown().optional().describe('The parsed answer, when a responseSchema was given'),
  jsonError: z.string().optional(),
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), input: z.unknown() })),
  stopReason: z.string(),
  model: z.string().describe('The model that answered (a fallback when the route says so)'),
  usage: usageSchema,
  route: z.array(routeStepSchema).describe('Every attempt in order; more than one when retries or fallbacks ran'),
  fallbackUsed: z.boolean(),
  redactions: z.number().int().describe('Secrets and credentials replaced in the prompt before it left'),
};
