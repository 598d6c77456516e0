import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { connect, type RunningOrchestrator, startOrchestrator, structured, tempDir, waitUp } from './helpers.ts';

const AI_MAIN = fileURLToPath(new URL('../../services/ai-models/src/main.ts', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../services/ai-models/test/fixtures/serve.ts', import.meta.url));

interface FixtureInfo {
  anthropic: { url: string; apiKey: string };
  openai: { url: string; apiKey: string };
  gemini: { url: string; apiKey: string };
  control: string;
}

/** The provider fixtures as a process (services/ai-models/test/fixtures/serve.ts); resolves with their addresses. */
function startProviderFixtures(): Promise<{ info: FixtureInfo; child: ChildProcess }> {
  const child = spawn(process.execPath, [FIXTURES], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ info: JSON.parse(line) as FixtureInfo, child });
    });
    child.once('exit', (code) => reject(new Error(`provider fixtures exited with ${code}`)));
  });
}

const errorOf = (result: unknown) =>
  (result as { structuredContent: { error: { code: string; message: string; details?: Record<string, unknown> } } })
    .structuredContent.error;

/**
 * ai-models as a real process behind the orchestrator, its providers' SDKs pointed at wire-format fixtures: the
 * sampling provider answers from the end client's own model (sampling/createMessage relayed by the orchestrator), a
 * provider model returns usage and cost, an identical temperature-0 call is a cache hit, a 429 falls back to the
 * next model, and a budget refuses before any request reaches the provider.
 */
describe('ai-models through the orchestrator', () => {
  const dir = tempDir('orch-ai-');
  let fixtures: { info: FixtureInfo; child: ChildProcess };
  let ai: SpawnedService;
  let orch: RunningOrchestrator;
  const clients: Client[] = [];
  const sampled: unknown[] = [];

  const requests = async () =>
    (await (await fetch(`${fixtures.info.control}/requests`)).json()) as { anthropic: number; openai: number };
  const fault = (body: Record<string, unknown>) =>
    fetch(`${fixtures.info.control}/fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    fixtures = await startProviderFixtures();
    const { anthropic, openai } = fixtures.info;
    ai = await spawnService(AI_MAIN, {
      env: {
        PORT: '0',
        SWITCHBOARD_AUTH: 'none',
        SWITCHBOARD_DATA_DIR: join(dir.path, 'data'),
        AI_ANTHROPIC_API_KEY: anthropic.apiKey,
        AI_ANTHROPIC_BASE_URL: anthropic.url,
        AI_OPENAI_API_KEY: openai.apiKey,
        AI_OPENAI_BASE_URL: `${openai.url}/v1`,
        AI_MODELS: JSON.stringify([
          {
            id: 'claude-sonnet-4-5',
            provider: 'anthropic',
            contextWindow: 200_000,
            pricing: { inputPerMTok: 3, outputPerMTok: 15 },
            capabilities: ['system', 'stream'],
            fallback: ['claude-haiku-4-5'],
          },
        ]),
        AI_CALLER_BUDGETS: JSON.stringify({ anonymous: { tokensPerDay: 2000 } }),
        AI_RETRY_MAX_DELAY_MS: '1000',
      },
    });
    orch = await startOrchestrator({ upstreams: [{ name: 'ai-models', namespace: 'ai', url: `${ai.url}/mcp` }] });
    await waitUp(orch, 'ai-models');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await orch?.close();
    await ai?.stop();
    fixtures?.child.stdin?.end();
    fixtures?.child.kill();
    dir.cleanup();
  });

  async function client(sampling: boolean): Promise<Client> {
    const c = await connect(`${orch.url}/mcp`, {
      capabilities: sampling ? { sampling: {} } : {},
      beforeConnect: (cl) => {
        if (!sampling) return;
        cl.setRequestHandler(CreateMessageRequestSchema, async (request) => {
          sampled.push(request.params);
          return {
            role: 'assistant',
            model: 'end-client-model',
            content: { type: 'text', text: 'answered by the end client' },
            stopReason: 'endTurn',
          };
        });
      },
    });
    clients.push(c);
    return c;
  }

  test("ai.generate with the sampling provider answers from the end client's model, relayed by the orchestrator", async () => {
    const c = await client(true);
    const listed = structured((await c.callTool({ name: 'ai.listModels', arguments: {} })) as never).models.find(
      (m: { id: string }) => m.id === 'client',
    );
    expect(listed.available).toBe(true);
    const result = await c.callTool({ name: 'ai.generate', arguments: { prompt: 'which model are you?', maxTokens: 30 } });
    expect(result.isError).toBeFalsy();
    expect(structured(result as never)).toMatchObject({
      text: 'answered by the end client',
      model: 'client',
      usage: { provider: 'sampling', providerModel: 'end-client-model', costUsd: 0 },
    });
    expect(sampled).toHaveLength(1);
    expect(sampled[0]).toMatchObject({
      maxTokens: 30,
      messages: [{ role: 'user', content: { type: 'text', text: 'which model are you?' } }],
    });
    // A client without the capability gets the precise refusal, and nobody is asked.
    const plain = await client(false);
    const refused = await plain.callTool({ name: 'ai.generate', arguments: { prompt: 'no sampling here', maxTokens: 30 } });
    expect(errorOf(refused)).toMatchObject({ code: 'UNSUPPORTED' });
    expect(errorOf(refused).message).toMatch(/did not declare the sampling capability/);
    expect(sampled).toHaveLength(1);
  });

  test('a provider model returns usage and cost; the identical temperature-0 call is a cache hit', async () => {
    const c = await client(false);
    const args = { model: 'claude-sonnet-4-5', prompt: 'cache through the proxy', temperature: 0, maxTokens: 50 };
    const before = await requests();
    const first = structured((await c.callTool({ name: 'ai.generate', arguments: args })) as never);
    expect(first.text).toBe('claude-sonnet-4-5 says: cache through the proxy');
    expect(first.usage).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5', cacheHit: false });
    expect(first.usage.costUsd).toBeCloseTo((first.usage.inputTokens * 3 + first.usage.outputTokens * 15) / 1e6, 8);
    const second = structured((await c.callTool({ name: 'ai.generate', arguments: args })) as never);
    expect(second.usage).toMatchObject({ cacheHit: true, costUsd: 0 });
    expect((await requests()).anthropic - before.anthropic).toBe(1);
  });

  test('a 429 from the provider falls back to the next model in the chain', async () => {
    const c = await client(false);
    await fault({ provider: 'anthropic', kind: 'rate_limit', retryAfterSeconds: 30 });
    const out = structured(
      (await c.callTool({
        name: 'ai.generate',
        arguments: { model: 'claude-sonnet-4-5', prompt: 'limited', maxTokens: 40 },
      })) as never,
    );
    expect(out).toMatchObject({ model: 'claude-haiku-4-5', fallbackUsed: true });
    expect(out.route[0]).toMatchObject({
      model: 'claude-sonnet-4-5',
      outcome: 'rate_limited',
      status: 429,
      retryAfterMs: 30_000,
    });
  });

  test('a budget refuses before any request is sent', async () => {
    const c = await client(false);
    const before = await requests();
    const result = await c.callTool({
      name: 'ai.generate',
      arguments: { model: 'gpt-4o-mini', prompt: 'too much', maxTokens: 4000 },
    });
    const error = errorOf(result);
    expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(error.message).toMatch(/^anonymous has used/);
    expect(error.details).toMatchObject({ budget: 'token', limit: 2000 });
    expect(await requests()).toEqual(before);
  });
});
