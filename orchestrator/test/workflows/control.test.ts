import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { connect, type RunningOrchestrator, startOrchestrator, tempDir, waitFor, waitUp } from '../helpers.ts';
import { callTool, ok, probeStep, runOf, startWorkflowProbe, type WorkflowProbe, workflow } from './support.ts';

/**
 * Controlling runs: approvals by elicitation and by tool (and their timeout), waits, cancellation, run-level
 * idempotency keys, resume, registered definitions, listing, MCP tasks through the SDK client's experimental
 * tasks API, sensitive values, checkpoints and metrics.
 */
let orch: RunningOrchestrator;
let probe: WorkflowProbe;
let client: Client;
const extra: Client[] = [];
const dir = tempDir('wf-control-');
const SECRET_PATTERN = /opensesame-[a-z]+-4f1d9c2b7e/;

beforeAll(async () => {
  probe = await startWorkflowProbe(`${dir.path}/probe.log`);
  orch = await startOrchestrator(
    {
      dataDir: dir.path,
      upstreams: [{ name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` }],
      workflows: { leaseMs: 2000, pollIntervalMs: 100 },
    },
    {},
    // The probe is built on the kit like our services: its destructive undo needs no gateway approval.
    { policy: { firstParty: ['probe'] } },
  );
  await waitUp(orch, 'probe');
  client = await connect(`${orch.url}/mcp`);
}, 30_000);

afterEach(async () => {
  for (const c of extra.splice(0)) await c.close().catch(() => {});
});

afterAll(async () => {
  await client?.close();
  await orch?.close();
  await probe?.stop();
  dir.cleanup();
});

async function elicitingClient(answer: (params: any) => Record<string, unknown>): Promise<{ client: Client; asked: any[] }> {
  const asked: any[] = [];
  const c = await connect(`${orch.url}/mcp`, {
    capabilities: { elicitation: {} },
    beforeConnect: (cl) =>
      cl.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params);
        return answer(request.params) as never;
      }),
  });
  extra.push(c);
  return { client: c, asked };
}

const endOf = (runId: string, statuses = ['completed', 'failed', 'cancelled']) =>
  waitFor(
    async () => {
      const run = await ok(client, 'getWorkflowRun', { runId });
      return statuses.includes(run.status) ? run : undefined;
    },
    15_000,
    `run ${runId} to end`,
  );

const gated = (extraApproval: Record<string, unknown> = {}) =>
  workflow('gated', [
    probeStep(
      'before',
      'record',
      { text: 'before' },
      { compensate: { service: 'probe', tool: 'undo', params: { text: 'before' } } },
    ),
    { id: 'gate', approval: { message: '{% "Ship " & $input.what & "?" %}', ...extraApproval } },
    probeStep('after', 'record', { text: '{% "after " & $steps.gate.output.by %}' }),
  ]);

describe('approval', () => {
  test('by elicitation: the client is asked (approve yes/no and a comment) and the run goes on', async () => {
    const { client: human, asked } = await elicitingClient(() => ({
      action: 'accept',
      content: { approve: true, comment: 'ship it' },
    }));
    const result = await runOf(human, 'executeWorkflow', { workflow: gated(), input: { what: 'v2' } });
    expect(result.status).toBe('completed');
    expect(asked).toHaveLength(1);
    expect(asked[0].message).toMatch(/step "gate":\n\nShip v2\?/);
    expect(Object.keys(asked[0].requestedSchema.properties).sort()).toEqual(['approve', 'comment']);
    const run = await ok(client, 'getWorkflowRun', { runId: result.runId, includeOutputs: true });
    expect(run.steps.find((s: { id: string }) => s.id === 'gate').output).toMatchObject({ approved: true, comment: 'ship it' });
  });

  test('by elicitation: a no rejects the step; the run fails and compensates', async () => {
    const { client: human } = await elicitingClient(() => ({
      action: 'accept',
      content: { approve: false, comment: 'not today' },
    }));
    const result = await runOf(human, 'executeWorkflow', { workflow: gated(), input: { what: 'v3' } });
    expect(result.status).toBe('failed');
    expect(result.error.type).toBe('approval.rejected');
    expect(result.error.message).toMatch(/not today/);
    expect(probe.events('undo').filter((l) => l.key === `${result.runId}:before#compensate`)).toHaveLength(1);
    expect(probe.events('start', `${result.runId}:after`)).toHaveLength(0);
  });

  test('by tool: without elicitation the run waits as input_required until approveWorkflowStep', async () => {
    const started = await runOf(client, 'executeWorkflow', { workflow: gated(), input: { what: 'v4' } });
    expect(started.status).toBe('input_required');
    expect(started.pendingApprovals).toEqual([{ stepId: 'gate', path: 'gate', message: 'Ship v4?' }]);
    const wrong = await callTool(client, 'approveWorkflowStep', { runId: started.runId, stepId: 'nope' });
    expect(wrong.isError).toBe(true);
    expect(wrong.structuredContent.error.message).toMatch(/no approval "nope" waiting \(waiting: gate\)/);
    const approved = await ok(client, 'approveWorkflowStep', { runId: started.runId, stepId: 'gate', comment: 'fine' });
    expect(approved).toMatchObject({ runId: started.runId, stepId: 'gate', approved: true });
    const done = await endOf(started.runId);
    expect(done.status).toBe('completed');
    const again = await callTool(client, 'approveWorkflowStep', { runId: started.runId, stepId: 'gate' });
    expect(again.isError).toBe(true);
  });

  test('by tool: rejectWorkflowStep fails the step with approval.rejected', async () => {
    const started = await runOf(client, 'executeWorkflow', { workflow: gated(), input: { what: 'v5' } });
    await ok(client, 'rejectWorkflowStep', { runId: started.runId, stepId: 'gate', comment: 'freeze' });
    const done = await endOf(started.runId);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ type: 'approval.rejected', stepId: 'gate' });
  });

  test('onTimeout decides when nobody does', async () => {
    const approved = await runOf(client, 'executeWorkflow', {
      workflow: gated({ timeoutMs: 300, onTimeout: 'approve' }),
      input: { what: 'v6' },
    });
    expect(approved.status).toBe('input_required');
    expect((await endOf(approved.runId)).status).toBe('completed');
    const rejected = await runOf(client, 'executeWorkflow', { workflow: gated({ timeoutMs: 300 }), input: { what: 'v7' } });
    const done = await endOf(rejected.runId);
    expect(done.error).toMatchObject({ type: 'approval.rejected', stepId: 'gate' });
    expect(done.error.message).toMatch(/timed out/);
  });
});

