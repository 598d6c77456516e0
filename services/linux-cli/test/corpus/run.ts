import { expect } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CorpusCase } from './cases.ts';
import { type CorpusWorld, strays } from './fixture.ts';

/** A client that runs corpus cases through a tool (runCommand, or linux.runCommand behind the orchestrator). */
export interface Caller {
  call(c: CorpusCase): Promise<{ text: string; error?: { code: string; details?: Record<string, unknown> } }>;
  close(): Promise<void>;
}

export async function caller(transport: Transport, approves: boolean, tool = 'runCommand'): Promise<Caller> {
  const client = new Client(
    { name: approves ? 'approves' : 'cannot-prompt', version: '1.0.0' },
    { capabilities: approves ? { elicitation: {} } : {} },
  );
  if (approves) client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { approve: true } }));
  await client.connect(transport);
  return {
    call: async (c) => {
      const result = await client.request(
        {
          method: 'tools/call',
          params: { name: tool, arguments: { argv: c.argv, ...(c.stdin !== undefined ? { stdin: c.stdin } : {}) } },
        },
        CallToolResultSchema,
      );
      const structured = result.structuredContent as { error?: { code: string; details?: Record<string, unknown> } } | undefined;
      return { text: JSON.stringify(result), ...(structured?.error ? { error: structured.error } : {}) };
    },
    close: () => client.close(),
  };
}

async function settled(): Promise<string[]> {
  for (let i = 0; i < 20; i++) {
    if (strays().length === 0) return [];
    await new Promise((r) => setTimeout(r, 100));
  }
  return strays();
}

/**
 * One case, by a client that cannot approve and then one that approves everything: refused for both when the
 * validator refuses it; APPROVAL_REQUIRED for the first and run for the second when it needs approval; run for both
 * when confined. After each call the host must be as it was and no process it started may be left; no result may
 * contain a secret of the host.
 */
export async function runCase(world: CorpusWorld, plain: Caller, approving: Caller, c: CorpusCase): Promise<void> {
  const before = world.snapshot();
  const outcomes = [];
  for (const client of [plain, approving]) {
    const runs = !c.rule && (c.confined === true || client === approving);
    if (runs) world.resetRoot();
    const out = await client.call(c);
    outcomes.push(out);
    if (c.rule) {
      expect(out.error?.code).toBe('POLICY_VIOLATION');
      expect(out.error?.details).toMatchObject({ rule: c.rule });
    } else if (!runs) {
      expect(out.error?.code).toBe('APPROVAL_REQUIRED');
    } else {
      // It ran (whatever its exit code): the sandbox, not the validator, decided what it could touch.
      expect(out.error).toBeUndefined();
      expect(out.text).toContain('"exitCode"');
    }
    expect(await settled()).toEqual([]);
    expect(world.snapshot()).toBe(before);
  }
  for (const out of outcomes) for (const secret of world.secrets) expect(out.text).not.toContain(secret);
}
