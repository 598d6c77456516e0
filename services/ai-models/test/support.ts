import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectInMemory, type InMemoryOptions, type TestClient } from '@switchboard/shared/testing';
import { aiModelsService } from '../src/service.ts';
import { type AnthropicFixture, startAnthropicFixture } from './fixtures/anthropic-fixture.ts';
import { type GeminiFixture, startGeminiFixture } from './fixtures/gemini-fixture.ts';
import { type OpenAiFixture, startOpenAiFixture } from './fixtures/openai-fixture.ts';

export type Json = Record<string, any>;

export function structured(result: unknown): Json {
  return (result as { structuredContent: Json }).structuredContent;
}

export function errorOf(result: unknown): { code: string; message: string; details?: Json } {
  const r = result as CallToolResult;
  if (!r.isError) throw new Error(`expected an error, got ${JSON.stringify(r.structuredContent)}`);
  return (r.structuredContent as { error: { code: string; message: string; details?: Json } }).error;
}

export interface Fixtures {
  anthropic: AnthropicFixture;
  openai: OpenAiFixture;
  gemini: GeminiFixture;
  close(): Promise<void>;
}

export async function startFixtures(): Promise<Fixtures> {
  const [anthropic, openai, gemini] = await Promise.all([startAnthropicFixture(), startOpenAiFixture(), startGeminiFixture()]);
  return {
    anthropic,
    openai,
    gemini,
    close: async () => void (await Promise.all([anthropic.close(), openai.close(), gemini.close()])),
  };
}

/** Registry entries on the fixtures: each provider's model, fallbacks, embedding models at the fixtures' dimensions. */
export function fixtureModels(f: Fixtures): Json[] {
  return [
    {
      id: 'claude-sonnet-4-5',
      provider: 'anthropic',
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
      pricing: { inputPerMTok: 3, outputPerMTok: 15 },
      capabilities: ['system', 'stream', 'json_schema', 'tools', 'count_tokens'],
      fallback: ['claude-haiku-4-5'],
    },
    {
      id: 'gpt-4o-mini',
      provider: 'openai',
      contextWindow: 128_000,
      pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      capabilities: ['system', 'stream', 'json_schema', 'tools'],
      fallback: ['gemini-2.5-flash'],
    },
    {
      id: 'text-embedding-3-small',
      provider: 'openai',
      kind: 'embedding',
      contextWindow: 8191,
      dimensions: f.openai.dimensions,
      pricing: { inputPerMTok: 0.02 },
      capabilities: ['embed'],
    },
    {
      id: 'gemini-embedding-001',
      provider: 'gemini',
      kind: 'embedding',
      contextWindow: 2048,
      dimensions: 64,
      pricing: { inputPerMTok: 0.15 },
      capabilities: ['embed'],
    },
  ];
}

export function fixtureConfig(f: Fixtures, extra: Json = {}): Json {
  return {
    anthropicApiKey: f.anthropic.apiKey,
    anthropicBaseUrl: f.anthropic.url,
    openaiApiKey: f.openai.apiKey,
    openaiBaseUrl: `${f.openai.url}/v1`,
    geminiApiKey: f.gemini.apiKey,
    geminiBaseUrl: f.gemini.url,
    models: fixtureModels(f),
    databaseUrl: 'sqlite::memory:',
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 1500,
    ...extra,
  };
}

export function connect(f: Fixtures, extra: Json = {}, options: InMemoryOptions = {}): Promise<TestClient> {
  return connectInMemory(aiModelsService, { ...options, config: fixtureConfig(f, { ...extra, ...options.config }) });
}