test('a wait step waits', async () => {
  const started = Date.now();
  const result = await runOf(client, 'executeWorkflow', {
    workflow: workflow('pause', [{ id: 'nap', wait: { durationMs: '{% $input.ms %}' } }]),
    input: { ms: 300 },
  });
  expect(result.status).toBe('completed');
  expect(Date.now() - started).toBeGreaterThanOrEqual(295); // timers may fire ~1 ms early against Date.now
});

describe('cancel', () => {
  const long = workflow('long', [
    probeStep(
      'first',
      'record',
      { text: 'first' },
      { compensate: { service: 'probe', tool: 'undo', params: { text: 'first' } } },
    ),
    probeStep('slow', 'record', { text: 'slow', delayMs: 20_000 }),
    probeStep('never', 'record', { text: 'never' }),
  ]);

  test('aborts the in-flight call upstream, then compensates completed steps', async () => {
    const started = await runOf(client, 'executeWorkflow', { workflow: long, waitMs: 0 });
    expect(started.status).toBe('running');
    await waitFor(() => probe.events('start', `${started.runId}:slow`).length === 1, 10_000, 'the slow step to start');
    const cancelled = await ok(client, 'cancelWorkflow', { runId: started.runId });
    expect(cancelled).toEqual({ runId: started.runId, status: 'cancelled', compensate: true });
    await waitFor(
      () => probe.events('cancelled', `${started.runId}:slow`).length === 1,
      5000,
      'the upstream call to be cancelled',
    );
    expect(probe.events('undo').filter((l) => l.key === `${started.runId}:first#compensate`)).toHaveLength(1);
    const run = await ok(client, 'getWorkflowRun', { runId: started.runId });
    expect(run.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual([
      'first:completed',
      'slow:cancelled',
    ]);
    expect(run.error.type).toBe('cancelled');
    const twice = await callTool(client, 'cancelWorkflow', { runId: started.runId });
    expect(twice.structuredContent.error.code).toBe('CONFLICT');
  });

  test('a client that cancels its executeWorkflow call cancels the run (the upstream call too)', async () => {
    const controller = new AbortController();
    const pending = client
      .callTool({ name: 'orchestrator.executeWorkflow', arguments: { workflow: long } }, undefined, {
        signal: controller.signal,
      })
      .catch((error: Error) => error);
    const started = await waitFor(
      async () => {
        const runs = await ok(client, 'listWorkflowRuns', { workflow: 'long', status: ['running'] });
        const run = runs.items.find((r: { runId: string }) => probe.events('start', `${r.runId}:slow`).length === 1);
        return run as { runId: string } | undefined;
      },
      10_000,
      'the slow step to start',
    );
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await waitFor(() => probe.events('cancelled', `${started.runId}:slow`).length === 1, 5000, 'the upstream cancel');
    const run = await endOf(started.runId);
    expect(run.status).toBe('cancelled');
    expect(probe.events('start', `${started.runId}:never`)).toHaveLength(0);
  });

  test('compensate false skips the compensations', async () => {
    const started = await runOf(client, 'executeWorkflow', { workflow: long, waitMs: 0 });
    await waitFor(() => probe.events('start', `${started.runId}:slow`).length === 1, 10_000, 'the slow step to start');
    expect((await ok(client, 'cancelWorkflow', { runId: started.runId, compensate: false })).status).toBe('cancelled');
    expect(probe.events('undo').filter((l) => l.key.startsWith(started.runId))).toHaveLength(0);
  });
});

test('a run-level idempotencyKey returns the existing run instead of starting a second', async () => {
  const definition = workflow('once', [probeStep('do', 'record', { text: 'once' })]);
  const first = await runOf(client, 'executeWorkflow', { workflow: definition, idempotencyKey: 'deploy-42' });
  const second = await runOf(client, 'executeWorkflow', { workflow: definition, idempotencyKey: 'deploy-42' });
  expect(first).toMatchObject({ status: 'completed', created: true });
  expect(second).toMatchObject({ runId: first.runId, status: 'completed', created: false });
  expect(probe.events('done', `${first.runId}:do`)).toHaveLength(1);
  const listed = await ok(client, 'listWorkflowRuns', { workflow: 'once' });
  expect(listed.total).toBe(1);
});

test('resumeWorkflow runs failed steps again without re-running completed ones, or from a named step', async () => {
  const definition = workflow('redrive', [
    probeStep('a', 'record', { text: 'a' }),
    probeStep('b', 'flaky', { text: 'b', failTimes: 1 }),
    probeStep('c', 'record', { text: 'c' }),
  ]);
  const failed = await runOf(client, 'executeWorkflow', { workflow: definition });
  expect(failed.status).toBe('failed');
  const resumed = await runOf(client, 'resumeWorkflow', { runId: failed.runId });
  expect(resumed.status).toBe('completed');
  expect(probe.events('done', `${failed.runId}:a`)).toHaveLength(1);
  expect(probe.events('flaky', `${failed.runId}:b`)).toHaveLength(2);
  expect(probe.events('done', `${failed.runId}:c`)).toHaveLength(1);
  const again = await runOf(client, 'resumeWorkflow', { runId: failed.runId, fromStep: 'c' });
  expect(again.status).toBe('completed');
  expect(probe.events('done', `${failed.runId}:a`)).toHaveLength(1);
  expect(probe.events('done', `${failed.runId}:c`)).toHaveLength(2);
  const unknown = await callTool(client, 'resumeWorkflow', { runId: failed.runId, fromStep: 'zzz' });
  expect(unknown.structuredContent.error.code).toBe('INVALID_ARGUMENT');
});

test('registerWorkflow, listWorkflows, and runs by workflowRef (latest version by default)', async () => {
  const v1 = workflow('named', [probeStep('hello', 'echo', { value: 'v1' })]);
  const v2 = { ...workflow('named', [probeStep('hello', 'echo', { value: 'v2' })]), version: '2' };
  expect(await ok(client, 'registerWorkflow', { workflow: v1 })).toMatchObject({ name: 'named', version: '1', created: true });
  expect(await ok(client, 'registerWorkflow', { workflow: v1 })).toMatchObject({ created: false });
  const changed = await callTool(client, 'registerWorkflow', {
    workflow: workflow('named', [probeStep('hello', 'echo', { value: 'other' })]),
  });
  expect(changed.structuredContent.error.code).toBe('CONFLICT');
  await ok(client, 'registerWorkflow', { workflow: v2 });
  const listed = await ok(client, 'listWorkflows', { name: 'named' });
  expect(listed.items.map((d: { version: string }) => d.version)).toEqual(['1', '2']);
  expect((await runOf(client, 'executeWorkflow', { workflowRef: { name: 'named' } })).output).toEqual({ value: 'v2' });
  expect((await runOf(client, 'executeWorkflow', { workflowRef: { name: 'named', version: '1' } })).output).toEqual({
    value: 'v1',
  });
  const missing = await callTool(client, 'executeWorkflow', { workflowRef: { name: 'nothing' } });
  expect(missing.structuredContent.error.code).toBe('NOT_FOUND');
});

test('a run of a registered definition resumes: its hash still matches the registry', async () => {
  await ok(client, 'registerWorkflow', {
    workflow: workflow('named-redrive', [
      probeStep('once', 'record', { text: 'once' }),
      probeStep('shaky', 'flaky', { text: 's', failTimes: 1 }),
    ]),
  });
  const failed = await runOf(client, 'executeWorkflow', { workflowRef: { name: 'named-redrive' } });
  expect(failed.status).toBe('failed');
  const listed = await ok(client, 'listWorkflows', { name: 'named-redrive' });
  expect(listed.items[0].hash).toBe(failed.workflow.hash);
  const resumed = await runOf(client, 'resumeWorkflow', { runId: failed.runId });
  expect(resumed.status).toBe('completed');
  expect(probe.events('done', `${failed.runId}:once`)).toHaveLength(1);
});

test('listWorkflowRuns filters and pages, newest first', async () => {
  const definition = workflow('pager', [probeStep('x', 'echo', { value: 1 })]);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await runOf(client, 'executeWorkflow', { workflow: definition })).runId);
  const first = await ok(client, 'listWorkflowRuns', { workflow: 'pager', limit: 2 });
  expect(first.total).toBe(5);
  expect(first.items.map((r: { runId: string }) => r.runId)).toEqual(ids.slice(-2).reverse());
  const second = await ok(client, 'listWorkflowRuns', { workflow: 'pager', limit: 2, cursor: first.nextCursor });
  const third = await ok(client, 'listWorkflowRuns', { workflow: 'pager', limit: 2, cursor: second.nextCursor });
  expect([...first.items, ...second.items, ...third.items].map((r: { runId: string }) => r.runId)).toEqual([...ids].reverse());
  expect(third.nextCursor).toBeUndefined();
  const failedOnly = await ok(client, 'listWorkflowRuns', { workflow: 'pager', status: ['failed'] });
  expect(failedOnly.total).toBe(0);
});

