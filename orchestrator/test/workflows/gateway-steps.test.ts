import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import { connect, freePort, NODE, type RunningOrchestrator, startOrchestrator, tempDir, waitFor, waitUp } from '../helpers.ts';
import { sample, scrape } from '../support.ts';
import { callTool, ok, probeStep, runOf, startWorkflowProbe, type WorkflowProbe, workflow } from './support.ts';

const RUG = fileURLToPath(new URL('../fixtures/rug-pull-server.ts', import.meta.url));
const TOKENS = { olga: 'tok-olga-operator-6e2d9b1c', ada: 'tok-ada-admin-3f8a0c5e7d' };

const policyFor = (olga: 'operator' | 'viewer') => ({
  firstParty: ['probe'],
  bindings: [
    { tokens: ['olga'], roles: [olga] },
    { tokens: ['ada'], roles: ['admin'] },
  ],
});

/**
 * Workflow runs under the gateway: a run acts with its submitter's roles, checked at validation and before each step
 * (a role revoked mid-run stops the next step); steps enter the same pipeline as clients' calls (approvals included);
 * a failed or cancelled run is an isError result with the run's code; a step to a service known to be down fails at
 * once (its retry policy applies); unknown params of a tool whose schema forbids them are a validation error;
 * listWorkflowRuns takes one status or several.
 */
