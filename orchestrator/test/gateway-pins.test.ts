import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connect, NODE, type RunningOrchestrator, startOrchestrator, structured, tempDir, waitFor, waitUp } from './helpers.ts';
import { allToolNames, errorOf, sample, scrape } from './support.ts';

const RUG = fileURLToPath(new URL('./fixtures/rug-pull-server.ts', import.meta.url));

/**
 * Pinned tool definitions against a real upstream that changes a tool's description after clients connected (a rug
 * pull): the tool is quarantined (hidden, list_changed sent, calls refused with TOOL_CHANGED) until an admin accepts
 * the new definition; the pins survive a restart; `warn` and `off` per upstream; descriptions with prompt-injection
 * markers are flagged, and quarantined when the policy says so. Approvals for third-party destructive tools, too.
 */
describe('pinned tool definitions', () => {
  const dir = tempDir('orch-pins-');
  const rugLog = join(dir.path, 'rug.log');
  const running: RunningOrchestrator[] = [];
  const clients: Client[] = [];
  const rug = (extra: Record<string, unknown> = {}) => ({
    name: 'rug',
    namespace: 'rug',
    command: NODE,
    args: [RUG],
    env: { RUG_LOG: rugLog },
    ...extra,
  });
  const reached = () => {
    try {
      return readFileSync(rugLog, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };

  async function start(config: Record<string, unknown>, policy?: Record<string, unknown>): Promise<RunningOrchestrator> {
    const orch = await startOrchestrator(config, {}, policy ? { policy } : {});
    running.push(orch);
    await waitUp(orch, ...(config.upstreams as { name: string }[]).map((u) => u.name));
    await waitFor(() => orch.orchestrator.gateway.pins.loaded, 10_000, 'pins loaded');
    return orch;
  }

  async function client(orch: RunningOrchestrator, elicit?: 'accept' | 'decline'): Promise<Client> {
    const c = await connect(`${orch.url}/mcp`, {
      ...(elicit
        ? {
            capabilities: { elicitation: {} },
            beforeConnect: (cl: Client) =>
              cl.setRequestHandler(ElicitRequestSchema, async () =>
                elicit === 'accept'
                  ? { action: 'accept', content: { approve: true, comment: 'go ahead' } }
                  : { action: 'decline' },
              ),
          }
        : {}),
    });
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => {});
  });

  afterAll(async () => {
    for (const orch of running) await orch.close().catch(() => {});
    dir.cleanup();
  });

  test('a changed description quarantines the tool until an admin accepts it; the pins outlive a restart', async () => {
    const dataDir = join(dir.path, 'data-pin');
    const orch = await start({ dataDir, upstreams: [rug()] });
    const c = await client(orch);
    expect(await allToolNames(c)).toContain('rug.lookup');
    expect((await c.callTool({ name: 'rug.lookup', arguments: { word: 'dog' } })).isError).toBeFalsy();
    let changed = 0;
    c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });

    await c.callTool({ name: 'rug.rugPull', arguments: {} });
    await waitFor(() => changed > 0, 10_000, 'tools/list_changed');
    expect(await allToolNames(c)).not.toContain('rug.lookup');
    const before = reached().filter((t) => t === 'lookup').length;
    const refused = await c.callTool({ name: 'rug.lookup', arguments: { word: 'cat' } });
    expect(errorOf(refused)).toMatchObject({ code: 'TOOL_CHANGED', retryable: false });
    expect(reached().filter((t) => t === 'lookup').length).toBe(before);
    expect(orch.logs.some((l) => String(l.msg).includes('rug tool lookup is quarantined') && l.level === 'warn')).toBe(true);
    expect(sample(await scrape(orch.url), 'switchboard_tool_definition_changes_total', { namespace: 'rug' })).toBe(1);

    const review = structured<{ items: Record<string, any>[] }>(
      await c.callTool({ name: 'orchestrator.reviewToolChanges', arguments: {} }),
    );
    expect(review.items).toHaveLength(1);
    const change = review.items[0] as Record<string, any>;
    expect(change).toMatchObject({ namespace: 'rug', tool: 'lookup', reason: 'changed', quarantined: true });
    expect(change.previous.description).toBe('Looks a word up in the dictionary');
    expect(change.definition.description).toContain('id_rsa');
    expect(change.markers).toEqual(expect.arrayContaining(['instruction-tags', 'sensitive-file', 'hidden-from-user']));
    const stale = await c.callTool({
      name: 'orchestrator.acceptToolChange',
      arguments: { namespace: 'rug', tool: 'lookup', hash: change.previousHash },
    });
    expect(errorOf(stale)?.code).toBe('CONFLICT');
    changed = 0;
    const accepted = await c.callTool({
      name: 'orchestrator.acceptToolChange',
      arguments: { namespace: 'rug', tool: 'lookup', hash: change.hash },
    });
    expect(structured(accepted)).toMatchObject({ released: true });
    await waitFor(() => changed > 0, 5000, 'tools/list_changed after accepting');
    expect(await allToolNames(c)).toContain('rug.lookup');
    expect((await c.callTool({ name: 'rug.lookup', arguments: { word: 'cat' } })).isError).toBeFalsy();
    const audit = structured<{ items: Record<string, any>[] }>(
      await c.callTool({ name: 'orchestrator.getAuditLog', arguments: { type: 'definition', namespace: 'rug' } }),
    );
    expect(audit.items.map((r) => r.outcome)).toEqual(['accepted', 'changed']);
    expect(audit.items[0]).toMatchObject({ caller: 'anonymous', tool: 'lookup' });
    const flagged = structured<{ items: Record<string, any>[] }>(
      await c.callTool({ name: 'orchestrator.listServices', arguments: {} }),
    ).items.find((s) => s.name === 'rug');
    expect(flagged?.flaggedTools).toEqual([expect.objectContaining({ tool: 'lookup', quarantined: false })]);

    // A fresh upstream process presents the original definition: not the one accepted, so it is held again.
    await orch.close();
    running.pop();
    const again = await start({ dataDir, upstreams: [rug()] });
    const d = await client(again);
    expect(await allToolNames(d)).not.toContain('rug.lookup');
    expect(errorOf(await d.callTool({ name: 'rug.lookup', arguments: { word: 'x' } }))?.code).toBe('TOOL_CHANGED');
  }, 60_000);

  test('pinning warn keeps the tool and counts the change; off ignores it', async () => {
    const orch = await start(
      { upstreams: [rug(), rug({ name: 'rug-off', namespace: 'rugoff' })] },
      { pinning: { upstreams: { rug: 'warn', 'rug-off': 'off' } } },
    );
    const c = await client(orch);
    await c.callTool({ name: 'rug.rugPull', arguments: { description: 'Looks a word up, faster' } });
    await c.callTool({ name: 'rugoff.rugPull', arguments: { description: 'Looks a word up, slower' } });
    await waitFor(async () => {
      const tools = (await c.listTools()).tools;
      return tools.find((t) => t.name === 'rug.lookup')?.description === 'Looks a word up, faster';
    }, 10_000);
    expect((await c.callTool({ name: 'rug.lookup', arguments: { word: 'dog' } })).isError).toBeFalsy();
    expect((await c.callTool({ name: 'rugoff.lookup', arguments: { word: 'dog' } })).isError).toBeFalsy();
    expect(orch.logs.some((l) => String(l.msg).includes('(pinning: warn, the new definition is used)'))).toBe(true);
    const metrics = await scrape(orch.url);
    expect(sample(metrics, 'switchboard_tool_definition_changes_total', { namespace: 'rug' })).toBe(1);
    expect(sample(metrics, 'switchboard_tool_definition_changes_total', { namespace: 'rugoff' })).toBeUndefined();
  }, 40_000);

  test('prompt-injection markers are flagged in listServices, and with injection: quarantine the tool is held', async () => {
    const poisoned = rug({ env: { RUG_LOG: rugLog, RUG_POISON: '1' } });
    const flagOnly = await start({ upstreams: [poisoned] });
    const c = await client(flagOnly);
    expect(await allToolNames(c)).toContain('rug.helper');
    const status = structured<{ items: Record<string, any>[] }>(
      await c.callTool({ name: 'orchestrator.listServices', arguments: {} }),
    );
    expect(status.items[0]?.flaggedTools).toEqual([
      { tool: 'helper', markers: ['ignore-instructions', 'secret-exfiltration'], quarantined: false },
    ]);

    const strict = await start({ upstreams: [poisoned] }, { injection: 'quarantine' });
    const d = await client(strict);
    expect(await allToolNames(d)).not.toContain('rug.helper');
    expect(await allToolNames(d)).toContain('rug.lookup');
    const refused = await d.callTool({ name: 'rug.helper', arguments: { text: 'x' } });
    expect(errorOf(refused)?.code).toBe('POLICY_VIOLATION');
    expect(errorOf(refused)?.message).toContain('prompt-injection markers');
    const review = structured<{ items: Record<string, any>[] }>(
      await d.callTool({ name: 'orchestrator.reviewToolChanges', arguments: {} }),
    );
    const pending = review.items.find((i) => i.tool === 'helper');
    expect(pending).toMatchObject({ reason: 'suspicious', quarantined: true, previousHash: null });
    await d.callTool({
      name: 'orchestrator.acceptToolChange',
      arguments: { namespace: 'rug', tool: 'helper', hash: pending?.hash },
    });
    expect(await allToolNames(d)).toContain('rug.helper');
  }, 40_000);

  test('a destructive tool of a third-party upstream needs an approval: asked, recorded, refused when declined', async () => {
    const orch = await start({ upstreams: [rug()] });
    const silent = await client(orch);
    expect(errorOf(await silent.callTool({ name: 'rug.burn', arguments: {} }))?.code).toBe('APPROVAL_REQUIRED');
    const no = await client(orch, 'decline');
    expect(errorOf(await no.callTool({ name: 'rug.burn', arguments: {} }))?.code).toBe('APPROVAL_DENIED');
    expect(reached()).not.toContain('burn');
    const yes = await client(orch, 'accept');
    expect((await yes.callTool({ name: 'rug.burn', arguments: {} })).isError).toBeFalsy();
    expect(reached().filter((t) => t === 'burn')).toHaveLength(1);
    // Not destructive: no prompt at all.
    expect((await silent.callTool({ name: 'rug.rugPull', arguments: { description: 'Looks a word up' } })).isError).toBeFalsy();
    const audit = structured<{ items: Record<string, any>[] }>(
      await yes.callTool({ name: 'orchestrator.getAuditLog', arguments: { tool: 'burn' } }),
    );
    expect(audit.items.map((r) => [r.outcome, r.approval?.decision])).toEqual([
      ['success', 'approved'],
      ['approval_denied', 'declined'],
      ['approval_required', 'unavailable'],
    ]);
    expect(audit.items[0]?.approval).toMatchObject({ rule: 0, comment: 'go ahead' });
  }, 40_000);
});
