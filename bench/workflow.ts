/**
 * pnpm bench:workflow — the workflow engine's overhead per step. Against a trivial upstream tool (the stock SDK echo
 * server), through a real orchestrator process, on each run store (SQLite, PostgreSQL):
 *   - a 100-step sequential run, next to 100 sequential direct calls of the same tool through the orchestrator;
 *   - a 100-item forEach at maxConcurrency 10, next to 100 direct calls with 10 in flight.
 * Every configuration runs several rounds; medians are printed with the ratio workflow / direct and the added
 * milliseconds per step. A step costs two fenced checkpoints (before the call and after it) plus the call itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { freePort, startNode } from './lib/processes.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STEPS = 100;
const CONCURRENCY = 10;
const PG_ADMIN = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ECHO = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));
const ORCHESTRATOR = fileURLToPath(new URL('../orchestrator/src/main.ts', import.meta.url));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

async function parallel(count: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await call(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function sequential(): Record<string, unknown> {
  return {
    dsl: 'switchboard/v1',
    name: 'bench_sequential',
    version: '1',
    steps: Array.from({ length: STEPS }, (_, i) => ({
      id: `s${i}`,
      call: { service: 'echo', tool: 'echo', params: { message: i === 0 ? 'start' : `{% $steps.s${i - 1}.output.text %}` } },
    })),
  };
}

function fanOut(): Record<string, unknown> {
  return {
    dsl: 'switchboard/v1',
    name: 'bench_foreach',
    version: '1',
    steps: [
      {
        id: 'each',
        forEach: {
          in: '{% $input.items %}',
          maxConcurrency: CONCURRENCY,
          steps: [{ id: 'call', call: { service: 'echo', tool: 'echo', params: { message: '{% $item %}' } } }],
        },
      },
    ],
  };
}

interface Row {
  store: string;
  scenario: string;
  'direct calls/s': number;
  'workflow steps/s': number;
  'workflow / direct': string;
  'added ms/step': string;
}

async function benchStore(store: 'sqlite' | 'postgres', echoUrl: string, dir: string, pgUrl: string): Promise<Row[]> {
  const port = await freePort();
  const config = join(dir, `${store}.yaml`);
  const workflows =
    store === 'sqlite'
      ? `  store: sqlite\n  sqlitePath: ${join(dir, 'workflows.db')}\n`
      : `  store: postgres\n  postgresUrl: ${pgUrl}\n`;
  writeFileSync(config, `upstreams:\n  - name: echo\n    namespace: echo\n    url: ${echoUrl}\nworkflows:\n${workflows}`);
  const orchestrator = await startNode(
    [ORCHESTRATOR],
    {
      PORT: String(port),
      SWITCHBOARD_AUTH: 'none',
      SWITCHBOARD_RATE_LIMIT: '0',
      SWITCHBOARD_CONFIG: config,
      SWITCHBOARD_DATA_DIR: dir,
      LOG_LEVEL: 'warn',
    },
    // LOG_LEVEL=warn keeps per-call logging out of the measurement; this warning comes just before listening.
    /authentication is OFF/,
  );
  const client = new Client({ name: 'bench', version: '1' });
  for (let attempt = 0; ; attempt++) {
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  for (let i = 0; i < 100; i++) {
    const up = await client.callTool({ name: 'echo.echo', arguments: { message: 'ping' } }).catch(() => ({ isError: true }));
    if (!up.isError) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const direct = (i: number) =>
    client.callTool({ name: 'echo.echo', arguments: { message: `m${i}` } }).then((r) => {
      if (r.isError) throw new Error(JSON.stringify(r));
    });
  const run = (workflow: Record<string, unknown>, input: Record<string, unknown> = {}) =>
    client
      .callTool({ name: 'orchestrator.executeWorkflow', arguments: { workflow, input } }, undefined, { timeout: 600_000 })
      .then((r) => {
        const status = (r.structuredContent as { status?: string } | undefined)?.status;
        if (r.isError || status !== 'completed') throw new Error(`workflow ended ${status}: ${JSON.stringify(r).slice(0, 500)}`);
      });
  const items = { items: Array.from({ length: STEPS }, (_, i) => `item-${i}`) };
  const samples = { directSeq: [] as number[], wfSeq: [] as number[], directPar: [] as number[], wfPar: [] as number[] };
  await run(sequential());
  await run(fanOut(), items);
  await parallel(STEPS, CONCURRENCY, direct);
  for (let round = 1; round <= ROUNDS; round++) {
    samples.directSeq.push(STEPS / (await timed(() => parallel(STEPS, 1, direct))));
    samples.wfSeq.push(STEPS / (await timed(() => run(sequential()))));
    samples.directPar.push(STEPS / (await timed(() => parallel(STEPS, CONCURRENCY, direct))));
    samples.wfPar.push(STEPS / (await timed(() => run(fanOut(), items))));
    process.stderr.write(`${store}: round ${round}/${ROUNDS} done\n`);
  }
  await client.close();
  orchestrator.kill('SIGTERM');
  const row = (scenario: string, d: number[], w: number[]): Row => {
    const directRate = median(d);
    const workflowRate = median(w);
    return {
      store,
      scenario,
      'direct calls/s': Math.round(directRate),
      'workflow steps/s': Math.round(workflowRate),
      'workflow / direct': (workflowRate / directRate).toFixed(2),
      'added ms/step': ((1 / workflowRate - 1 / directRate) * 1000).toFixed(2),
    };
  };
  return [
    row(`${STEPS} sequential steps`, samples.directSeq, samples.wfSeq),
    row(`forEach ${STEPS} items, concurrency ${CONCURRENCY}`, samples.directPar, samples.wfPar),
  ];
}

async function main(): Promise<void> {
  const dir = join(tmpdir(), `bench-workflow-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const echoPort = await freePort();
  const echo = await startNode([ECHO], { PORT: String(echoPort) }, /listening/);
  const dbName = `wf_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const pgUrl = PG_ADMIN.replace(/\/[^/]*$/, `/${dbName}`);
  const rows: Row[] = [];
  try {
    rows.push(...(await benchStore('sqlite', `http://127.0.0.1:${echoPort}/mcp`, dir, pgUrl)));
    rows.push(...(await benchStore('postgres', `http://127.0.0.1:${echoPort}/mcp`, dir, pgUrl)));
  } finally {
    echo.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nworkflow engine benchmark (${ROUNDS} rounds, medians; direct = the same tool called through the orchestrator)`);
  console.table(rows);
}

await main();
process.exit(0);
