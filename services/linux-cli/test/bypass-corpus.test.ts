import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CORPUS } from './corpus/cases.ts';
import { type CorpusWorld, createCorpusWorld } from './corpus/fixture.ts';
import { type Harness, startHarness } from './helpers.ts';

/**
 * The regression corpus through an in-memory client without elicitation: every case the validator refuses is
 * refused with its rule and a reason that says what was wrong, and audited as refused; every case that needs approval
 * is refused with APPROVAL_REQUIRED. (test/corpus-transports.test.ts runs the same corpus against the real service
 * over HTTP and stdio, with a client that approves too, and checks the host afterwards.)
 */
let world: CorpusWorld;
let h: Harness;

beforeAll(async () => {
  world = createCorpusWorld('linux-cli-corpus-');
  h = await startHarness(world.sandbox, { env: world.env });
});
afterAll(async () => {
  await h.close();
  world.cleanup();
});

const refused = CORPUS.filter((c) => c.rule);
const gated = CORPUS.filter((c) => c.approval);

describe('the bypass corpus', () => {
  test('has at least 150 attempts, every one either refused, gated by approval or confined', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    for (const c of CORPUS)
      expect([c.rule !== undefined, c.approval === true, c.confined === true].filter(Boolean)).toHaveLength(1);
  });

  test.each(refused.map((c) => [JSON.stringify(c.argv), c] as const))('%s is refused', async (_name, attempt) => {
    const out = await h.call('runCommand', { argv: attempt.argv, ...(attempt.stdin ? { stdin: attempt.stdin } : {}) });
    expect(out.error?.code).toBe('POLICY_VIOLATION');
    expect(out.error?.details).toMatchObject({ rule: attempt.rule });
    expect(out.error?.message).toContain(attempt.reason);
    expect(h.audit().at(-1)).toMatchObject({
      tool: 'runCommand',
      decision: 'refused',
      rule: attempt.rule,
      argv: attempt.argv,
      errorCode: 'POLICY_VIOLATION',
    });
  });

  test.each(gated.map((c) => [JSON.stringify(c.argv), c] as const))('%s needs a human approval', async (_name, attempt) => {
    const out = await h.call('runCommand', { argv: attempt.argv });
    expect(out.error?.code).toBe('APPROVAL_REQUIRED');
    expect(h.audit().at(-1)).toMatchObject({ decision: 'refused', approval: 'unavailable' });
  });

  test('nothing refused or gated ran', () => {
    const lines = h.audit().filter((l) => l.tool === 'runCommand');
    expect(lines.every((l) => l.decision === 'refused' && l.exitCode === undefined)).toBe(true);
  });
});
