import { expect, test } from '@jest/globals';
import { ConfigError } from '@switchboard/shared';
import { connectInMemory } from '@switchboard/shared/testing';
import { aiModelsService } from '../src/service.ts';
import { errorOf } from './support.ts';

test('a bad configuration stops start-up listing every problem', async () => {
  const error = await connectInMemory(aiModelsService, {
    env: {
      AI_MODELS: JSON.stringify([
        { id: 'a', provider: 'anthropic', contextWindow: 1000, fallback: ['nope'] },
        { id: 'e', provider: 'openai', kind: 'embedding', contextWindow: 1000 },
      ]),
      AI_ALLOWED_MODELS: 'a,ghost',
      AI_VECTOR_STORE: 'qdrant',
      AI_CACHE_URL: 'memcached://x',
      AI_ENDPOINTS: JSON.stringify({ local: { kind: 'gemini' } }),
    },
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  const text = (error as ConfigError).problems.join('\n');
  for (const part of [
    'cacheUrl',
    'endpoints.local: a gemini endpoint needs an apiKey',
    'a uses endpoint "anthropic", which is not configured',
    'a falls back to unknown model "nope"',
    'embedding model e needs dimensions',
    'unknown model "ghost"',
    'AI_QDRANT_URL',
  ]) {
    expect(text).toContain(part);
  }
});

test('a secret:// key without a secrets service configured is refused at use, naming the settings, never sent', async () => {
  const client = await connectInMemory(aiModelsService, {
    config: {
      databaseUrl: 'sqlite::memory:',
      anthropicApiKey: 'secret://vault/anthropic/key',
      anthropicBaseUrl: 'http://127.0.0.1:9',
    },
  });
  try {
    const error = errorOf(await client.callTool({ name: 'generate', arguments: { model: 'claude-haiku-4-5', prompt: 'hi' } }));
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toContain('cannot resolve secret://vault/anthropic/key: no secrets service is configured');
    expect(error.message).toContain('SWITCHBOARD_SECRETS_URL');
  } finally {
    await client.close();
  }
});
