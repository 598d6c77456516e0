import { z } from '@switchboard/shared';

export const PROVIDER_KINDS = ['anthropic', 'gemini', 'openai', 'sampling', 'lexical'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const CAPABILITIES = ['system', 'stream', 'json_schema', 'tools', 'count_tokens', 'embed'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** One model in the registry: what it is, where it runs, what it costs and what it can do. */
export const modelSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'letters, digits and . _ : / -')
    .describe('The name callers use'),
  provider: z.enum(PROVIDER_KINDS),
  kind: z.enum(['chat', 'embedding']).default('chat'),
  endpoint: z.string().optional().describe('Endpoint name; default: the provider name'),
  name: z.string().min(1).optional().describe("The provider's model name; default: the id"),
  description: z.string().max(500).optional(),
  contextWindow: z.number().int().positive(),
  maxOutputTokens: z.number().int().positive().optional(),
  dimensions: z.number().int().positive().optional(),
  pricing: z
    .strictObject({
      inputPerMTok: z.number().min(0).describe('USD per million input tokens'),
      outputPerMTok: z.number().min(0).default(0).describe('USD per million output tokens'),
    })
    .default({ inputPerMTok: 0, outputPerMTok: 0 }),
  capabilities: z.array(z.enum(CAPABILITIES)).default([]),
  fallback: z.array(z.string()).default([]).describe('Models tried in order on 429, 5xx, overload and timeouts'),
});

export type ModelEntry = z.infer<typeof modelSchema>;