describe('workflow runs under the gateway', () => {
  const dir = tempDir('wf-gateway-');
  const rugLog = join(dir.path, 'rug.log');
  let probe: WorkflowProbe;
  let orch: RunningOrchestrator;
  let olga: Client;
  let ada: Client;

  beforeAll(async () => {
    probe = await startWorkflowProbe(`${dir.path}/probe.log`);
    const ghost = await freePort();
    orch = await startOrchestrator(
      {
        upstreams: [
          { name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` },
          { name: 'ghost', namespace: 'ghost', url: `http://127.0.0.1:${ghost}/mcp` },
          { name: 'rug', namespace: 'rug', command: NODE, args: [RUG], env: { RUG_LOG: rugLog } },
        ],
        // Long enough that a step waiting for a down service would outlive the test.
        workflows: { leaseMs: 2000, toolWaitMs: 600_000, pollIntervalMs: 100 },
      },
      { SWITCHBOARD_AUTH: 'token', SWITCHBOARD_TOKENS: `olga:${TOKENS.olga},ada:${TOKENS.ada}` },
      { policy: policyFor('operator') },
    );
    await waitUp(orch, 'probe', 'rug');
    await waitFor(() => orch.orchestrator.federation.upstreamByNamespace('ghost')?.state === 'down', 10_000, 'ghost down');
    olga = await connect(`${orch.url}/mcp`, { headers: { authorization: `Bearer ${TOKENS.olga}` } });
    ada = await connect(`${orch.url}/mcp`, { headers: { authorization: `Bearer ${TOKENS.ada}` } });
  }, 40_000);

  afterAll(async () => {
    await olga?.close();
    await ada?.close();
    await orch?.close();
    await probe?.stop();
    dir.cleanup();
  });

  test('validation checks every step against the submitter’s roles', async () => {
    const definition = workflow('undoer', [probeStep('note', 'record', { text: 'a' }), probeStep('wipe', 'undo', { text: 'a' })]);
    const validated = await ok(olga, 'executeWorkflow', { workflow: definition, mode: 'validate' });
    expect(validated.status).toBe('invalid');
    expect(validated.problems).toEqual([
      expect.objectContaining({ code: 'permission_denied', path: '/steps/1/call/tool', stepId: 'wipe', severity: 'error' }),
    ]);
    expect(validated.problems[0].message).toMatch(/olga may not call probe\.undo/);
    const refused = await callTool(olga, 'executeWorkflow', { workflow: definition });
    expect(refused.structuredContent.error.code).toBe('INVALID_ARGUMENT');
    expect(probe.events('start').filter((l) => l.text === 'a')).toHaveLength(0);
    expect((await ok(ada, 'executeWorkflow', { workflow: definition, mode: 'validate' })).status).toBe('valid');
  });

  test('each step is checked again: a role revoked while the run waits stops the next step', async () => {
    const definition = workflow('gated', [
      probeStep('first', 'record', { text: 'before-gate' }),
      { id: 'gate', approval: { message: 'go on?' } },
      probeStep('second', 'record', { text: 'after-gate' }),
    ]);
    const started = await runOf(olga, 'executeWorkflow', { workflow: definition });
    expect(started.status).toBe('input_required');
    writeFileSync(orch.policyFile, stringify(policyFor('viewer')));
    await waitFor(() => orch.logs.some((l) => l.msg === 'policy reloaded'), 10_000, 'policy reload');
    await ok(ada, 'approveWorkflowStep', { runId: started.runId, stepId: 'gate' });
    const done = await waitFor(async () => {
      const run = await ok(ada, 'getWorkflowRun', { runId: started.runId });
      return run.status === 'failed' && run;
    }, 15_000);
    expect(done.error).toMatchObject({ type: 'tool', stepId: 'second', code: 'PERMISSION_DENIED' });
    expect(probe.events('start').map((l) => l.text)).toContain('before-gate');
    expect(probe.events('start').map((l) => l.text)).not.toContain('after-gate');
    const audit = await ok(ada, 'getAuditLog', { caller: 'olga', namespace: 'probe', tool: 'record' });
    expect(audit.items.map((r: Record<string, unknown>) => r.outcome)).toEqual(['permission_denied', 'success']);
    expect(audit.items[0].correlationId).toBe(started.runId);
    writeFileSync(orch.policyFile, stringify(policyFor('operator')));
    await waitFor(() => orch.logs.filter((l) => l.msg === 'policy reloaded').length >= 2, 10_000, 'policy back');
  });

  test('a failed run is an isError result with the run’s code; a completed or waiting one is not', async () => {
    const failing = await callTool(ada, 'executeWorkflow', {
      workflow: workflow('fails', [probeStep('boom', 'fail', { code: 'CONFLICT', message: 'taken' })]),
    });
    expect(failing.isError).toBe(true);
    expect(failing.structuredContent.error).toMatchObject({ code: 'CONFLICT', retryable: false });
    expect(failing.structuredContent.error.details).toMatchObject({
      status: 'failed',
      error: { stepId: 'boom', code: 'CONFLICT' },
    });
    const stopped = await callTool(ada, 'executeWorkflow', {
      workflow: workflow('stops', [{ id: 'halt', fail: { error: 'policy.stop', message: 'no' } }]),
    });
    expect(stopped.structuredContent.error.code).toBe('WORKFLOW_FAILED');
    const fine = await callTool(ada, 'executeWorkflow', { workflow: workflow('fine', [probeStep('e', 'echo', { value: 1 })]) });
    expect(fine.isError).toBeFalsy();
    expect(fine.structuredContent.status).toBe('completed');
    const waiting = await callTool(ada, 'executeWorkflow', {
      workflow: workflow('waits', [{ id: 'ok', approval: { message: '?' } }]),
    });
    expect(waiting.isError).toBeFalsy();
    expect(waiting.structuredContent.status).toBe('input_required');
    await ok(ada, 'cancelWorkflow', { runId: waiting.structuredContent.runId });
    const metrics = await scrape(orch.url);
    expect(
      sample(metrics, 'mcp_tool_calls_total', { service: 'orchestrator', tool: 'executeWorkflow', outcome: 'conflict' }),
    ).toBe(1);
    expect(
      sample(metrics, 'mcp_tool_calls_total', { service: 'orchestrator', tool: 'executeWorkflow', outcome: 'workflow_failed' }),
    ).toBe(1);
  });

  test('a step to a service known to be down fails at once with UPSTREAM_UNAVAILABLE, after its retries', async () => {
    const result = await runOf(ada, 'executeWorkflow', {
      workflow: workflow('ghostly', [
        {
          id: 'haunt',
          call: { service: 'ghost', tool: 'boo', params: {} },
          retry: { errorEquals: ['transport'], maxAttempts: 3, intervalMs: 20 },
        },
      ]),
    });
    expect(result.status).toBe('failed');
    expect(result.errorCode).toBe('UPSTREAM_UNAVAILABLE');
    expect(result.error).toMatchObject({ type: 'transport', stepId: 'haunt', code: 'UPSTREAM_UNAVAILABLE' });
    expect(result.steps).toEqual([expect.objectContaining({ id: 'haunt', status: 'failed', attempts: 3 })]);
  }, 20_000);

  test('params a strict input schema does not name are a validation error, literal or computed', async () => {
    const literal = await ok(ada, 'executeWorkflow', {
      workflow: workflow('typo', [probeStep('s', 'strictEcho', { value: 1, vaule: 2 })]),
      mode: 'validate',
    });
    expect(literal.problems).toEqual([expect.objectContaining({ code: 'params', path: '/steps/0/call/params' })]);
    expect(literal.problems[0].message).toContain('vaule');
    const computed = await runOf(ada, 'executeWorkflow', {
      workflow: workflow('typo2', [probeStep('s', 'strictEcho', '{% {"value": 1, "extra": 2} %}' as never)]),
    });
    expect(computed.error).toMatchObject({ type: 'validation', code: 'INVALID_ARGUMENT' });
    expect(computed.error.message).toContain('extra');
    // Every kit tool's input schema is strict too (additionalProperties: false), so a typo there is caught the same way.
    const kit = await ok(ada, 'executeWorkflow', {
      workflow: workflow('kit', [probeStep('e', 'echo', { value: 1, extra: 2 })]),
      mode: 'validate',
    });
    expect(kit.status).toBe('invalid');
    expect(kit.problems[0].message).toContain('extra');
  });

  test('listWorkflowRuns takes one status or several', async () => {
    const one = await ok(ada, 'listWorkflowRuns', { status: 'failed' });
    expect(one.items.length).toBeGreaterThan(0);
    expect(one.items.every((r: { status: string }) => r.status === 'failed')).toBe(true);
    const several = await ok(ada, 'listWorkflowRuns', { status: ['failed', 'completed'] });
    expect(several.total).toBeGreaterThan(one.total);
    expect((await callTool(ada, 'listWorkflowRuns', { status: 'exploded' })).isError).toBe(true);
  });

  test('a step to a third-party destructive tool asks the human watching the run, else fails closed', async () => {
    const burn = workflow('burner', [{ id: 'burn', call: { service: 'rug', tool: 'burn', params: {} } }]);
    const unattended = await runOf(ada, 'executeWorkflow', { workflow: burn });
    expect(unattended.error).toMatchObject({ stepId: 'burn', code: 'APPROVAL_REQUIRED' });
    const reached = () => readFileSync(rugLog, 'utf8').split('\n').filter(Boolean);
    expect(() => reached()).toThrow();
    const asked: string[] = [];
    const watcher = await connect(`${orch.url}/mcp`, {
      headers: { authorization: `Bearer ${TOKENS.ada}` },
      capabilities: { elicitation: {} },
      beforeConnect: (c) =>
        c.setRequestHandler(ElicitRequestSchema, async (request) => {
          asked.push(String(request.params.message));
          return { action: 'accept', content: { approve: true } };
        }),
    });
    try {
      const approved = await runOf(watcher, 'executeWorkflow', { workflow: burn });
      expect(approved.status).toBe('completed');
      expect(asked[0]).toContain('rug.burn');
      expect(reached()).toEqual(['burn']);
    } finally {
      await watcher.close();
    }
  });
});
