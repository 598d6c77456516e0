import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { connect, type RunningOrchestrator, startOrchestrator, tempDir, waitFor, waitUp } from '../helpers.ts';
import { ok, probeStep, runOf, startWorkflowProbe, type WorkflowProbe, workflow } from './support.ts';

/**
 * Graceful shutdown hands runs over: the in-flight call is cancelled upstream without failing the step, the lease
 * is released, and the next orchestrator on the same store resumes at once. Sensitive outputs are sealed: with the
 * same key the resumed run reopens them; with another key it runs the sensitive step again (never clear text).
 */
let probe: WorkflowProbe;
const dir = tempDir('wf-resume-');
const running: RunningOrchestrator[] = [];

beforeAll(async () => {
  probe = await startWorkflowProbe(`${dir.path}/probe.log`);
}, 20_000);

afterAll(async () => {
  for (const orch of running) await orch.close().catch(() => {});
  await probe?.stop();
  dir.cleanup();
});

async function start(name: string, encryptionKey: string): Promise<RunningOrchestrator> {
  const orch = await startOrchestrator({
    upstreams: [{ name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` }],
    workflows: { leaseMs: 1000, sqlitePath: `${dir.path}/${name}.db`, encryptionKey },
  });
  running.push(orch);
  await waitUp(orch, 'probe');
  return orch;
}

const secretive = workflow(
  'handover',
  [
    probeStep('pw', 'secret', { name: 'beta' }, { sensitive: true }),
    probeStep('slow', 'record', { text: 'slow', delayMs: 20_000 }),
    probeStep('use', 'record', { text: '{% $steps.pw.output.value %}' }),
  ],
  { output: '{% $steps.slow.output.text %}' },
);

async function handOver(store: string, firstKey: string, secondKey: string): Promise<string> {
  const first = await start(store, firstKey);
  const client = await connect(`${first.url}/mcp`);
  const started = await runOf(client, 'executeWorkflow', { workflow: secretive, waitMs: 0 });
  await waitFor(() => probe.events('start', `${started.runId}:slow`).length === 1, 10_000, 'the slow step');
  await client.close();
  await first.close();
  expect(probe.events('cancelled', `${started.runId}:slow`)).toHaveLength(1);

  const second = await start(store, secondKey);
  const again = await connect(`${second.url}/mcp`);
  await waitFor(() => probe.events('start', `${started.runId}:slow`).length === 2, 10_000, 'the slow step to be re-sent');
  await ok(again, 'cancelWorkflow', { runId: started.runId, compensate: false, waitMs: 0 });
  const run = await waitFor(
    async () => {
      const r = await ok(again, 'getWorkflowRun', { runId: started.runId, includeCheckpoints: true });
      return r.status === 'cancelled' ? r : undefined;
    },
    10_000,
    'the run to end',
  );
  const slowEvents = run.checkpoints
    .filter((c: { key: string }) => c.key === 'slow')
    .map((c: { event: string; attempt: number }) => `${c.event} ${c.attempt}`);
  // The shutdown did not fail the step: sent once per process with the same attempt, never a retry.
  expect(slowEvents).toEqual(['call 1', 'call 1']);
  expect(second.logs.some((l) => l.msg === 'workflow run resumed' && l.run_id === started.runId)).toBe(true);
  await again.close();
  return started.runId;
}

test('with the same key, the resumed run reopens the sealed output and does not run the sensitive step again', async () => {
  const runId = await handOver('same', 'the-first-key-0123456789', 'the-first-key-0123456789');
  expect(probe.events('secret', `${runId}:pw`)).toHaveLength(1);
}, 40_000);

test('with another key, the sealed output cannot be opened and the sensitive step runs again', async () => {
  const runId = await handOver('other', 'the-first-key-0123456789', 'another-key-9876543210');
  expect(probe.events('secret', `${runId}:pw`)).toHaveLength(2);
  const resumed = running.at(-1);
  expect(resumed?.logs.some((l) => String(l.msg).includes('sealed output of a sensitive step cannot be opened'))).toBe(true);
}, 40_000);
