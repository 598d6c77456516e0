import type { ModelEntry } from './model-entry.ts';

const CHAT = ['system', 'stream', 'json_schema', 'tools', 'count_tokens'] as const;

/**
 * Models known without configuration. `client` and `lexical-v1` are always present; the others appear once their
 * provider's endpoint is configured (an API key or base URL). Prices are list prices in USD per million tokens as
 * published by each provider (2026-11); override them in `models` when yours differ.
 */
export const BUILTIN_MODELS: readonly ModelEntry[] = [
  {
    id: 'client',
    provider: 'sampling',
    kind: 'chat',
    description:
      "The connected MCP client's own model, asked through sampling/createMessage (relayed by the orchestrator). No API key; the client chooses the model and may ask its human first.",
    contextWindow: 200_000,
    pricing: { inputPerMTok: 0, outputPerMTok: 0 },
    capabilities: ['system'],
    fallback: [],
  },
  {
    id: 'lexical-v1',
    provider: 'lexical',
    kind: 'embedding',
    description:
      'LEXICAL, not semantic: a deterministic local embedder of hashed word, word-pair and character-trigram features (L2-normalised). It matches shared words and spellings, not meaning. Works offline; configure a provider embedding model for semantic search.',
    contextWindow: 1_000_000,
    dimensions: 512,
    pricing: { inputPerMTok: 0, outputPerMTok: 0 },
    capabilities: ['embed'],
    fallback: [],
  },
  {
    id: 'claude-sonnet-4-5',
    provider: 'anthropic',
    kind: 'chat',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: { inputPerMTok: 3, outputPerMTok: 15 },
    capabilities: [...CHAT],
    fallback: [],
  },
  {
    id: 'claude-haiku-4-5',
    provider: 'anthropic',
    kind: 'chat',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: { inputPerMTok: 1, outputPerMTok: 5 },
    capabilities: [...CHAT],
    fallback: [],
  },
  {
    id: 'gemini-2.5-flash',
    provider: 'gemini',
    kind: 'chat',
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { inputPerMTok: 0.3, outputPerMTok: 2.5 },
    capabilities: [...CHAT],
    fallback: [],
  },
  {
    id: 'gemini-2.5-pro',
    provider: 'gemini',
    kind: 'chat',
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { inputPerMTok: 1.25, outputPerMTok: 10 },
    capabilities: [...CHAT],
    fallback: [],
  },
  {
    id: 'gpt-4o-mini',
    provider: 'openai',
    kind: 'chat',
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
    capabilities: ['system', 'stream', 'json_schema', 'tools'],
    fallback: [],
  },
  {
    id: 'text-embedding-3-small',
    provider: 'openai',
    kind: 'embedding',
    contextWindow: 8191,
    dimensions: 1536,
    pricing: { inputPerMTok: 0.02, outputPerMTok: 0 },
    capabilities: ['embed'],
    fallback: [],
  },
  {
    id: 'gemini-embedding-001',
    provider: 'gemini',
    kind: 'embedding',
    contextWindow: 2048,
    dimensions: 3072,
    pricing: { inputPerMTok: 0.15, outputPerMTok: 0 },
    capabilities: ['embed'],
    fallback: [],
  },
];
