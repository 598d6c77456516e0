import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  connect,
  DYNAMIC,
  everythingStdio,
  NODE,
  type RunningOrchestrator,
  startOrchestrator,
  structured,
  tempDir,
  text,
  waitFor,
  waitUp,
} from './helpers.ts';
import { allToolNames, type RestartableProbe, restartableProbe } from './support.ts';

/**
 * Hot reload of orchestrator.yaml in a running orchestrator: upstreams added and removed in place, connected
 * clients told what changed and kept on their sessions; a broken file is refused and the running set kept.
 */
const dir = tempDir('orch-reload-');
let probe: RestartableProbe;
let orch: RunningOrchestrator;
const alpha = () => ({ name: 'alpha', namespace: 'alpha', url: `${probe.url}/mcp` });
const beta = { name: 'beta', namespace: 'beta', command: NODE, args: [DYNAMIC] };

beforeAll(async () => {
  probe = await restartableProbe(`${dir.path}/probe.log`);
  // beta's addTool does not say it is non-destructive: no approvals here (they have their own tests).
  orch = await startOrchestrator({ upstreams: [alpha()] }, {}, { policy: { approvals: [] } });
  await waitUp(orch, 'alpha');
}, 30_000);

afterAll(async () => {
  await orch?.close();
  await probe?.stop();
  dir.cleanup();
});

function watchLists(c: Client) {
  const seen = { tools: 0, resources: 0, prompts: 0 };
  c.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.tools++);
  c.setNotificationHandler(ResourceListChangedNotificationSchema, () => void seen.resources++);
  c.setNotificationHandler(PromptListChangedNotificationSchema, () => void seen.prompts++);
  return seen;
}

const sessionIdOf = (c: Client) => (c.transport as StreamableHTTPClientTransport).sessionId;

describe('hot reload', () => {
  test('adding and removing upstreams in the file: clients hear list_changed and keep their sessions', async () => {
    const c = await connect(`${orch.url}/mcp`);
    const pinned = await connect(`${orch.url}/mcp/alpha`);
    try {
      const seen = watchLists(c);
      const session = sessionIdOf(c);
      expect(session).toEqual(expect.any(String));
      expect(structured(await c.callTool({ name: 'alpha.whoami', arguments: {} })).caller).toBe('anonymous');

      orch.writeConfig({ upstreams: [alpha(), beta, everythingStdio()] });
      await waitUp(orch, 'beta', 'everything');
      await waitFor(
        () => seen.tools > 0 && seen.resources > 0 && seen.prompts > 0,
        5000,
        'tools, resources and prompts list_changed',
      );
      const names = await allToolNames(c);
      expect(names).toEqual(expect.arrayContaining(['alpha.whoami', 'beta.addTool', 'ev.echo']));
      expect(text(await c.callTool({ name: 'beta.addTool', arguments: { name: 'fromReload' } }))).toBe('added fromReload');
      expect((await c.listPrompts()).prompts.map((p) => p.name)).toContain('ev.simple-prompt');
      expect(sessionIdOf(c)).toBe(session);
      // alpha was not touched: its pinned session still works.
      expect(structured(await pinned.callTool({ name: 'whoami', arguments: {} })).caller).toBe('anonymous');

      seen.tools = 0;
      orch.writeConfig({ upstreams: [beta] });
      await waitFor(
        () =>
          orch.orchestrator.federation
            .upstreams()
            .map((u) => u.name)
            .join() === 'beta',
        5000,
        'alpha and everything removed',
      );
      await waitFor(() => seen.tools > 0, 5000, 'list_changed after the removal');
      const after = await allToolNames(c);
      expect(after.filter((n) => n.startsWith('alpha.') || n.startsWith('ev.'))).toEqual([]);
      expect(after).toContain('beta.addTool');
      await expect(c.callTool({ name: 'alpha.whoami', arguments: {} })).rejects.toThrow(/Unknown tool/);
      expect(sessionIdOf(c)).toBe(session);
      const listed = structured<{ items: { name: string }[] }>(
        await c.callTool({ name: 'orchestrator.listServices', arguments: {} }),
      );
      expect(listed.items.map((s) => s.name)).toEqual(['beta']);
      // The removed namespace's pinned session no longer reaches anything.
      await expect(pinned.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow(/Unknown namespace \\"alpha\\"/);
    } finally {
      await c.close();
      await pinned.close().catch(() => {});
    }
  });

  test('a broken file is refused and the running upstreams are kept', async () => {
    orch.writeConfig({ upstreams: [alpha()] });
    await waitUp(orch, 'alpha');
    const c = await connect(`${orch.url}/mcp`);
    try {
      const failures = orch.logs.filter((l) => l.msg === 'configuration reload failed; keeping the running configuration').length;
      writeFileSync(orch.configFile, 'upstreams:\n  - name: alpha\n    namespace: alpha\n    url: nope\n');
      await waitFor(
        () =>
          orch.logs.filter((l) => l.msg === 'configuration reload failed; keeping the running configuration').length > failures,
        5000,
        'the reload to be refused',
      );
      expect(orch.orchestrator.federation.upstreams().map((u) => u.name)).toEqual(['alpha']);
      expect(structured(await c.callTool({ name: 'alpha.whoami', arguments: {} })).caller).toBe('anonymous');
    } finally {
      await c.close();
    }
  });
});