test('checkpoints: before each call {runId, definition hash, step path, attempt}, then its result', async () => {
  const result = await runOf(client, 'executeWorkflow', {
    workflow: workflow('logged', [
      probeStep('one', 'flaky', { text: '1', failTimes: 1 }, { retry: { maxAttempts: 2, intervalMs: 10 } }),
    ]),
  });
  const run = await ok(client, 'getWorkflowRun', { runId: result.runId, includeCheckpoints: true });
  expect(run.checkpoints.map((c: { event: string; key: string; attempt: number }) => `${c.event} ${c.key} ${c.attempt}`)).toEqual(
    ['call one 1', 'retry one 1', 'call one 2', 'result one 2'],
  );
  for (const c of run.checkpoints) expect(c.definitionHash).toBe(result.workflow.hash);
});

test('sensitive outputs are used in memory but sealed in the store and redacted in results, logs and progress', async () => {
  const progress: string[] = [];
  const raw = await client.callTool(
    {
      name: 'orchestrator.executeWorkflow',
      arguments: {
        workflow: workflow(
          'secretive',
          [
            probeStep('pw', 'secret', { name: 'alpha' }, { sensitive: true }),
            probeStep('use', 'record', { text: '{% "password is " & $steps.pw.output.value %}' }),
            probeStep(
              'leak',
              'fail',
              { code: 'CONFLICT', message: '{% "refused " & $steps.pw.output.value %}' },
              { catch: [{ errorEquals: ['ALL'], next: 'continue' }] },
            ),
          ],
          { output: '{% { "used": $steps.use.output.text, "pw": $steps.pw.output.value } %}' },
        ),
      },
    },
    undefined,
    { onprogress: (p) => progress.push(String(p.message)) },
  );
  const result = (raw as { structuredContent: any }).structuredContent;
  expect(result.status).toBe('completed');
  const upstream = probe.events('start', `${result.runId}:use`)[0];
  expect(upstream?.text).toMatch(SECRET_PATTERN);
  expect(JSON.stringify(raw)).not.toMatch(SECRET_PATTERN);
  expect(result.output).toEqual({ used: 'password is [REDACTED]', pw: '[REDACTED]' });
  const run = await ok(client, 'getWorkflowRun', { runId: result.runId, includeOutputs: true, includeCheckpoints: true });
  expect(run.steps[0].output).toBe('[SENSITIVE]');
  expect(run.steps[2].error.message).toBe('probe.fail: refused [REDACTED]');
  expect(JSON.stringify(run)).not.toMatch(SECRET_PATTERN);
  expect(progress.length).toBe(3);
  expect(progress.join('\n')).not.toMatch(SECRET_PATTERN);
  expect(JSON.stringify(orch.logs)).not.toMatch(SECRET_PATTERN);
  const files = readdirSync(dir.path).filter((f) => f.startsWith('workflows.db'));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) expect(readFileSync(join(dir.path, file)).toString('latin1')).not.toMatch(SECRET_PATTERN);
});

