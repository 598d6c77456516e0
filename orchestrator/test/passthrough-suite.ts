import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  connect,
  DYNAMIC,
  everythingStdio,
  NODE,
  type Probe,
  type RunningOrchestrator,
  startCmdb,
  startEverythingHttp,
  startOrchestrator,
  startProbe,
  structured,
  tempDir,
  text,
  waitFor,
  waitUp,
} from './helpers.ts';

/**
 * Pass-through of every MCP feature, per client session, through the aggregated endpoint (`/mcp`, names
 * `<ns>.<tool>`) and through `/mcp/<ns>` (one upstream, un-prefixed). Upstreams are real: server-everything over
 * stdio (shared session), over stdio with a session per client, and over Streamable HTTP; cmdb and a probe
 * service over HTTP; an SDK server whose tool list changes at runtime. It runs twice (passthrough.test.ts and
 * passthrough-node-http.test.ts): with the orchestrator's HTTP fast paths, and with SWITCHBOARD_FAST_HTTP=false.
 */
export function passthroughSuite(fastHttp: boolean): void {
  let orch: RunningOrchestrator;
  let everythingHttp: Awaited<ReturnType<typeof startEverythingHttp>>;
  let cmdb: Awaited<ReturnType<typeof startCmdb>>;
  let probe: Probe;
  const dir = tempDir(fastHttp ? 'orch-pass-' : 'orch-pass-node-');
  const clients: Client[] = [];

  beforeAll(async () => {
    everythingHttp = await startEverythingHttp();
    cmdb = await startCmdb({ SWITCHBOARD_OUTPUT_CAP: '4kb' });
    probe = await startProbe(`${dir.path}/probe.log`);
    orch = await startOrchestrator(
      {
        listPageSize: 7,
        upstreams: [
          everythingStdio(),
          everythingStdio({ name: 'everything-per-client', namespace: 'evp', sessionMode: 'per-client' }),
          { name: 'everything-http', namespace: 'evh', url: everythingHttp.url },
          { name: 'cmdb', namespace: 'cmdb', url: `${cmdb.url}/mcp` },
          { name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` },
          { name: 'dynamic', namespace: 'dyn', command: NODE, args: [DYNAMIC] },
        ],
      },
      { SWITCHBOARD_FAST_HTTP: String(fastHttp) },
      // Pass-through, not approvals (gateway.test.ts): dynamic's addTool does not say it is non-destructive.
      { policy: { approvals: [] } },
    );
    await waitUp(orch, 'everything', 'everything-per-client', 'everything-http', 'cmdb', 'probe', 'dynamic');
  }, 60_000);

  afterAll(async () => {
    await orch?.close();
    await everythingHttp?.stop();
    await cmdb?.stop();
    cmdb?.cleanup();
    await probe?.stop();
    dir.cleanup();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close().catch(() => {});
  });

  type Mode = {
    mode: 'aggregated' | 'pinned';
    url(ns: string): string;
    tool(ns: string, name: string): string;
    uri(ns: string, uri: string): string;
  };

  const modes: Mode[] = [
    {
      mode: 'aggregated',
      url: () => `${orch.url}/mcp`,
      tool: (ns, name) => `${ns}.${name}`,
      // demo:// is served by three upstreams here, so the aggregated view prefixes it with the namespace.
      uri: (ns, uri) => (uri.startsWith('demo://') ? `${ns}+${uri}` : uri),
    },
    { mode: 'pinned', url: (ns) => `${orch.url}/mcp/${ns}`, tool: (_ns, name) => name, uri: (_ns, uri) => uri },
  ];

  async function client(mode: Mode, ns: string, options: Parameters<typeof connect>[1] = {}): Promise<Client> {
    const c = await connect(mode.url(ns), options);
    clients.push(c);
    return c;
  }

  describe.each(modes)('through $mode', (mode) => {
    test.each(['ev', 'evh'])('progress notifications reach the caller (%s)', async (ns) => {
      const c = await client(mode, ns);
      const seen: { progress: number; total?: number }[] = [];
      const result = await c.callTool(
        { name: mode.tool(ns, 'trigger-long-running-operation'), arguments: { duration: 0.3, steps: 3 } },
        undefined,
        {
          onprogress: (p) => seen.push({ progress: p.progress, total: p.total }),
        },
      );
      expect(text(result)).toContain('Long running operation completed');
      expect(seen).toEqual([
        { progress: 1, total: 3 },
        { progress: 2, total: 3 },
        { progress: 3, total: 3 },
      ]);
    });

    test.each(['ev', 'evh'])('logging/setLevel is honoured per client session (%s)', async (ns) => {
      const verbose = await client(mode, ns);
      const quiet = await client(mode, ns);
      const heard = { verbose: [] as string[], quiet: [] as string[] };
      verbose.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void heard.verbose.push(n.params.level));
      quiet.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void heard.quiet.push(n.params.level));
      await verbose.setLoggingLevel('debug');
      await quiet.setLoggingLevel('emergency');
      const toggle = mode.tool(ns, 'toggle-simulated-logging');
      await verbose.callTool({ name: toggle, arguments: {} });
      await quiet.callTool({ name: toggle, arguments: {} });
      await waitFor(() => heard.verbose.length > 0, 8000, 'a log notification');
      await verbose.callTool({ name: toggle, arguments: {} });
      await quiet.callTool({ name: toggle, arguments: {} });
      expect(heard.quiet.every((level) => level === 'emergency')).toBe(true);
    });

    test('a client cancellation cancels the upstream call (probe)', async () => {
      const c = await client(mode, 'probe');
      const abort = new AbortController();
      const correlation = `cancel-${mode.mode}`;
      const call = c
        .callTool(
          {
            name: mode.tool('probe', 'sleep'),
            arguments: { ms: 10_000 },
            _meta: { 'io.switchboard/correlation-id': correlation },
          },
          undefined,
          {
            signal: abort.signal,
          },
        )
        .catch((error: Error) => error);
      await waitFor(() => probe.lines().some((l) => l === `sleep-start ${correlation}`), 5000, 'the call to start upstream');
      abort.abort('changed my mind');
      expect(await call).toBeInstanceOf(Error);
      await waitFor(() => probe.lines().includes(`sleep-cancelled ${correlation}`), 5000, 'the upstream to see the cancellation');
      expect(probe.lines()).not.toContain(`sleep-done ${correlation}`);
    });

    test.each(['ev', 'evh'])('sampling/createMessage is relayed to the caller and its answer back (%s)', async (ns) => {
      const asked: string[] = [];
      const c = await client(mode, ns, {
        capabilities: { sampling: {} },
        beforeConnect: (x) =>
          x.setRequestHandler(CreateMessageRequestSchema, async (request) => {
            asked.push(JSON.stringify(request.params.messages));
            return {
              role: 'assistant',
              content: { type: 'text', text: 'sampled-by-the-client' },
              model: 'test-model',
              stopReason: 'endTurn',
            };
          }),
      });
      const result = await c.callTool({
        name: mode.tool(ns, 'trigger-sampling-request'),
        arguments: { prompt: 'hello upstream', maxTokens: 20 },
      });
      expect(asked.join()).toContain('hello upstream');
      expect(text(result)).toContain('sampled-by-the-client');
    });

    test.each(['ev', 'evh'])('elicitation/create reaches only the session that made the call (%s)', async (ns) => {
      const calls = { caller: 0, bystander: 0 };
      const handler = (who: 'caller' | 'bystander') => (x: Client) =>
        x.setRequestHandler(ElicitRequestSchema, async () => {
          calls[who]++;
          return {
            action: 'accept',
            content: {
              name: `answer from ${who}`,
              check: true,
              firstLine: 'x',
              email: 'a@b.c',
              homepage: 'https://example.com',
              birthdate: '2000-01-01',
              integer: 1,
              number: 1.5,
              enum: 'choice1',
              untitledSingleSelectEnum: 'red',
              titledSingleSelectEnum: 'red',
              untitledMultipleSelectEnum: ['red'],
              titledMultipleSelectEnum: ['red'],
              legacyTitledEnum: 'red',
            },
          };
        });
      const caller = await client(mode, ns, { capabilities: { elicitation: {} }, beforeConnect: handler('caller') });
      const bystander = await client(mode, ns, { capabilities: { elicitation: {} }, beforeConnect: handler('bystander') });
      await bystander.listTools();
      const result = await caller.callTool({ name: mode.tool(ns, 'trigger-elicitation-request'), arguments: {} });
      expect(calls).toEqual({ caller: 1, bystander: 0 });
      expect(text(result)).toContain('answer from caller');
    });

    test.each(['evh', 'evp'])('roots/list is answered by the client the session belongs to (%s)', async (ns) => {
      const c = await client(mode, ns, {
        capabilities: { roots: { listChanged: true } },
        beforeConnect: (x) =>
          x.setRequestHandler(ListRootsRequestSchema, async () => ({
            roots: [{ uri: `file:///work/${mode.mode}-${ns}`, name: 'project' }],
          })),
      });
      const result = await c.callTool({ name: mode.tool(ns, 'get-roots-list'), arguments: {} });
      expect(text(result)).toContain(`file:///work/${mode.mode}-${ns}`);
    });

    test.each(['ev', 'evh'])('resource updates reach subscribed sessions only (%s)', async (ns) => {
      const lister = await client(mode, ns);
      const resources = [];
      let cursor: string | undefined;
      do {
        const page = await lister.listResources(cursor ? { cursor } : undefined);
        resources.push(...page.resources);
        cursor = page.nextCursor;
      } while (cursor);
      // In the aggregated view three upstreams serve demo:// URIs, so each one's carry its namespace.
      const resource = resources.find((r) => r.uri.startsWith(mode.uri(ns, 'demo://resource/static/document/')));
      expect(resource).toBeDefined();
      const uri = resource?.uri as string;
      const subscriber = await client(mode, ns);
      const other = await client(mode, ns);
      const updates = { subscriber: [] as string[], other: [] as string[] };
      subscriber.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.subscriber.push(n.params.uri));
      other.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.other.push(n.params.uri));
      await subscriber.subscribeResource({ uri });
      const toggle = mode.tool(ns, 'toggle-subscriber-updates');
      await subscriber.callTool({ name: toggle, arguments: {} });
      await other.callTool({ name: toggle, arguments: {} });
      await waitFor(() => updates.subscriber.length > 0, 8000, 'a resource update');
      expect(updates.subscriber[0]).toBe(uri);
      await subscriber.unsubscribeResource({ uri });
      await subscriber.callTool({ name: toggle, arguments: {} });
      await other.callTool({ name: toggle, arguments: {} });
      expect(updates.other).toEqual([]);
    });

    test.each(['ev', 'evh'])('completions for prompt arguments and resource templates (%s)', async (ns) => {
      const c = await client(mode, ns);
      const prompt = mode.tool(ns, 'completable-prompt');
      const departments = await c.complete({
        ref: { type: 'ref/prompt', name: prompt },
        argument: { name: 'department', value: 'E' },
      });
      expect(departments.completion.values).toEqual(['Engineering']);
      const people = await c.complete({
        ref: { type: 'ref/prompt', name: prompt },
        argument: { name: 'name', value: 'A' },
        context: { arguments: { department: 'Engineering' } },
      });
      expect(people.completion.values).toEqual(['Alice']);
      const resourceTemplates = [];
      let cursor: string | undefined;
      do {
        const page = await c.listResourceTemplates(cursor ? { cursor } : undefined);
        resourceTemplates.push(...page.resourceTemplates);
        cursor = page.nextCursor;
      } while (cursor);
      const template = resourceTemplates.find((t) => t.uriTemplate === mode.uri(ns, 'demo://resource/dynamic/text/{resourceId}'));
      expect(template).toBeDefined();
      const ids = await c.complete({
        ref: { type: 'ref/resource', uri: template?.uriTemplate as string },
        argument: { name: 'resourceId', value: '1' },
      });
      expect(ids.completion.values.length).toBeGreaterThan(0);
    });

    test.each(['ev', 'evh'])('prompts/get and resources/read reach the upstream (%s)', async (ns) => {
      const c = await client(mode, ns);
      const prompt = await c.getPrompt({ name: mode.tool(ns, 'args-prompt'), arguments: { city: 'Lisbon' } });
      expect(JSON.stringify(prompt.messages)).toContain('Lisbon');
      const uri = mode.uri(ns, 'demo://resource/dynamic/text/7');
      const read = await c.readResource({ uri });
      expect(read.contents[0]?.uri).toBe(uri);
      expect(JSON.stringify(read.contents)).toContain('7');
    });

    test('aggregated lists are paged with a cursor over every upstream', async () => {
      const c = await client(mode, 'ev');
      const names: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await c.listTools(cursor ? { cursor } : undefined);
        expect(page.tools.length).toBeLessThanOrEqual(7);
        names.push(...page.tools.map((t) => t.name));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBeGreaterThan(1);
      expect(new Set(names).size).toBe(names.length);
      if (mode.mode === 'aggregated') {
        for (const ns of ['orchestrator', 'ev', 'evp', 'evh', 'cmdb', 'probe', 'dyn'])
          expect(names.some((n) => n.startsWith(`${ns}.`))).toBe(true);
        expect(names).toEqual(orch.orchestrator.federation.registry.toolList.map((t) => t.name));
      } else {
        expect(names).toContain('trigger-long-running-operation');
        expect(names.some((n) => n.includes('.'))).toBe(false);
      }
    });

    test('list_changed from an upstream reaches connected clients, with the new tool listed', async () => {
      const c = await client(mode, 'dyn');
      let changed = 0;
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changed++;
      });
      const fresh = `fresh-${mode.mode}`;
      await c.callTool({ name: mode.tool('dyn', 'addTool'), arguments: { name: fresh } });
      await waitFor(() => changed > 0, 5000, 'tools/list_changed');
      const listed = await waitFor(async () => {
        const all: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await c.listTools(cursor ? { cursor } : undefined);
          all.push(...page.tools.map((t) => t.name));
          cursor = page.nextCursor;
        } while (cursor);
        return all.includes(mode.tool('dyn', fresh)) && all;
      });
      expect(listed).toContain(mode.tool('dyn', fresh));
      expect(text(await c.callTool({ name: mode.tool('dyn', fresh), arguments: {} }))).toBe(fresh);
    });

    test('tool annotations, outputSchema and structuredContent are preserved', async () => {
      const direct = await connect(everythingHttp.url);
      clients.push(direct);
      const c = await client(mode, 'evh');
      const all = async (x: Client) => {
        const out = [];
        let cursor: string | undefined;
        do {
          const page = await x.listTools(cursor ? { cursor } : undefined);
          out.push(...page.tools);
          cursor = page.nextCursor;
        } while (cursor);
        return out;
      };
      const directTools = await all(direct);
      const proxied = await all(c);
      for (const name of ['get-structured-content', 'trigger-long-running-operation', 'get-annotated-message']) {
        const original = directTools.find((t) => t.name === name);
        const through = proxied.find((t) => t.name === mode.tool('evh', name));
        expect(through).toEqual({ ...original, name: mode.tool('evh', name) });
      }
      const args = { location: 'New York' };
      const viaProxy = await c.callTool({ name: mode.tool('evh', 'get-structured-content'), arguments: args });
      const viaDirect = await direct.callTool({ name: 'get-structured-content', arguments: args });
      expect(viaProxy.structuredContent).toEqual(viaDirect.structuredContent);
      expect(viaProxy.content).toEqual(viaDirect.content);
    });

    test('_meta is preserved both ways (request meta reaches the upstream, result meta the client)', async () => {
      const c = await client(mode, 'probe');
      const who = await c.callTool({
        name: mode.tool('probe', 'whoami'),
        arguments: {},
        _meta: { 'example.com/trace': 'abc-123' },
      });
      expect(structured(who).meta).toMatchObject({
        'example.com/trace': 'abc-123',
        'io.switchboard/correlation-id': expect.any(String),
      });
      const db = await client(mode, 'cmdb');
      await db.callTool({
        name: mode.tool('cmdb', 'upsertItem'),
        arguments: { type: 'host', name: `big-${mode.mode}`, attributes: { a: 'x'.repeat(3000), b: 'y'.repeat(3000) } },
      });
      const big = await db.callTool({
        name: mode.tool('cmdb', 'getItem'),
        arguments: { type: 'host', name: `big-${mode.mode}` },
      });
      expect(big._meta).toEqual({ 'io.switchboard/truncated': { originalBytes: expect.any(Number), capBytes: 4096 } });
      expect(text(big)).toContain('output truncated');
    });
  });
}
