import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { stringify } from 'yaml';
import { connect, ORCHESTRATOR_MAIN, tempDir, waitFor } from '../helpers.ts';
import { callTool, createDatabase, ok, probeStep, startWorkflowProbe, type WorkflowProbe, workflow } from './support.ts';

/**
 * Durability with real processes: the orchestrator is started from src/main.ts with a YAML config, killed with
 * SIGKILL while a step is in flight, and started again. Executions are counted at the upstream (the workflow
 * probe logs every call with its idempotency key). Runs on SQLite and on PostgreSQL; then two replicas share
 * PostgreSQL and the survivor takes over the run of the one killed; then a changed definition refuses to resume.
 */
const LEASE_MS = 1000;
let probe: WorkflowProbe;
let db: Awaited<ReturnType<typeof createDatabase>>;
const dir = tempDir('wf-crash-');
const processes: SpawnedService[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  [probe, db] = await Promise.all([startWorkflowProbe(join(dir.path, 'probe.log')), createDatabase('wf_crash')]);
}, 30_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await probe?.stop();
  await db?.drop();
  dir.cleanup();
});

interface Orch {
  proc: SpawnedService;
  client: Client;
}

async function startOrch(name: string, workflows: Record<string, unknown>): Promise<Orch> {
  const configFile = join(dir.path, `${name}.yaml`);
  writeFileSync(
    configFile,
    stringify({
      healthIntervalMs: 500,
      reconnectBaseMs: 100,
      reconnectMaxMs: 500,
      upstreams: [{ name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` }],
      workflows: { leaseMs: LEASE_MS, toolWaitMs: 15_000, ...workflows },
    }),
  );
  const proc = await spawnService(ORCHESTRATOR_MAIN, {
    env: {
      SWITCHBOARD_CONFIG: configFile,
      PORT: '0',
      SWITCHBOARD_AUTH: 'none',
      SWITCHBOARD_DATA_DIR: join(dir.path, `${name}-data`),
      LOG_LEVEL: 'info',
    },
    timeoutMs: 30_000,
  });
  processes.push(proc);
  const client = await connect(`${proc.url}/mcp`);
  clients.push(client);
  return { proc, client };
}

async function kill(orch: Orch): Promise<void> {
  await orch.client.close().catch(() => {});
  orch.proc.child.kill('SIGKILL');
  expect(await orch.proc.exited).toBe('SIGKILL');
}

function finished(client: Client, runId: string, timeoutMs = 25_000): Promise<any> {
  return waitFor(
    async () => {
      const run = await ok(client, 'getWorkflowRun', { runId, includeCheckpoints: true });
      return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
    },
    timeoutMs,
    `run ${runId} to finish`,
  );
}

const multiStep = workflow(
  'crashable',
  [
    probeStep('a', 'record', { text: 'a' }),
    probeStep('b', 'record', { text: '{% $steps.a.output.text & "b" %}' }),
    { id: 'loop', forEach: { in: ['x', 'y'], as: 'v', steps: [probeStep('each', 'record', { text: '{% $v %}' })] } },
    probeStep('slow', 'record', { text: 'slow', delayMs: 4000 }),
    probeStep('after', 'record', { text: '{% $steps.b.output.text & "-" & $steps.slow.output.text %}' }),
  ],
  { output: '{% $steps.after.output.text %}' },
);

/** Every completed step ran exactly once upstream; the in-flight one was sent again with the same key. */
function expectExactlyOnce(runId: string): void {
  for (const path of ['a', 'b', 'loop/each:0', 'loop/each:1', 'after']) {
    expect({ path, starts: probe.events('start', `${runId}:${path}`).length }).toEqual({ path, starts: 1 });
    expect({ path, dones: probe.events('done', `${runId}:${path}`).length }).toEqual({ path, dones: 1 });
  }
  const slow = probe.lines().filter((l) => l.text === 'slow' && l.key.startsWith(runId));
  expect(slow.filter((l) => l.event === 'start').length).toBe(2);
  expect(new Set(slow.map((l) => l.key))).toEqual(new Set([`${runId}:slow`]));
}

describe.each([
  ['sqlite', () => ({ store: 'sqlite', sqlitePath: join(dir.path, 'shared-workflows.db') })],
  ['postgres', () => ({ store: 'postgres', postgresUrl: db.url })],
])('kill -9 while a step is in flight, on %s', (store, settings) => {
  test('the restarted orchestrator completes the run; completed steps ran once; the in-flight one is re-sent with its key', async () => {
    const first = await startOrch(`${store}-1`, settings());
    const started = await ok(first.client, 'executeWorkflow', { workflow: multiStep, waitMs: 0 });
    const runId = started.runId as string;
    await waitFor(() => probe.events('start', `${runId}:slow`).length === 1, 15_000, 'the slow step to be in flight');
    await kill(first);

    const second = await startOrch(`${store}-2`, settings());
    const run = await finished(second.client, runId);
    expect(run.status).toBe('completed');
    expect(run.output).toBe('ab-slow');
    expectExactlyOnce(runId);
    const calls = run.checkpoints.filter((c: { event: string; key: string }) => c.event === 'call' && c.key === 'slow');
    expect(calls.map((c: { attempt: number }) => c.attempt)).toEqual([1, 1]);
    expect(second.proc.logs().some((l) => l.msg === 'workflow run resumed' && l.run_id === runId)).toBe(true);
    await kill(second);
  }, 60_000);
});

test('two replicas on PostgreSQL: kill the one holding the lease, the other takes the run over', async () => {
  const settings = { store: 'postgres', postgresUrl: db.url };
  const [one, two] = await Promise.all([startOrch('replica-1', settings), startOrch('replica-2', settings)]);
  const started = await ok(one.client, 'executeWorkflow', { workflow: multiStep, waitMs: 0 });
  const runId = started.runId as string;
  await waitFor(() => probe.events('start', `${runId}:slow`).length === 1, 15_000, 'the slow step to be in flight');
  const held = await ok(two.client, 'getWorkflowRun', { runId });
  expect(held.leaseOwner).toContain(`:${one.proc.child.pid}:`);
  await kill(one);

  const run = await finished(two.client, runId);
  expect(run.status).toBe('completed');
  expectExactlyOnce(runId);
  const takeover = two.proc.logs().find((l) => l.msg === 'workflow run resumed' && l.run_id === runId);
  expect(takeover).toBeDefined();
  await kill(two);
}, 60_000);

test('waits and approvals (with their timeouts) survive restarts', async () => {
  const settings = { store: 'sqlite', sqlitePath: join(dir.path, 'approval-workflows.db') };
  const first = await startOrch('approval-1', settings);
  const timed = await ok(first.client, 'executeWorkflow', {
    waitMs: 0,
    workflow: workflow('durable-timeout', [
      probeStep('before', 'record', { text: 'timed-before' }),
      { id: 'nap', wait: { durationMs: 1500 } },
      { id: 'gate', approval: { message: 'go on?', timeoutMs: 2500, onTimeout: 'approve' } },
      probeStep('after', 'record', { text: 'timed-after' }),
    ]),
  });
  const manual = await ok(first.client, 'executeWorkflow', {
    workflow: workflow('durable-gate', [
      { id: 'gate', approval: { message: 'go on?' } },
      probeStep('after', 'record', { text: 'gate-after' }),
    ]),
  });
  expect(manual.status).toBe('input_required');
  // killed only once the orchestrator has checkpointed the first step: a kill between the upstream's answer and
  // that checkpoint re-sends the step with its key (the kill -9 tests above cover that case)
  await waitFor(
    async () =>
      (await ok(first.client, 'getWorkflowRun', { runId: timed.runId })).steps?.find((s: { id: string }) => s.id === 'before')
        ?.status === 'completed',
    10_000,
    'the first step to be checkpointed',
  );
  expect(probe.events('done', `${timed.runId}:before`)).toHaveLength(1);
  await kill(first);

  const owns = (orch: Orch, runId: string) =>
    waitFor(
      async () => (await ok(orch.client, 'getWorkflowRun', { runId })).leaseOwner?.includes(`:${orch.proc.child.pid}:`),
      10_000,
      'the new process to take the run',
    );
  const second = await startOrch('approval-2', settings);
  await owns(second, manual.runId);
  await waitFor(
    async () => (await ok(second.client, 'getWorkflowRun', { runId: timed.runId })).status === 'input_required',
    10_000,
    'the gate',
  );
  await kill(second);

  const third = await startOrch('approval-3', settings);
  await owns(third, manual.runId);
  await ok(third.client, 'approveWorkflowStep', { runId: manual.runId, stepId: 'gate' });
  expect((await finished(third.client, manual.runId)).status).toBe('completed');
  expect(probe.events('done', `${manual.runId}:after`)).toHaveLength(1);

  const run = await finished(third.client, timed.runId);
  expect(run.status).toBe('completed');
  const events = (key: string) => run.checkpoints.filter((c: { key: string }) => c.key === key).length;
  // waiting once (its wake time and deadline are kept across restarts) and completed once
  expect(events('nap')).toBe(2);
  expect(events('gate')).toBe(2);
  const detail = await ok(third.client, 'getWorkflowRun', { runId: timed.runId, includeOutputs: true });
  expect(detail.steps.find((s: { id: string }) => s.id === 'gate').output).toMatchObject({ approved: true, timedOut: true });
  expect(probe.events('done', `${timed.runId}:before`)).toHaveLength(1);
  expect(probe.events('done', `${timed.runId}:after`)).toHaveLength(1);
  await kill(third);
}, 60_000);

test('a run does not resume when its registered definition changed; resumeWorkflow refuses too', async () => {
  const defs = join(dir.path, 'defs');
  const file = join(defs, 'changing.json');
  const definition = (text: string) =>
    workflow('changing', [
      probeStep('one', 'record', { text: 'one' }),
      probeStep('two', 'record', { text, delayMs: 4000 }),
      probeStep('three', 'record', { text: 'three' }),
    ]);
  mkdirSync(defs, { recursive: true });
  writeFileSync(file, JSON.stringify(definition('two')));
  const settings = { store: 'sqlite', sqlitePath: join(dir.path, 'changing-workflows.db'), definitionsDir: defs };
  const first = await startOrch('changing-1', settings);
  const started = await ok(first.client, 'executeWorkflow', { workflowRef: { name: 'changing' }, waitMs: 0 });
  expect((await ok(first.client, 'listWorkflows', { name: 'changing' })).items[0].hash).toBe(started.workflow.hash);
  await waitFor(() => probe.events('start', `${started.runId}:two`).length === 1, 15_000, 'step two to be in flight');
  await kill(first);
  writeFileSync(file, JSON.stringify(definition('two, edited without a new version')));

  const second = await startOrch('changing-2', settings);
  const run = await finished(second.client, started.runId);
  expect(run.status).toBe('failed');
  expect(run.error.type).toBe('definition_changed');
  expect(run.error.message).toMatch(/changed since the run started/);
  expect(probe.events('start', `${started.runId}:two`)).toHaveLength(1);
  expect(probe.events('start', `${started.runId}:three`)).toHaveLength(0);
  const resumed = await callTool(second.client, 'resumeWorkflow', { runId: started.runId });
  expect(resumed.structuredContent.error.code).toBe('CONFLICT');
  expect(resumed.structuredContent.error.message).toMatch(/resume refused/);
  await kill(second);
}, 60_000);
