import { afterEach, describe, expect, test } from '@jest/globals';
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectInMemory, type TestClient } from '../src/testing/index.ts';
import { kitTestService } from './fixtures/kit-test-service.ts';

let client: TestClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

describe('tools through an in-memory client', () => {
  test('lists tools with schemas and all three annotation hints', async () => {
    client = await connectInMemory(kitTestService);
    const { tools } = await client.listTools();
    const echo = tools.find((t) => t.name === 'echo');
    expect(echo?.inputSchema.properties).toHaveProperty('text');
    const [declared, errors] =
      (echo?.outputSchema as unknown as { anyOf: { properties: object; title?: string }[] } | undefined)?.anyOf ?? [];
    expect(declared?.properties).toHaveProperty('text');
    expect(errors?.title).toBe('ToolError');
    for (const tool of tools) {
      expect(typeof tool.annotations?.readOnlyHint).toBe('boolean');
      expect(typeof tool.annotations?.destructiveHint).toBe('boolean');
      expect(typeof tool.annotations?.idempotentHint).toBe('boolean');
    }
  });

  test('a call returns structuredContent and matching text', async () => {
    client = await connectInMemory(kitTestService);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ text: 'hi', caller: 'test' });
    expect(JSON.parse((result.content as { text: string }[])[0]?.text ?? '')).toEqual(result.structuredContent);
  });

  test('an argument the tool does not declare is INVALID_ARGUMENT naming it, and the listing says none are allowed', async () => {
    client = await connectInMemory(kitTestService);
    const { tools } = await client.listTools();
    expect(tools.find((tool) => tool.name === 'echo')?.inputSchema).toMatchObject({ additionalProperties: false });
    const result = await client.request(
      { method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi', txet: 'typo' } } },
      CallToolResultSchema,
    );
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(JSON.stringify(result.structuredContent)).toContain('txet');
  });

  test('invalid arguments give INVALID_ARGUMENT naming the field', async () => {
    client = await connectInMemory(kitTestService);
    await client.listTools();
    const result = await client.callTool({ name: 'echo', arguments: { text: 5 } });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ error: { code: 'INVALID_ARGUMENT', retryable: false } });
    expect((result.structuredContent as { error: { message: string } }).error.message).toContain('text');
  });

  test('a ToolError keeps its code and details; an exception becomes INTERNAL without its message', async () => {
    client = await connectInMemory(kitTestService);
    // After tools/list the SDK client validates structuredContent against outputSchema, error results included.
    await client.listTools();
    const known = await client.callTool({ name: 'failWith', arguments: { kind: 'tool' } });
    expect(known.structuredContent).toEqual({
      error: { code: 'NOT_FOUND', message: 'no such thing', retryable: false, details: { thing: 'x' } },
    });
    const crash = await client.callTool({ name: 'failWith', arguments: { kind: 'crash' } });
    expect(crash.structuredContent).toMatchObject({ error: { code: 'INTERNAL', retryable: false } });
    expect(JSON.stringify(crash)).not.toContain('fixture-secret-value-123');
    expect(JSON.stringify(crash)).not.toContain('password');
  });

  test('registered secrets and credential shapes are redacted from results', async () => {
    client = await connectInMemory(kitTestService);
    const result = await client.callTool({ name: 'leakSecret', arguments: {} });
    const text = JSON.stringify(result);
    expect(text).not.toContain('fixture-secret-value-123');
    expect(text).not.toContain('AKIAABCDEFGHIJKLMNOP');
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('plain-value');
    expect(text).toContain('[REDACTED]');
  });

  test('a result over the cap is truncated with a marker that says how to get the rest', async () => {
    client = await connectInMemory(kitTestService, { config: { outputCapBytes: 2048 } });
    const result = await client.callTool({ name: 'bigOutput', arguments: { bytes: 10_000 } });
    expect(result.isError).toBeFalsy();
    const text = (result.content as { text: string }[])[0]?.text ?? '';
    expect(Buffer.byteLength(text)).toBeLessThan(2048 + 300);
    expect(text).toContain('output truncated');
    expect(text).toContain('ask for fewer bytes');
    expect((result.structuredContent as { blob: string }).blob).toMatch(/…\[truncated \d+ chars\]$/);
    expect(result._meta).toEqual({ 'io.switchboard/truncated': { originalBytes: 10_011, capBytes: 2048 } });
  });

  test('list pages shrink to the cap and hand back a cursor', async () => {
    client = await connectInMemory(kitTestService, { config: { outputCapBytes: 4096 } });
    const first = await client.callTool({ name: 'listNumbers', arguments: { count: 100, pad: 200, limit: 100 } });
    const page = first.structuredContent as { items: { n: number }[]; total: number; nextCursor?: string };
    expect(page.total).toBe(100);
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.length).toBeLessThan(100);
    expect(page.nextCursor).toBeDefined();
    const second = await client.callTool({
      name: 'listNumbers',
      arguments: { count: 100, pad: 200, limit: 100, cursor: page.nextCursor },
    });
    expect((second.structuredContent as typeof page).items[0]?.n).toBe(page.items.length);
  });

  test('progress notifications arrive when the client asks for them', async () => {
    client = await connectInMemory(kitTestService);
    const seen: number[] = [];
    await client.callTool({ name: 'waitFor', arguments: { ms: 20 } }, undefined, {
      onprogress: (progress) => seen.push(progress.progress),
    });
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  test('read-only mode hides and refuses mutating tools', async () => {
    client = await connectInMemory(kitTestService, { config: { readOnly: true } });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).not.toContain('setValue');
    const result = await client.callTool({ name: 'setValue', arguments: { value: 'x' } });
    expect(result.structuredContent).toMatchObject({ error: { code: 'READ_ONLY' } });
  });

  test('elicitation reaches the client and its answer comes back', async () => {
    client = await connectInMemory(kitTestService, {
      capabilities: { elicitation: {} },
      beforeConnect: (c) =>
        c.setRequestHandler(ElicitRequestSchema, async (request) => ({
          action: 'accept',
          content: { answer: `yes to ${request.params.message}` },
        })),
    });
    const result = await client.callTool({ name: 'askHuman', arguments: { question: 'deploy?' } });
    expect(result.structuredContent).toEqual({ action: 'accept', answer: 'yes to deploy?' });
  });

  test('a client without elicitation gets APPROVAL_REQUIRED', async () => {
    client = await connectInMemory(kitTestService);
    const result = await client.callTool({ name: 'askHuman', arguments: { question: 'deploy?' } });
    expect(result.structuredContent).toMatchObject({ error: { code: 'APPROVAL_REQUIRED' } });
  });

  test('logging/setLevel controls log notifications per session', async () => {
    client = await connectInMemory(kitTestService);
    const messages: { level: string }[] = [];
    const { LoggingMessageNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      messages.push(n.params);
    });
    await client.callTool({ name: 'echo', arguments: { text: 'a' } });
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'echo', arguments: { text: 'b' } });
    await client.setLoggingLevel('error');
    await client.callTool({ name: 'failWith', arguments: { kind: 'tool' } });
    await new Promise((r) => setTimeout(r, 10));
    expect(messages.map((m) => m.level)).toEqual(['debug']);
  });

  test('resources, templates, completions and prompts', async () => {
    client = await connectInMemory(kitTestService);
    expect((await client.listResources()).resources).toEqual([{ uri: 'kit://note/1', name: 'note 1' }]);
    expect((await client.listResourceTemplates()).resourceTemplates[0]?.uriTemplate).toBe('kit://note/{id}');
    const read = await client.readResource({ uri: 'kit://note/1' });
    expect(read.contents[0]).toMatchObject({ text: 'first note' });
    await expect(client.readResource({ uri: 'kit://note/2' })).rejects.toThrow(/does not exist/);
    const completion = await client.complete({
      ref: { type: 'ref/resource', uri: 'kit://note/{id}' },
      argument: { name: 'id', value: '1' },
    });
    expect(completion.completion.values).toEqual(['1', '10']);
    const prompt = await client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Say hello to Ada' });
    const { prompts } = await client.listPrompts();
    expect(prompts[0]?.arguments).toEqual([{ name: 'who', description: 'Who to greet', required: true }]);
  });
});
