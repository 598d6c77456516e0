import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import { connect, type RunningOrchestrator, startOrchestrator, tempDir, waitFor, waitUp } from '../helpers.ts';
import { ok, probeStep, runOf, startWorkflowProbe, type WorkflowProbe, workflow } from './support.ts';

/**
 * A step whose tool marks its result sensitive (the secrets service's revealSecret: `structuredContent.sensitive`
 * naming the fields that hold the value) is kept like a `sensitive` step without the definition saying so: sealed
 * in the checkpoint, the marked fields shown as [SENSITIVE] with the handle and preview still visible, the value
 * redacted from results, logs and progress, while later steps get it in memory; a resumed run reopens the seal.
 */
const MARKED = fileURLToPath(new URL('../fixtures/secret-value-probe.ts', import.meta.url));
const VALUE = /marked-[a-z]+-9d3f0a6c1b/;

let probe: WorkflowProbe;
let marked: SpawnedService;
const dir = tempDir('wf-marks-');
const running: RunningOrchestrator[] = [];
const extra: Client[] = [];

beforeAll(async () => {
  probe = await startWorkflowProbe(`${dir.path}/probe.log`);
  marked = await spawnService(MARKED, { env: { PORT: '0', SWITCHBOARD_AUTH: 'none', PROBE_LOG: `${dir.path}/marked.log` } });
}, 30_000);

afterAll(async () => {
  for (const c of extra) await c.close().catch(() => {});
  for (const orch of running) await orch.close().catch(() => {});
  await probe?.stop();
  await marked?.stop();
  dir.cleanup();
});

const revealed = (name: string) =>
  readFileSync(`${dir.path}/marked.log`, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"name":"${name}"`));

async function start(store: string, encryptionKey: string): Promise<RunningOrchestrator> {
  const orch = await startOrchestrator(
    {
      dataDir: join(dir.path, store),
      upstreams: [
        { name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` },
        { name: 'vault', namespace: 'vault', url: `${marked.url}/mcp` },
      ],
      workflows: { leaseMs: 1000, encryptionKey },
    },
    {},
    { policy: { firstParty: ['probe', 'vault'] } },
  );
  running.push(orch);
  await waitUp(orch, 'probe', 'vault');
  return orch;
}

const revealStep = (name: string) => ({ id: 'reveal', call: { service: 'vault', tool: 'revealValue', params: { name } } });

test('a marked output is sealed, shown with its handle and preview, and its value redacted everywhere but in memory', async () => {
  const orch = await start('one', 'marks-key-0123456789abcdef');
  const client = await connect(`${orch.url}/mcp`);
  extra.push(client);
  const progress: string[] = [];
  const raw = await client.callTool(
    {
      name: 'orchestrator.executeWorkflow',
      arguments: {
        workflow: workflow(
          'marked',
          [revealStep('alpha'), probeStep('use', 'record', { text: '{% "connect with " & $steps.reveal.output.value %}' })],
          {
            output:
              '{% { "handle": $steps.reveal.output.handle, "all": $steps.reveal.output, "used": $steps.use.output.text } %}',
          },
        ),
      },
    },
    undefined,
    { onprogress: (p) => progress.push(String(p.message)) },
  );
  const result = (raw as { structuredContent: any }).structuredContent;
  expect(result.status).toBe('completed');
  // The next step got the real value in memory.
  expect(probe.events('start', `${result.runId}:use`)[0]?.text).toMatch(VALUE);
  // The run's result: the handle as it is, the value redacted wherever the output quotes it.
  expect(result.output.handle).toBe('secret://local/app/alpha#1');
  expect(result.output.used).toBe('connect with [REDACTED]');
  expect(result.output.all).toMatchObject({ value: '[REDACTED]', sensitive: { handle: 'secret://local/app/alpha#1' } });
  const run = await ok(client, 'getWorkflowRun', { runId: result.runId, includeOutputs: true });
  expect(run.steps[0].output).toEqual({
    handle: 'secret://local/app/alpha#1',
    value: '[SENSITIVE]',
    length: 23,
    sensitive: {
      marker: 'io.switchboard/secret-value',
      fields: ['value'],
      handle: 'secret://local/app/alpha#1',
      preview: 'ma****1b',
    },
  });
  expect(run.steps[1].output.text).toBe('connect with [REDACTED]');
  for (const text of [JSON.stringify(raw), JSON.stringify(run), progress.join('\n'), JSON.stringify(orch.logs)]) {
    expect(text).not.toMatch(VALUE);
  }
  const files = readdirSync(join(dir.path, 'one')).filter((f) => f.startsWith('workflows.db'));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) expect(readFileSync(join(dir.path, 'one', file)).toString('latin1')).not.toMatch(VALUE);
});

test('a run resumed after a hand-over reopens the sealed marked output: the reveal is not asked again', async () => {
  const first = await start('two', 'handover-key-0123456789');
  const client = await connect(`${first.url}/mcp`);
  extra.push(client);
  const definition = workflow(
    'marked_handover',
    [
      revealStep('beta'),
      probeStep('slow', 'record', { text: 'slow', delayMs: 20_000 }),
      probeStep('use', 'record', { text: '{% $steps.reveal.output.value %}' }),
    ],
    { output: '{% $steps.reveal.output.sensitive.preview %}' },
  );
  const started = await runOf(client, 'executeWorkflow', { workflow: definition, waitMs: 0 });
  await waitFor(() => probe.events('start', `${started.runId}:slow`).length === 1, 10_000, 'the slow step');
  await client.close();
  await first.close();
  const second = await start('two', 'handover-key-0123456789');
  const again = await connect(`${second.url}/mcp`);
  extra.push(again);
  await waitFor(() => probe.events('start', `${started.runId}:slow`).length === 2, 10_000, 'the slow step to be re-sent');
  await ok(again, 'cancelWorkflow', { runId: started.runId, compensate: false, waitMs: 0 });
  await waitFor(
    async () => (await ok(again, 'getWorkflowRun', { runId: started.runId })).status === 'cancelled',
    10_000,
    'the run to end',
  );
  expect(revealed('beta')).toHaveLength(1);
}, 40_000);
