/**
 * pnpm bench: cmdb searchItems calls/s at concurrency 1 and 16 over 10,000 CIs, on SQLite and on PostgreSQL,
 * against a real cmdb process, printed with the ratio to bench/baseline.json. `--save-baseline` records the run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService } from '@switchboard/shared/testing';
import pg from 'pg';
import { type Measurement, measure, readBaseline, report, writeBaseline } from './lib/measure.ts';
import { RawMcpClient } from './lib/raw-mcp-client.ts';

const CMDB = fileURLToPath(new URL('../services/cmdb/src/main.ts', import.meta.url));
const BASELINE = fileURLToPath(new URL('./baseline.json', import.meta.url));
const ITEMS = 10_000;
const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const ENVIRONMENTS = ['prod', 'staging', 'dev'];
const OSES = ['debian', 'ubuntu', 'alpine', 'rhel'];

function csvChunk(from: number, to: number): string {
  const lines = ['hostname,ip,os,environment,role,ssh_user,ssh_port,tags'];
  for (let i = from; i < to; i++) {
    lines.push(
      `host-${String(i).padStart(5, '0')},10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255},${OSES[i % 4]},${ENVIRONMENTS[i % 3]},${i % 2 ? 'web' : 'db'},deploy,22,${i % 2 ? 'web' : 'db'};rack-${i % 40}`,
    );
  }
  return lines.join('\n');
}

const QUERIES: Record<string, unknown>[] = [
  { environment: 'prod', limit: 20 },
  { tags: ['web', 'rack-7'] },
  { q: 'host-01', fields: ['environment'] },
  { attributes: { os: 'alpine' }, environment: 'staging' },
];

async function benchBackend(name: string, env: Record<string, string>): Promise<Record<string, Measurement>> {
  const proc = await spawnService(CMDB, { env: { ...env, PORT: '0', SWITCHBOARD_AUTH: 'none', SWITCHBOARD_RATE_LIMIT: '0' } });
  try {
    const client = await RawMcpClient.connect(`${proc.url}/mcp`);
    for (let from = 0; from < ITEMS; from += 2000) {
      const result = await client.callTool('importCsv', { csv: csvChunk(from, from + 2000) });
      if (result.isError) throw new Error(`seeding failed: ${JSON.stringify(result.structuredContent)}`);
    }
    const out: Record<string, Measurement> = {};
    for (const concurrency of [1, 16]) {
      out[`cmdb.searchItems.${name}.c${concurrency}`] = await measure({
        concurrency,
        calls: CALLS,
        warmup: 500,
        call: async (i) => {
          const result = await client.callTool('searchItems', QUERIES[i % QUERIES.length] as Record<string, unknown>);
          if (result.isError) throw new Error(JSON.stringify(result.structuredContent));
        },
      });
    }
    await client.close();
    return out;
  } finally {
    await proc.stop();
  }
}

const results: Record<string, Measurement> = {};
const dir = mkdtempSync(join(tmpdir(), 'bench-cmdb-'));
try {
  Object.assign(results, await benchBackend('sqlite', { CMDB_SQLITE_FILE: join(dir, 'cmdb.sqlite') }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const database = `cmdb_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
try {
  Object.assign(results, await benchBackend('postgres', { CMDB_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}` }));
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}
const baseline = readBaseline(BASELINE);
report(results, baseline);
if (process.argv.includes('--save-baseline')) {
  writeBaseline(BASELINE, { ...baseline, ...results });
  console.log(`baseline saved to ${BASELINE}`);
}
