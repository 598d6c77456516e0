import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  connect,
  everythingStdio,
  type RunningOrchestrator,
  startOrchestrator,
  structured,
  tempDir,
  waitFor,
  waitUp,
} from '../helpers.ts';
import { ok, probeStep, runOf, startWorkflowProbe, type WorkflowProbe, workflow } from './support.ts';

/**
 * What the steps do, against real upstreams: the workflow probe service (counts executions per idempotency key)
 * and server-everything over stdio. Data passing, conditions, switch, set, parallel and forEach with their
 * concurrency caps, retry with backoff, timeouts, catch, compensation order, progress.
 */
let orch: RunningOrchestrator;
let probe: WorkflowProbe;
let client: Client;
const dir = tempDir('wf-steps-');

beforeAll(async () => {
  probe = await startWorkflowProbe(`${dir.path}/probe.log`);
  orch = await startOrchestrator(
    {
      dataDir: dir.path,
      upstreams: [{ name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` }, everythingStdio()],
      workflows: { leaseMs: 2000 },
    },
    {},
    // The probe is built on the kit like our services: its destructive undo needs no gateway approval.
    { policy: { firstParty: ['probe'] } },
  );
  await waitUp(orch, 'probe', 'everything');
  client = await connect(`${orch.url}/mcp`);
}, 30_000);

afterAll(async () => {
  await client?.close();
  await orch?.close();
  await probe?.stop();
  dir.cleanup();
});

const run = (definition: Record<string, unknown>, input: Record<string, unknown> = {}) =>
  runOf(client, 'executeWorkflow', { workflow: definition, input });

const resetConcurrency = () => client.callTool({ name: 'probe.concurrency', arguments: { reset: true } });
const maxConcurrency = async () =>
  structured(await client.callTool({ name: 'probe.concurrency', arguments: { reset: true } })).maxActive;

test('data passes between steps of different services, with the step idempotency key in _meta', async () => {
  const result = await run(
    workflow(
      'data',
      [
        { id: 'sum', call: { service: 'ev', tool: 'get-sum', params: { a: '{% $input.a %}', b: 2 } } },
        { id: 'shout', call: { service: 'ev', tool: 'echo', params: { message: '{% $uppercase($steps.sum.output.text) %}' } } },
        probeStep('keep', 'record', { text: '{% $steps.shout.output.text %}' }),
      ],
      { output: '{% { "echoed": $steps.shout.output.text, "key": $steps.keep.output.key, "run": $run.workflow } %}' },
    ),
    { a: 3 },
  );
  expect(result.status).toBe('completed');
  expect(result.output.echoed).toBe('Echo: THE SUM OF 3 AND 2 IS 5.');
  expect(result.output.run).toBe('data');
  expect(result.output.key).toBe(`${result.runId}:keep`);
  expect(probe.events('done', `${result.runId}:keep`)).toHaveLength(1);
  expect(result.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual([
    'sum:completed',
    'shout:completed',
    'keep:completed',
  ]);
});

test('if skips a step; switch takes the first matching case, else the default; set and $vars', async () => {
  const definition = workflow(
    'route',
    [
      { id: 'size', set: { big: '{% $input.n > 10 %}', label: '{% "n=" & $string($input.n) %}' } },
      probeStep('onlyBig', 'echo', { value: 'big' }, { if: '{% $vars.big %}' }),
      {
        id: 'pick',
        switch: {
          cases: [
            { when: '{% $input.n > 100 %}', steps: [probeStep('huge', 'echo', { value: 'huge' })] },
            { when: '{% $input.n > 10 %}', steps: [probeStep('large', 'echo', { value: '{% $vars.label %}' })] },
          ],
          default: [probeStep('small', 'echo', { value: 'small' })],
        },
      },
    ],
    { output: '{% $steps.pick.output.value %}' },
  );
  const large = await run(definition, { n: 42 });
  expect(large.output).toBe('n=42');
  expect(large.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual([
    'size:completed',
    'onlyBig:completed',
    'pick:completed',
    'large:completed',
  ]);
  const small = await run(definition, { n: 1 });
  expect(small.output).toBe('small');
  expect(small.steps.find((s: { id: string }) => s.id === 'onlyBig').status).toBe('skipped');
});

test('parallel runs its branches at once and gathers their outputs', async () => {
  await resetConcurrency();
  const result = await run(
    workflow('fanout', [
      {
        id: 'both',
        parallel: {
          branches: [
            { steps: [probeStep('left', 'slow', { ms: 300, tag: 'left' })] },
            {
              steps: [
                probeStep('right', 'slow', { ms: 300, tag: 'right' }),
                probeStep('after', 'echo', { value: '{% $steps.right.output.tag %}' }),
              ],
            },
          ],
        },
      },
    ]),
  );
  expect(result.status).toBe('completed');
  expect(result.output).toEqual([{ tag: 'left', concurrent: expect.any(Number) }, { value: 'right' }]);
  expect(await maxConcurrency()).toBe(2);
});

test('parallel with failFast cancels the other branches upstream when one fails', async () => {
  const result = await run(
    workflow('failfast', [
      {
        id: 'both',
        parallel: {
          failFast: true,
          branches: [
            { steps: [probeStep('long', 'slow', { ms: 5000, tag: 'long' })] },
            {
              steps: [
                probeStep('pause', 'slow', { ms: 300, tag: 'pause' }),
                probeStep('quick', 'fail', { code: 'CONFLICT', message: 'no way' }),
              ],
            },
          ],
        },
      },
    ]),
  );
  expect(result.status).toBe('failed');
  expect(result.error).toMatchObject({ type: 'tool', stepId: 'quick' });
  expect(result.error.message).toMatch(/no way/);
  expect(result.steps.find((s: { id: string }) => s.id === 'long').status).toBe('cancelled');
  const key = `${result.runId}:both/long`;
  await waitFor(() => probe.events('slow-cancelled', key).length === 1, 5000, 'the long branch to be cancelled upstream');
  expect(probe.events('slow-done', key)).toHaveLength(0);
});

test('forEach keeps at most maxConcurrency iterations running and keeps the item order', async () => {
  await resetConcurrency();
  const result = await run(
    workflow(
      'loop',
      [
        {
          id: 'each',
          forEach: {
            in: '{% $input.items %}',
            as: 'item',
            maxConcurrency: 3,
            steps: [probeStep('work', 'slow', { ms: 300, tag: '{% $item & "#" & $string($index) %}' })],
          },
        },
      ],
      { output: '{% $steps.each.output.tag %}' },
    ),
    { items: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] },
  );
  expect(result.status).toBe('completed');
  expect(result.output).toEqual(['a#0', 'b#1', 'c#2', 'd#3', 'e#4', 'f#5', 'g#6', 'h#7']);
  expect(await maxConcurrency()).toBe(3);
  const keys = probe
    .events('slow-start')
    .filter((l) => l.key.startsWith(`${result.runId}:`))
    .map((l) => l.key);
  expect(keys.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `${result.runId}:each/work:${i}`));
});

describe('retry', () => {
  const flaky = (retry: Record<string, unknown>) =>
    workflow('flaky', [probeStep('flaky', 'flaky', { text: 'x', failTimes: 2 }, { retry })]);

  test('retries an upstream that fails twice with backoff, with the same idempotency key, and succeeds', async () => {
    const result = await run(flaky({ errorEquals: ['tool'], maxAttempts: 3, intervalMs: 150, backoffRate: 2 }));
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({ text: 'x', attempt: 3 });
    expect(result.steps[0]).toMatchObject({ id: 'flaky', attempts: 3, status: 'completed' });
    const attempts = probe.events('flaky', `${result.runId}:flaky`);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const gaps = [(attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0), (attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)];
    expect(gaps[0]).toBeGreaterThanOrEqual(145); // timers may fire ~1 ms early against Date.now
    expect(gaps[1]).toBeGreaterThanOrEqual(295);
  });

  test('gives up after maxAttempts, and does not retry errors it does not name', async () => {
    const exhausted = await run(flaky({ errorEquals: ['ALL'], maxAttempts: 2, intervalMs: 10 }));
    expect(exhausted.status).toBe('failed');
    expect(exhausted.error).toMatchObject({ type: 'tool', stepId: 'flaky', code: 'DEPENDENCY_UNAVAILABLE' });
    expect(exhausted.steps[0].attempts).toBe(2);
    const unnamed = await run(flaky({ errorEquals: ['transport', 'timeout'], maxAttempts: 5, intervalMs: 10 }));
    expect(unnamed.status).toBe('failed');
    expect(unnamed.steps[0].attempts).toBe(1);
  });
});

test('timeoutMs aborts the call upstream and fails with timeout', async () => {
  const result = await run(workflow('slowpoke', [probeStep('nap', 'slow', { ms: 5000, tag: 'nap' }, { timeoutMs: 200 })]));
  expect(result.status).toBe('failed');
  expect(result.error).toMatchObject({ type: 'timeout', stepId: 'nap' });
  await waitFor(
    () => probe.events('slow-cancelled', `${result.runId}:nap`).length === 1,
    5000,
    'the upstream call to be cancelled',
  );
  expect(probe.events('slow-done', `${result.runId}:nap`)).toHaveLength(0);
});

describe('catch', () => {
  test('continue: the run goes on and $steps.<id>.error tells what happened', async () => {
    const result = await run(
      workflow(
        'tolerant',
        [
          probeStep(
            'bad',
            'fail',
            { code: 'INVALID_ARGUMENT', message: 'nope' },
            { catch: [{ errorEquals: ['validation'], next: 'continue' }] },
          ),
          probeStep('report', 'echo', { value: '{% $steps.bad.error.type & ": " & $steps.bad.status %}' }),
        ],
        { output: '{% $steps.report.output.value %}' },
      ),
    );
    expect(result).toMatchObject({ status: 'completed', output: 'validation: caught' });
  });

  test('goto: jumps over the steps in between', async () => {
    const result = await run(
      workflow('jump', [
        probeStep(
          'bad',
          'fail',
          { code: 'NOT_FOUND', message: 'gone' },
          {
            catch: [
              { errorEquals: ['timeout'], next: 'continue' },
              { errorEquals: ['ALL'], next: 'recover' },
            ],
          },
        ),
        probeStep('skipped', 'record', { text: 'must not run' }),
        probeStep('recover', 'echo', { value: 'recovered' }),
      ]),
    );
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({ value: 'recovered' });
    expect(result.steps.map((s: { id: string }) => s.id)).toEqual(['bad', 'recover']);
    expect(probe.events('start', `${result.runId}:skipped`)).toHaveLength(0);
  });

  test('a fail step raises its own error name, which catch matches', async () => {
    const result = await run(
      workflow('custom', [
        {
          id: 'guard',
          fail: { error: 'quota', message: '{% "over quota by " & $string($input.over) %}' },
          catch: [{ errorEquals: ['quota'], next: 'continue' }],
        },
        { id: 'stop', fail: { error: 'fatal', message: 'stop here' } },
      ]),
      { over: 3 },
    );
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({ type: 'fatal', stepId: 'stop', message: 'stop here' });
    expect(result.steps[0]).toMatchObject({ id: 'guard', status: 'caught' });
  });
});

describe('compensation', () => {
  const saga = (extra: Record<string, unknown> = {}, failure: Record<string, unknown> = {}) =>
    workflow(
      'saga',
      [
        probeStep(
          'a',
          'record',
          { text: 'a' },
          { compensate: { service: 'probe', tool: 'undo', params: { text: '{% "undo " & $steps.a.output.text %}' } } },
        ),
        probeStep('b', 'record', { text: 'b' }),
        {
          id: 'loop',
          forEach: {
            in: ['c1', 'c2'],
            as: 'name',
            steps: [
              probeStep(
                'c',
                'record',
                { text: '{% $name %}' },
                { compensate: { service: 'probe', tool: 'undo', params: { text: '{% "undo " & $name %}' } } },
              ),
            ],
          },
        },
        probeStep('d', 'fail', { code: 'CONFLICT', message: 'broken' }, failure),
      ],
      extra,
    );

  test('runs the compensate calls of completed steps in reverse order when the run fails', async () => {
    const result = await run(saga());
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ type: 'tool', stepId: 'd' });
    const undone = probe.events('undo').filter((l) => l.key.startsWith(result.runId));
    expect(undone.map((l) => l.text)).toEqual(['undo c2', 'undo c1', 'undo a']);
    expect(undone.map((l) => l.key)).toEqual([
      `${result.runId}:loop/c:1#compensate`,
      `${result.runId}:loop/c:0#compensate`,
      `${result.runId}:a#compensate`,
    ]);
    expect(result.steps.find((s: { path: string }) => s.path === 'a').compensation).toBe('completed');
    const run2 = await ok(client, 'getWorkflowRun', { runId: result.runId, includeCheckpoints: true });
    const events = run2.checkpoints
      .filter((c: { event: string }) => c.event.startsWith('compensat'))
      .map((c: { key: string; event: string }) => `${c.event} ${c.key}`);
    expect(events).toEqual([
      'compensate loop/c:1#compensate',
      'compensated loop/c:1#compensate',
      'compensate loop/c:0#compensate',
      'compensated loop/c:0#compensate',
      'compensate a#compensate',
      'compensated a#compensate',
    ]);
  });

  test('compensation.onFailure false leaves completed steps alone; catch @compensate forces it', async () => {
    const off = await run(saga({ compensation: { onFailure: false, onCancel: true } }));
    expect(off.status).toBe('failed');
    expect(probe.events('undo').filter((l) => l.key.startsWith(off.runId))).toHaveLength(0);
    const forced = await run(
      saga({ compensation: { onFailure: false, onCancel: true } }, { catch: [{ errorEquals: ['ALL'], next: '@compensate' }] }),
    );
    expect(forced.status).toBe('failed');
    expect(probe.events('undo').filter((l) => l.key.startsWith(forced.runId))).toHaveLength(3);
  });
});

test('a progress notification per finished step', async () => {
  const progress: { progress: number; total?: number; message?: string }[] = [];
  const result = await client.callTool(
    {
      name: 'orchestrator.executeWorkflow',
      arguments: {
        workflow: workflow('progress', [
          probeStep('one', 'echo', { value: 1 }),
          { id: 'loop', forEach: { in: [1, 2], steps: [probeStep('two', 'echo', { value: '{% $item %}' })] } },
          probeStep('three', 'echo', { value: 3 }),
        ]),
      },
    },
    undefined,
    { onprogress: (p) => progress.push(p) },
  );
  expect(structured(result).status).toBe('completed');
  expect(progress.map((p) => p.progress)).toEqual([1, 2, 3, 4, 5]);
  expect(progress.map((p) => p.message)).toEqual([
    'step one completed',
    'step loop/two:0 completed',
    'step loop/two:1 completed',
    'step loop completed',
    'step three completed',
  ]);
  expect(progress.at(-1)?.total).toBe(5);
});
