import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { TestClient } from '@switchboard/shared/testing';
import { CLIENT_CANNOT_SAMPLE } from '../src/generation/sampling-channel.ts';
import { connect, errorOf, type Fixtures, type Json, startFixtures, structured } from './support.ts';

/** The generation pipeline: fallback chains, retries, budgets, the cache, redaction, caps, the ledger, sampling. */
describe('generation', () => {
  let f: Fixtures;
  const open: TestClient[] = [];

  beforeAll(async () => {
    f = await startFixtures();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await f?.close();
  });

  async function client(extra: Json = {}, options: Parameters<typeof connect>[2] = {}): Promise<TestClient> {
    const c = await connect(f, extra, options);
    open.push(c);
    return c;
  }

  const generate = (c: TestClient, args: Json) => c.callTool({ name: 'generate', arguments: args });

  describe('fallback chain', () => {
    test('a 429 whose Retry-After is longer than the policy allows falls back to the next model at once', async () => {
      const c = await client();
      f.anthropic.rateLimitNext(30);
      const out = structured(await generate(c, { model: 'claude-sonnet-4-5', prompt: 'hello', maxTokens: 50 }));
      expect(out.model).toBe('claude-haiku-4-5');
      expect(out.text).toBe('claude-haiku-4-5 says: hello');
      expect(out.fallbackUsed).toBe(true);
      expect(out.route).toEqual([
        expect.objectContaining({
          model: 'claude-sonnet-4-5',
          attempt: 1,
          outcome: 'rate_limited',
          status: 429,
          retryAfterMs: 30_000,
        }),
        expect.objectContaining({ model: 'claude-haiku-4-5', attempt: 1, outcome: 'ok' }),
      ]);
      expect(out.usage.costUsd).toBeCloseTo((out.usage.inputTokens * 1 + out.usage.outputTokens * 5) / 1e6, 8);
    });

    test('a 429 with a short Retry-After is retried on the same model after waiting', async () => {
      const c = await client();
      f.anthropic.rateLimitNext(1);
      const before = f.anthropic.requests.length;
      const out = structured(await generate(c, { model: 'claude-sonnet-4-5', prompt: 'again', maxTokens: 50 }));
      expect(out.model).toBe('claude-sonnet-4-5');
      expect(out.route.map((s: Json) => [s.attempt, s.outcome])).toEqual([
        [1, 'rate_limited'],
        [2, 'ok'],
      ]);
      expect(f.anthropic.requests.length - before).toBe(2);
    });

    test('529 overloaded on every attempt moves to the fallback; all attempts are in the route', async () => {
      const c = await client();
      f.anthropic.overloadNext(2);
      const out = structured(await generate(c, { model: 'claude-sonnet-4-5', prompt: 'busy?', maxTokens: 50 }));
      expect(out.route.map((s: Json) => [s.model, s.outcome, s.status])).toEqual([
        ['claude-sonnet-4-5', 'overloaded', 529],
        ['claude-sonnet-4-5', 'overloaded', 529],
        ['claude-haiku-4-5', 'ok', undefined],
      ]);
    });

    test('an overloaded_error inside the SSE stream falls back, and the stream says so', async () => {
      const c = await client({ retryAttempts: 1 });
      f.anthropic.overloadMidStreamNext();
      const messages: string[] = [];
      const result = await c.callTool(
        { name: 'generate', arguments: { model: 'claude-sonnet-4-5', prompt: 'stream then fail', maxTokens: 80 } },
        undefined,
        { onprogress: (p) => void messages.push(p.message ?? '') },
      );
      const out = structured(result);
      expect(out.model).toBe('claude-haiku-4-5');
      expect(out.route[0]).toMatchObject({ outcome: 'overloaded' });
      expect(messages).toContain('[claude-sonnet-4-5 failed (overloaded); falling back to claude-haiku-4-5]');
    });

    test('a 500 from an OpenAI-compatible server falls back across providers (to Gemini)', async () => {
      const c = await client({ retryAttempts: 1 });
      f.openai.serverErrorNext();
      const out = structured(await generate(c, { model: 'gpt-4o-mini', prompt: 'cross', maxTokens: 50 }));
      expect(out.model).toBe('gemini-2.5-flash');
      expect(out.usage.provider).toBe('gemini');
      expect(out.route[0]).toMatchObject({ model: 'gpt-4o-mini', outcome: 'server_error', status: 500 });
    });

    test('a timeout falls back; when the whole chain fails the error carries every attempt', async () => {
      const c = await client({
        retryAttempts: 1,
        endpoints: { slow: { kind: 'openai', baseUrl: `${f.openai.url}/v1`, apiKey: f.openai.apiKey, timeoutMs: 300 } },
        models: [
          {
            id: 'slow-mini',
            provider: 'openai',
            endpoint: 'slow',
            name: 'gpt-4o-mini',
            contextWindow: 128_000,
            fallback: ['claude-haiku-4-5'],
          },
        ],
      });
      f.openai.failNext('/v1/chat', { status: 200, body: {}, delayMs: 1500 });
      const ok = structured(await generate(c, { model: 'slow-mini', prompt: 'tick', maxTokens: 20 }));
      expect(ok.route.map((s: Json) => s.outcome)).toEqual(['timeout', 'ok']);
      f.openai.failNext('/v1/chat', { status: 200, body: {}, delayMs: 1500 });
      f.anthropic.overloadNext(1);
      const error = errorOf(await generate(c, { model: 'slow-mini', prompt: 'tock', maxTokens: 20 }));
      expect(error.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(error.details?.route.map((s: Json) => `${s.model}:${s.outcome}`)).toEqual([
        'slow-mini:timeout',
        'claude-haiku-4-5:overloaded',
      ]);
      expect(error.details?.exhausted).toEqual(['slow-mini', 'claude-haiku-4-5']);
    });
  });

  describe('budgets', () => {
    test('a call that could exceed the daily token budget is refused before any request is sent', async () => {
      const c = await client({ budgetTokensPerDay: 400 });
      const first = structured(await generate(c, { model: 'gpt-4o-mini', prompt: 'short', maxTokens: 100 }));
      expect(first.usage.totalTokens).toBeGreaterThan(0);
      const before = f.openai.requests.length;
      const error = errorOf(await generate(c, { model: 'gpt-4o-mini', prompt: 'longer answer please', maxTokens: 390 }));
      expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', retryable: false });
      expect(error.message).toMatch(/^test has used \d+ tokens of a 400 tokens daily token budget/);
      expect(error.details).toMatchObject({ caller: 'test', budget: 'token', limit: 400 });
      expect(f.openai.requests.length).toBe(before);
    });

    test('a per-caller dollar budget counts cost from the ledger', async () => {
      const c = await client({ callerBudgets: { test: { usdPerDay: 0.0005 } } });
      await generate(c, { model: 'claude-sonnet-4-5', prompt: 'a', maxTokens: 20 });
      const before = f.anthropic.requests.length;
      const error = errorOf(await generate(c, { model: 'claude-sonnet-4-5', prompt: 'b', maxTokens: 30 }));
      expect(error.code).toBe('BUDGET_EXCEEDED');
      expect(error.details).toMatchObject({ budget: 'USD', limit: 0.0005 });
      expect(f.anthropic.requests.length).toBe(before);
      const usage = structured(await c.callTool({ name: 'getUsage', arguments: { caller: 'test' } }));
      expect(usage.budget).toEqual({ caller: 'test', usdPerDay: 0.0005 });
      expect(usage.items[0]).toMatchObject({ caller: 'test', model: 'claude-sonnet-4-5', calls: 1 });
    });
  });

  describe('cache', () => {
    test('the second identical temperature-0 call is a cache hit: no request, no cost', async () => {
      const c = await client();
      const args = { model: 'gpt-4o-mini', prompt: 'cache me', temperature: 0, maxTokens: 40 };
      const before = f.openai.requests.length;
      const first = structured(await generate(c, args));
      const second = structured(await generate(c, args));
      expect(f.openai.requests.length - before).toBe(1);
      expect(first.usage.cacheHit).toBe(false);
      expect(second.usage).toMatchObject({ cacheHit: true, costUsd: 0, inputTokens: first.usage.inputTokens });
      expect(second.text).toBe(first.text);
      const stats = structured(await c.callTool({ name: 'getCacheStats', arguments: {} }));
      expect(stats).toMatchObject({
        backend: 'sqlite',
        entries: 1,
        hits: 1,
        misses: 1,
        hitRate: 0.5,
        process: { hits: 1, misses: 1 },
      });
      const cleared = structured(await c.callTool({ name: 'clearCache', arguments: {} }));
      expect(cleared.removed).toBe(1);
      expect(structured(await generate(c, args)).usage.cacheHit).toBe(false);
    });

    test('a temperature above 0 is not cached unless asked; cache: false is never cached', async () => {
      const c = await client();
      const before = f.openai.requests.length;
      await generate(c, { model: 'gpt-4o-mini', prompt: 'warm', temperature: 0.7 });
      await generate(c, { model: 'gpt-4o-mini', prompt: 'warm', temperature: 0.7 });
      expect(f.openai.requests.length - before).toBe(2);
      await generate(c, { model: 'gpt-4o-mini', prompt: 'forced', temperature: 0.7, cache: true });
      expect(
        structured(await generate(c, { model: 'gpt-4o-mini', prompt: 'forced', temperature: 0.7, cache: true })).usage.cacheHit,
      ).toBe(true);
      await generate(c, { model: 'gpt-4o-mini', prompt: 'never', temperature: 0, cache: false });
      expect(
        structured(await generate(c, { model: 'gpt-4o-mini', prompt: 'never', temperature: 0, cache: false })).usage.cacheHit,
      ).toBe(false);
    });

    test('cache hits are in the ledger as calls that cost nothing', async () => {
      const c = await client();
      const args = { model: 'gemini-2.5-flash', prompt: 'ledger', temperature: 0 };
      await generate(c, args);
      await generate(c, args);
      const usage = structured(await c.callTool({ name: 'getUsage', arguments: { model: 'gemini-2.5-flash' } }));
      expect(usage.items).toEqual([expect.objectContaining({ calls: 2, cacheHits: 1 })]);
      expect(usage.total).toBe(1);
    });
  });

  describe('redaction and limits', () => {
    const secret = 'AKIAIOSFODNN7EXAMPLE';

    test('credentials in a prompt are redacted before it leaves; the count is reported', async () => {
      const c = await client();
      const before = f.anthropic.requests.length;
      const out = structured(
        await generate(c, { model: 'claude-haiku-4-5', prompt: `deploy with key ${secret} now`, maxTokens: 50 }),
      );
      const sent = JSON.stringify(f.anthropic.requests.slice(before).map((r) => r.body));
      expect(sent).not.toContain(secret);
      expect(sent).toContain('[REDACTED]');
      expect(out.redactions).toBe(1);
    });

    test('with promptRedaction=refuse such a prompt is refused and nothing is sent', async () => {
      const c = await client({ promptRedaction: 'refuse' });
      const before = f.anthropic.requests.length;
      const error = errorOf(await generate(c, { model: 'claude-haiku-4-5', system: `token=${secret}`, prompt: 'hi' }));
      expect(error.code).toBe('POLICY_VIOLATION');
      expect(error.message).not.toContain(secret);
      expect(f.anthropic.requests.length).toBe(before);
    });

    test('maxTokens over the cap and models off the allowlist are refused before any request', async () => {
      const c = await client({ maxTokensCap: 256, allowedModels: ['gpt-4o-mini', 'lexical-v1'], defaultModel: 'gpt-4o-mini' });
      const before = f.openai.requests.length + f.anthropic.requests.length;
      expect(errorOf(await generate(c, { model: 'gpt-4o-mini', prompt: 'x', maxTokens: 1000 })).message).toContain('cap of 256');
      expect(errorOf(await generate(c, { model: 'claude-sonnet-4-5', prompt: 'x' })).code).toBe('PERMISSION_DENIED');
      expect(f.openai.requests.length + f.anthropic.requests.length).toBe(before);
      const listed = structured(await c.callTool({ name: 'listModels', arguments: {} }));
      expect(listed.models.map((m: Json) => m.id).sort()).toEqual(['gpt-4o-mini', 'lexical-v1']);
      // The fallback (gemini) is not allowed: a failure is not rerouted to it.
      f.openai.serverErrorNext(2);
      const error = errorOf(await generate(c, { model: 'gpt-4o-mini', prompt: 'x', maxTokens: 10 }));
      expect(error.details?.exhausted).toEqual(['gpt-4o-mini']);
    });
  });

  test('listModels shows prices, capabilities and the lexical embedder as not semantic', async () => {
    const c = await client();
    const { models } = structured(await c.callTool({ name: 'listModels', arguments: {} }));
    const byId = Object.fromEntries(models.map((m: Json) => [m.id, m]));
    expect(byId['claude-sonnet-4-5']).toMatchObject({
      provider: 'anthropic',
      pricing: { inputPerMTok: 3, outputPerMTok: 15, currency: 'USD' },
      fallback: ['claude-haiku-4-5'],
    });
    expect(byId['lexical-v1']).toMatchObject({ kind: 'embedding', semantic: false, dimensions: 512 });
    expect(byId['lexical-v1'].description).toMatch(/^LEXICAL, not semantic/);
    expect(byId['text-embedding-3-small'].semantic).toBe(true);
    expect(byId.client).toMatchObject({ provider: 'sampling', default: true });
  });

  test('compareModels answers side by side with per-model usage and an error entry for a failing model', async () => {
    const c = await client({ retryAttempts: 1 });
    f.gemini.unavailableNext(1);
    const out = structured(
      await c.callTool({
        name: 'compareModels',
        arguments: { models: ['claude-haiku-4-5', 'gpt-4o-mini', 'gemini-2.5-pro'], prompt: 'compare', maxTokens: 30 },
      }),
    );
    expect(out.results.map((r: Json) => [r.model, r.ok])).toEqual([
      ['claude-haiku-4-5', true],
      ['gpt-4o-mini', true],
      ['gemini-2.5-pro', false],
    ]);
    expect(out.results[2].error.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(out.totalTokens).toBe(out.results[0].answer.usage.totalTokens + out.results[1].answer.usage.totalTokens);
  });

  test('the sampling provider (the default) asks the client model, or fails with UNSUPPORTED naming why', async () => {
    const asked: Json[] = [];
    const c = await client(
      {},
      {
        capabilities: { sampling: {} },
        beforeConnect: (cl) =>
          cl.setRequestHandler(CreateMessageRequestSchema, async (request) => {
            asked.push(request.params);
            return {
              role: 'assistant',
              model: 'client-model-1',
              content: { type: 'text', text: 'from the client model' },
              stopReason: 'endTurn',
            };
          }),
      },
    );
    const listed = structured(await c.callTool({ name: 'listModels', arguments: {} })).models.find(
      (m: Json) => m.id === 'client',
    );
    expect(listed.available).toBe(true);
    const out = structured(await generate(c, { prompt: 'ask my model', system: 'be kind', maxTokens: 40 }));
    expect(out).toMatchObject({
      text: 'from the client model',
      model: 'client',
      usage: { provider: 'sampling', providerModel: 'client-model-1', costUsd: 0, estimated: true },
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      systemPrompt: 'be kind',
      maxTokens: 40,
      messages: [{ role: 'user', content: { type: 'text', text: 'ask my model' } }],
    });
    const plain = await client();
    const refusal = errorOf(await generate(plain, { prompt: 'no sampling here' }));
    expect(refusal.code).toBe('UNSUPPORTED');
    expect(refusal.message).toContain(CLIENT_CANNOT_SAMPLE);
    expect(asked).toHaveLength(1);
  });
});
