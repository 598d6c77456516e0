import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { connectInMemory, startTestSecrets, type TestSecrets } from '@switchboard/shared/testing';
import { aiModelsService } from '../src/service.ts';
import { type AnthropicFixture, startAnthropicFixture } from './fixtures/anthropic-fixture.ts';
import { errorOf, structured } from './support.ts';

/** A provider API key given as a secret:// handle, resolved through a real secrets service process. */
let anthropic: AnthropicFixture;
let secrets: TestSecrets;

beforeAll(async () => {
  anthropic = await startAnthropicFixture();
  secrets = await startTestSecrets({
    callers: { 'ai-models': ['local/ai/**'] },
    secrets: { 'ai/anthropic-key': anthropic.apiKey, 'ops/other-key': 'sk-ant-not-for-ai-0000000000000000' },
  });
}, 30_000);

afterAll(async () => {
  await secrets?.stop();
  await anthropic?.close();
});

const config = (apiKey: string) => ({
  ...secrets.configFor('ai-models'),
  databaseUrl: 'sqlite::memory:',
  anthropicApiKey: apiKey,
  anthropicBaseUrl: anthropic.url,
});

test('the handle is resolved on first use; the provider gets the real key; the key never comes back', async () => {
  const client = await connectInMemory(aiModelsService, { config: config(secrets.handles['ai/anthropic-key'] as string) });
  try {
    const result = await client.callTool({
      name: 'generate',
      arguments: { model: 'claude-haiku-4-5', prompt: `echo ${anthropic.apiKey}`, maxTokens: 40 },
    });
    const out = structured(result);
    expect(out.usage).toMatchObject({ provider: 'anthropic', model: 'claude-haiku-4-5' });
    // The resolved key is registered with the redactor: the prompt quoting it left redacted, and no result shows it.
    expect(out.redactions).toBe(1);
    expect(JSON.stringify(result)).not.toContain(anthropic.apiKey);
    expect(JSON.stringify(anthropic.requests)).not.toContain(`echo ${anthropic.apiKey}`);
  } finally {
    await client.close();
  }
});

test('a handle outside the resolve policy is PERMISSION_DENIED at use, and nothing is sent', async () => {
  const client = await connectInMemory(aiModelsService, { config: config(secrets.handles['ops/other-key'] as string) });
  try {
    const before = anthropic.requests.length;
    const error = errorOf(
      await client.callTool({ name: 'generate', arguments: { model: 'claude-haiku-4-5', prompt: 'hi', maxTokens: 20 } }),
    );
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(error.message).toMatch(/caller "ai-models" may not resolve local\/ops\/other-key/);
    expect(anthropic.requests.length).toBe(before);
  } finally {
    await client.close();
  }
});
