import { afterEach, describe, expect, test } from '@jest/globals';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { defineTool, z } from '../src/index.ts';
import { connectInMemory, type TestClient } from '../src/testing/index.ts';
import { extensionsService } from './fixtures/extensions-service.ts';

let client: TestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

const error = (result: unknown) =>
  (result as { structuredContent: { error: { code: string; message: string; details?: unknown } } }).structuredContent.error;

describe('per-tool visibility (ToolDefinition.enabled)', () => {
  test('a tool its configuration turns off is not listed and is refused by name before its arguments are read', async () => {
    client = await connectInMemory(extensionsService);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('countEvent');
    expect(names).not.toContain('dangerZone');
    const refused = await client.callTool({ name: 'dangerZone', arguments: { target: 5 } });
    expect(refused.isError).toBe(true);
    expect(error(refused)).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'dangerZone is turned off in this deployment: it needs FIXTURE_ADMIN=true',
      details: { reason: 'disabled' },
    });
  });

  test('the same tool is listed and runs when the configuration turns it on', async () => {
    client = await connectInMemory(extensionsService, { env: { FIXTURE_ADMIN: 'true' } });
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('dangerZone');
    const done = await client.callTool({ name: 'dangerZone', arguments: { target: 'x' } });
    expect(done.structuredContent).toEqual({ done: 'x' });
  });

  test('read-only mode still hides what is not read-only, and a turned-off tool stays off', async () => {
    client = await connectInMemory(extensionsService, { env: { FIXTURE_ADMIN: 'true', SWITCHBOARD_READ_ONLY: 'true' } });
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('dangerZone');
    expect(error(await client.callTool({ name: 'dangerZone', arguments: { target: 'x' } })).code).toBe('READ_ONLY');
  });
});

describe('disclosure (ToolDefinition.discloses)', () => {
  test('only the disclosed field passes the redactor; the same key elsewhere in the result is redacted', async () => {
    client = await connectInMemory(extensionsService);
    const listing = (await client.listTools()).tools.find((t) => t.name === 'presign');
    expect(listing?._meta).toEqual({ 'io.switchboard/discloses': ['link.url'] });
    const result = await client.callTool({ name: 'presign', arguments: {} });
    const out = result.structuredContent as { link: { url: string }; note: string };
    expect(out.link.url).toContain('X-Amz-Credential=AKIAABCDEFGHIJKLMNOP%2F20260101');
    expect(out.note).toBe('signed with [REDACTED]');
    const text = (result.content as { text: string }[])[0]?.text ?? '';
    expect(JSON.parse(text)).toEqual(out);
  });

  test('defineTool refuses a disclosed path that is not a field of the output', () => {
    expect(() =>
      defineTool({
        name: 'leaky',
        title: 'Leaky',
        description: 'x',
        input: z.object({}),
        output: z.object({ value: z.string() }),
        annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
        discloses: ['other'],
        handler: async () => ({ value: 'v' }),
      }),
    ).toThrow(/discloses "other" is not a field path of its output/);
  });
});

describe('sampling from a tool (ctx.canSample, ctx.sample)', () => {
  test('a client that declared sampling answers sampling/createMessage; the request reaching it is redacted', async () => {
    const asked: unknown[] = [];
    client = await connectInMemory(extensionsService, {
      capabilities: { sampling: {} },
      beforeConnect: (c) =>
        c.setRequestHandler(CreateMessageRequestSchema, async (request) => {
          asked.push(request.params);
          return { role: 'assistant', model: 'client-model-1', content: { type: 'text', text: 'forty-two' } };
        }),
    });
    expect((await client.callTool({ name: 'canSample', arguments: {} })).structuredContent).toEqual({ canSample: true });
    const result = await client.callTool({ name: 'askModel', arguments: { prompt: 'key AKIAABCDEFGHIJKLMNOP, meaning?' } });
    expect(result.structuredContent).toEqual({ text: 'forty-two', model: 'client-model-1' });
    expect(asked).toHaveLength(1);
    expect(JSON.stringify(asked[0])).toContain('key [REDACTED], meaning?');
  });

  test('without the capability canSample is false and sample is UNSUPPORTED, without asking anything', async () => {
    client = await connectInMemory(extensionsService);
    expect((await client.callTool({ name: 'canSample', arguments: {} })).structuredContent).toEqual({ canSample: false });
    const result = await client.callTool({ name: 'askModel', arguments: { prompt: 'hi' } });
    expect(error(result)).toMatchObject({ code: 'UNSUPPORTED' });
    expect(error(result).message).toMatch(/did not declare the sampling capability/);
  });

  test('a client that fails the request makes the call fail, not hang', async () => {
    client = await connectInMemory(extensionsService, {
      capabilities: { sampling: {} },
      beforeConnect: (c) =>
        c.setRequestHandler(CreateMessageRequestSchema, async () => {
          throw new Error('the user declined');
        }),
    });
    const result = await client.callTool({ name: 'askModel', arguments: { prompt: 'hi' } });
    expect(result.isError).toBe(true);
  });
});

describe('metrics a service registers (SetupInput.metrics)', () => {
  test("the service's own counter is on the process registry, beside the kit's", async () => {
    client = await connectInMemory(extensionsService);
    await client.callTool({ name: 'countEvent', arguments: { kind: 'deploy' } });
    const text = await client.runtime.metrics.registry.metrics();
    expect(text).toContain('kit_fixture_events_total{kind="deploy"} 1');
    expect(text).toContain('mcp_tool_calls_total{service="kit-extensions",tool="countEvent",outcome="success"} 1');
  });
});

describe('handles without a secrets service', () => {
  test('ctx.resolveSecret says no secrets service is configured, naming the settings', async () => {
    client = await connectInMemory(extensionsService);
    const result = await client.callTool({ name: 'useHandle', arguments: { handle: 'secret://local/app/x' } });
    expect(error(result)).toMatchObject({ code: 'UNSUPPORTED', details: { reason: 'no_secrets_endpoint' } });
    expect(error(result).message).toMatch(/SWITCHBOARD_SECRETS_URL.*SWITCHBOARD_SECRETS_TOKEN/);
  });

  test('a value where a handle belongs is refused without being echoed', async () => {
    client = await connectInMemory(extensionsService);
    const result = await client.callTool({ name: 'useHandle', arguments: { handle: 'hunter2-the-password' } });
    expect(error(result)).toMatchObject({ code: 'INVALID_ARGUMENT', details: { reason: 'bad_handle' } });
    expect(JSON.stringify(result)).not.toContain('hunter2-the-password');
  });

  test('a handle in configuration stops start-up with a ConfigError naming the key and its variable', async () => {
    await expect(connectInMemory(extensionsService, { env: { FIXTURE_CREDENTIAL: 'secret://local/app/x' } })).rejects.toThrow(
      /Invalid configuration for kit-extensions:\n {2}- fixtureCredential \(FIXTURE_CREDENTIAL\): kit-extensions cannot resolve secret:\/\/local\/app\/x: no secrets service is configured/,
    );
    await expect(connectInMemory(extensionsService, { env: { FIXTURE_CREDENTIAL: 'secret:/typo' } })).rejects.toThrow(
      /fixtureCredential \(FIXTURE_CREDENTIAL\): a secret handle looks like/,
    );
  });

  test('a plain credential in configuration is used as it is', async () => {
    client = await connectInMemory(extensionsService, { env: { FIXTURE_CREDENTIAL: 'literal-value' } });
    expect((await client.callTool({ name: 'showCredential', arguments: {} })).structuredContent).toMatchObject({
      shown: 'literal-value',
    });
  });
});