describe('MCP tasks through the SDK client (experimental tasks API)', () => {
  test('callToolStream creates a task, polls it and gets the CallToolResult', async () => {
    const seen: string[] = [];
    let result: any;
    let taskId = '';
    const stream = client.experimental.tasks.callToolStream(
      {
        name: 'orchestrator.executeWorkflow',
        arguments: { workflow: workflow('tasked', [probeStep('t', 'slow', { ms: 300, tag: 'task' })]) },
      },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    );
    for await (const message of stream) {
      seen.push(message.type);
      if (message.type === 'taskCreated') taskId = message.task.taskId;
      if (message.type === 'result') result = message.result;
      if (message.type === 'error') throw message.error;
    }
    expect(seen[0]).toBe('taskCreated');
    expect(seen).toContain('taskStatus');
    expect(seen.at(-1)).toBe('result');
    expect(result.structuredContent).toMatchObject({ runId: taskId, status: 'completed', output: { tag: 'task' } });
    expect(result._meta['io.modelcontextprotocol/related-task']).toEqual({ taskId });
    const task = await client.experimental.tasks.getTask(taskId);
    expect(task).toMatchObject({ taskId, status: 'completed', ttl: 60_000, pollInterval: 100 });
    const listed = await client.experimental.tasks.listTasks();
    expect(listed.tasks.map((t) => t.taskId)).toContain(taskId);
  });

  test('tasks/cancel cancels the run and aborts its call; a second cancel is refused', async () => {
    const created = await client.request(
      {
        method: 'tools/call',
        params: {
          name: 'orchestrator.executeWorkflow',
          arguments: { workflow: workflow('taskcancel', [probeStep('s', 'record', { text: 's', delayMs: 20_000 })]) },
          task: { ttl: 60_000 },
        },
      },
      CreateTaskResultSchema,
    );
    const taskId = created.task.taskId;
    expect(created.task.status).toBe('working');
    await waitFor(() => probe.events('start', `${taskId}:s`).length === 1, 10_000, 'the step to start');
    const cancelled = await client.experimental.tasks.cancelTask(taskId);
    expect(cancelled.status).toBe('cancelled');
    await waitFor(() => probe.events('cancelled', `${taskId}:s`).length === 1, 5000, 'the upstream call to be cancelled');
    expect((await client.experimental.tasks.getTask(taskId)).status).toBe('cancelled');
    await expect(client.experimental.tasks.cancelTask(taskId)).rejects.toThrow(/already cancelled/);
    await expect(client.experimental.tasks.getTask('no-such-task')).rejects.toThrow(/Task not found/);
  });

  test('a task with an approval step asks by elicitation, with the related task in _meta', async () => {
    const { client: human, asked } = await elicitingClient(() => ({ action: 'accept', content: { approve: true } }));
    let result: any;
    for await (const message of human.experimental.tasks.callToolStream(
      { name: 'orchestrator.executeWorkflow', arguments: { workflow: gated(), input: { what: 'task' } } },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    )) {
      if (message.type === 'result') result = message.result;
      if (message.type === 'error') throw message.error;
    }
    expect(result.structuredContent.status).toBe('completed');
    expect(asked).toHaveLength(1);
    expect(asked[0]._meta['io.modelcontextprotocol/related-task']).toEqual({ taskId: result.structuredContent.runId });
  });
});

test('metrics: runs by workflow and status, step durations, active runs', async () => {
  const text = await (await fetch(`${orch.url}/metrics`)).text();
  expect(text).toMatch(/switchboard_workflow_runs_total\{workflow="once",status="completed"\} 1/);
  // The three runs of `long` cancelled in the cancel tests above (by tool twice, by the client once).
  expect(text).toMatch(/switchboard_workflow_runs_total\{workflow="long",status="cancelled"\} 3/);
  expect(text).toMatch(/switchboard_workflow_step_duration_seconds_count\{workflow="pager",kind="call"\} 5/);
  expect(text).toMatch(/switchboard_workflow_runs_active/);
});
