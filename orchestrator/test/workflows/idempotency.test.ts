import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import pg from 'pg';
import { stringify } from 'yaml';
import { CMDB_MAIN, connect, ORCHESTRATOR_MAIN, tempDir, waitFor } from '../helpers.ts';
import { createDatabase, ok, workflow } from './support.ts';

/**
 * The service side of durable steps: a cmdb process (on PostgreSQL) and an orchestrator process. The orchestrator is
 * killed with SIGKILL while a cmdb mutation is in flight (held on a table lock the test owns), started again, and
 * re-sends the step with the same idempotency key. cmdb runs the mutation once: the re-sent call waits for the
 * first and gets its outcome (`created`, where running it again would say `unchanged`), and the changelog holds one
 * entry.
 */
const TOKEN = 'orchestrator-token-0123456789';
const dir = tempDir('wf-idem-');
let db: Awaited<ReturnType<typeof createDatabase>>;
let cmdb: SpawnedService;
const processes: SpawnedService[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  db = await createDatabase('wf_idem');
  cmdb = await spawnService(CMDB_MAIN, {
    env: { PORT: '0', SWITCHBOARD_TOKENS: `orchestrator:${TOKEN}`, CMDB_DATABASE_URL: db.url, LOG_LEVEL: 'info' },
  });
  await waitFor(async () => (await fetch(`${cmdb.url}/ready`)).status === 200, 15_000, 'cmdb ready (migrated)');
}, 30_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await cmdb?.stop();
  await db?.drop();
  dir.cleanup();
});

async function startOrch(name: string): Promise<{ proc: SpawnedService; client: Client }> {
  const configFile = join(dir.path, `${name}.yaml`);
  writeFileSync(
    configFile,
    stringify({
      healthIntervalMs: 500,
      reconnectBaseMs: 100,
      reconnectMaxMs: 500,
      upstreams: [{ name: 'cmdb', namespace: 'cmdb', url: `${cmdb.url}/mcp` }],
      workflows: { leaseMs: 1000, toolWaitMs: 15_000, store: 'sqlite', sqlitePath: join(dir.path, 'workflows.db') },
    }),
  );
  const proc = await spawnService(ORCHESTRATOR_MAIN, {
    env: {
      SWITCHBOARD_CONFIG: configFile,
      PORT: '0',
      SWITCHBOARD_AUTH: 'none',
      SWITCHBOARD_UPSTREAM_CMDB_TOKEN: TOKEN,
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

test('kill -9 while a cmdb mutation is in flight: the re-sent step is executed once', async () => {
  const lock = new pg.Client({ connectionString: db.url });
  const look = new pg.Client({ connectionString: db.url });
  await Promise.all([lock.connect(), look.connect()]);
  try {
    // Writers of ci wait behind this lock; readers (and the kit's idempotency table) do not.
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE ci IN SHARE ROW EXCLUSIVE MODE');

    const first = await startOrch('first');
    const started = await ok(first.client, 'executeWorkflow', {
      waitMs: 0,
      workflow: workflow(
        'register-host',
        [
          {
            id: 'register',
            call: {
              service: 'cmdb',
              tool: 'upsertItem',
              params: { type: 'host', name: 'kill9-host', attributes: { ip: '10.0.0.9' } },
            },
          },
        ],
        { output: '{% $steps.register.output.action %}' },
      ),
    });
    const runId = started.runId as string;
    const key = `${runId}:register`;
    const claimed = async () =>
      (await look.query("SELECT state, caller FROM kit_idempotency WHERE key = $1 AND tool = 'upsertItem'", [key])).rows[0];
    const record = await waitFor(claimed, 15_000, 'cmdb to be running the step');
    expect(record).toEqual({ state: 'running', caller: 'orchestrator' });

    await first.client.close().catch(() => {});
    first.proc.child.kill('SIGKILL');
    expect(await first.proc.exited).toBe('SIGKILL');

    const second = await startOrch('second');
    await cmdb.waitForLog(
      (l) => l.msg === 'repeat of a call still running: waiting for its outcome' && l.idempotency_key === key,
      20_000,
    );
    await lock.query('ROLLBACK');

    const run = await waitFor(
      async () => {
        const view = await ok(second.client, 'getWorkflowRun', { runId, includeCheckpoints: true });
        return ['completed', 'failed', 'cancelled'].includes(view.status) ? view : undefined;
      },
      25_000,
      'the run to finish',
    );
    expect(run.status).toBe('completed');
    // Running upsertItem again would have answered "unchanged": the re-sent call got the first call's outcome.
    expect(run.output).toBe('created');
    const sent = run.checkpoints.filter((c: { event: string; key: string }) => c.event === 'call' && c.key === 'register');
    expect(sent).toHaveLength(2);
    const changelog = await look.query("SELECT action FROM changelog WHERE ci_name = 'kill9-host'");
    expect(changelog.rows).toEqual([{ action: 'create' }]);
    expect((await claimed())?.state).toBe('done');
    // Both calls reached cmdb and both answered (logs are written in batches: wait for the lines).
    const finished = await waitFor(
      () => {
        const lines = cmdb.logs().filter((l) => l.msg === 'tool call finished' && l.tool === 'upsertItem');
        return lines.length >= 2 ? lines : undefined;
      },
      5000,
      'both calls logged',
    );
    expect(finished.map((l) => l.outcome)).toEqual(['success', 'success']);
  } finally {
    await lock.query('ROLLBACK').catch(() => {});
    await Promise.all([lock.end(), look.end()]);
  }
}, 90_000);
