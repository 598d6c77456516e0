import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { TestClient } from '@switchboard/shared/testing';
import { connect, errorOf, type Fixtures, startFixtures, structured } from './support.ts';

/**
 * Each provider through its real SDK against a fixture speaking its wire format: answers, usage and cost, streaming
 * as progress notifications, tool calls, structured output, token counting, embeddings, and the error shapes each
 * provider sends.
 */
describe('providers through their SDKs', () => {
  let f: Fixtures;
  let client: TestClient;

  beforeAll(async () => {
    f = await startFixtures();
    client = await connect(f);
  });

  afterAll(async () => {
    await client?.close();
    await f?.close();
  });

  const call = (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args });

  test.each([
    ['claude-sonnet-4-5', 'anthropic', 3, 15],
    ['gpt-4o-mini', 'openai', 0.15, 0.6],
    ['gemini-2.5-flash', 'gemini', 0.3, 2.5],
  ])('%s answers with usage and cost priced from the registry', async (model, provider, inPrice, outPrice) => {
    const result = await call('generate', { model, prompt: 'What is the capital of France?', maxTokens: 200 });
    const out = structured(result);
    expect(result.isError).toBeFalsy();
    expect(out.text).toBe(`${model} says: What is the capital of France?`);
    expect(out.usage).toMatchObject({ provider, model, cacheHit: false, estimated: false });
    expect(out.usage.inputTokens).toBeGreaterThan(0);
    expect(out.usage.outputTokens).toBeGreaterThan(0);
    const cost = (out.usage.inputTokens * inPrice + out.usage.outputTokens * outPrice) / 1e6;
    expect(out.usage.costUsd).toBeCloseTo(cost, 6);
    expect(out.route).toEqual([expect.objectContaining({ model, attempt: 1, outcome: 'ok' })]);
    expect(out.stopReason).toBe('end_turn');
  });

  test.each(['claude-sonnet-4-5', 'gpt-4o-mini', 'gemini-2.5-flash'])(
    '%s streams: the text arrives as progress notifications and equals the final answer',
    async (model) => {
      const messages: string[] = [];
      const result = await client.callTool(
        { name: 'generate', arguments: { model, prompt: 'stream one two three four five six', maxTokens: 300 } },
        undefined,
        { onprogress: (p) => void messages.push(p.message ?? '') },
      );
      const out = structured(result);
      expect(messages.length).toBeGreaterThan(2);
      expect(messages.join('')).toBe(out.text);
      expect(out.usage.outputTokens).toBeGreaterThan(0);
    },
  );

  test('a system prompt and stop sequence reach the provider; the stop reason is reported', async () => {
    const before = f.anthropic.requests.length;
    const out = structured(
      await call('generate', {
        model: 'claude-sonnet-4-5',
        system: 'Be brief.',
        prompt: 'alpha beta STOP gamma',
        stop: ['STOP'],
      }),
    );
    const sent = f.anthropic.requests[before]?.body as { system: string; stop_sequences: string[] };
    expect(sent.system).toBe('Be brief.');
    expect(sent.stop_sequences).toEqual(['STOP']);
    expect(out.text).toBe('claude-sonnet-4-5 says: alpha beta ');
    expect(out.stopReason).toBe('stop_sequence');
  });

  test.each(['claude-sonnet-4-5', 'gpt-4o-mini', 'gemini-2.5-flash'])(
    '%s returns structured output parsed as json',
    async (model) => {
      const schema = {
        type: 'object',
        properties: { city: { type: 'string' }, population: { type: 'integer' } },
        required: ['city'],
      };
      const out = structured(await call('generate', { model, prompt: 'capital of France as JSON', responseSchema: schema }));
      expect(out.json).toEqual({ city: 'example', population: 1 });
    },
  );

  test.each(['claude-sonnet-4-5', 'gpt-4o-mini', 'gemini-2.5-flash'])('%s returns tool calls, streamed or not', async (model) => {
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
      },
    ];
    for (const onprogress of [undefined, () => {}]) {
      const result = await client.callTool(
        { name: 'generate', arguments: { model, prompt: 'weather in Paris?', tools } },
        undefined,
        onprogress ? { onprogress } : {},
      );
      const out = structured(result);
      expect(out.toolCalls).toEqual([{ id: expect.any(String), name: 'get_weather', input: { city: 'example' } }]);
      expect(out.stopReason).toBe('tool_use');
    }
  });

  test('countTokens uses the provider API where there is one and estimates elsewhere', async () => {
    const anthropic = structured(await call('countTokens', { model: 'claude-sonnet-4-5', prompt: 'count these tokens please' }));
    expect(anthropic).toMatchObject({ method: 'provider', model: 'claude-sonnet-4-5' });
    expect(f.anthropic.requests.at(-1)?.path).toBe('/v1/messages/count_tokens');
    const gemini = structured(await call('countTokens', { model: 'gemini-2.5-flash', prompt: 'count these tokens please' }));
    expect(gemini.method).toBe('provider');
    expect(f.gemini.requests.at(-1)?.path).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
    const openai = structured(await call('countTokens', { model: 'gpt-4o-mini', prompt: 'count these tokens please' }));
    expect(openai.method).toBe('estimate');
    expect(anthropic.inputCostUsd).toBeCloseTo((anthropic.inputTokens * 3) / 1e6, 8);
  });

  test('OpenAI embeddings arrive base64-encoded (the SDK default) and decode to the vectors sent', async () => {
    const out = structured(await call('embed', { model: 'text-embedding-3-small', texts: ['first text', 'second text'] }));
    expect(out).toMatchObject({ model: 'text-embedding-3-small', semantic: true, dimensions: 64 });
    expect(out.vectors).toHaveLength(2);
    expect(f.openai.requests.at(-1)?.body).toMatchObject({ encoding_format: 'base64' });
    const norm = Math.sqrt(out.vectors[0].reduce((s: number, v: number) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 4);
    expect(out.usage.inputTokens).toBeGreaterThan(0);
  });

  test('Gemini embeddings go through batchEmbedContents, batched by the configured size', async () => {
    const small = await connect(f, { embedBatchSize: 10 });
    try {
      const texts = Array.from({ length: 25 }, (_, i) => `text number ${i}`);
      const before = f.gemini.requests.length;
      const out = structured(await small.callTool({ name: 'embed', arguments: { model: 'gemini-embedding-001', texts } }));
      expect(out.vectors).toHaveLength(25);
      const sent = f.gemini.requests.slice(before);
      expect(sent.map((r) => r.path)).toEqual(Array(3).fill('/v1beta/models/gemini-embedding-001:batchEmbedContents'));
      expect(sent.map((r) => (r.body as { requests: unknown[] }).requests.length)).toEqual([10, 10, 5]);
      expect(out.usage).toMatchObject({ batches: 3, estimated: true });
    } finally {
      await small.close();
    }
  });

  test('more vectors than the output cap holds are refused before any request, not cut short', async () => {
    const before = f.openai.requests.length;
    const texts = Array.from({ length: 100 }, (_, i) => `text ${i}`);
    const error = errorOf(await call('embed', { model: 'text-embedding-3-small', texts }));
    expect(error.code).toBe('OUTPUT_TOO_LARGE');
    expect(error.message).toContain('upsertDocuments');
    expect(f.openai.requests.length).toBe(before);
  });

  test('a key the provider rejects is DEPENDENCY_UNAVAILABLE, not retried, and never shown', async () => {
    const bad = await connect(f, { anthropicApiKey: 'sk-ant-wrongwrongwrongwrongwrong' });
    try {
      const before = f.anthropic.requests.length;
      const error = errorOf(await bad.callTool({ name: 'generate', arguments: { model: 'claude-haiku-4-5', prompt: 'hi' } }));
      expect(error.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(error.message).toContain('HTTP 401 authentication_error');
      expect(error.message).not.toContain('wrongwrong');
      expect(f.anthropic.requests.length - before).toBe(1);
    } finally {
      await bad.close();
    }
  });

  test('a model the provider does not know is NOT_FOUND with the provider message', async () => {
    const c = await connect(f, {
      models: [{ id: 'ghost', provider: 'openai', name: 'gpt-ghost', contextWindow: 100_000, capabilities: ['system'] }],
    });
    try {
      const error = errorOf(await c.callTool({ name: 'generate', arguments: { model: 'ghost', prompt: 'hi' } }));
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain('gpt-ghost');
    } finally {
      await c.close();
    }
  });
});
