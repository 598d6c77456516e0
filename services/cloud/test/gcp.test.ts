import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { TestClient } from '@switchboard/shared/testing';
import type { GcpFixture } from './fixtures/gcp/server.ts';
import {
  connectCloud,
  type Elicitations,
  GCP_PROJECT,
  GCP_TOKEN,
  gcpConfig,
  seededGcpFixture,
  structured,
  tempDir,
} from './support.ts';

let gcp: GcpFixture;
const dir = tempDir('cloud-gcp-');
const elicit: Elicitations = { prompts: [], answer: 'accept' };
const logs: string[] = [];
const outputs: string[] = [];
let writer: TestClient;
let reader: TestClient;
let noPrompt: TestClient;

async function call(c: TestClient, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) {
  const result = await c.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) });
  outputs.push(JSON.stringify(result));
  return result;
}
const ok = async (c: TestClient, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) => {
  const result = await call(c, name, args, meta);
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent)}`);
  return structured(result);
};
const fails = async (c: TestClient, name: string, args: Record<string, unknown>) => {
  const result = await call(c, name, args);
  expect(result.isError).toBe(true);
  return structured(result).error as { code: string; message: string; retryable: boolean; details?: Record<string, unknown> };
};

beforeAll(async () => {
  gcp = await seededGcpFixture();
  const base = gcpConfig(gcp, {
    gcsBuckets: ['sb-*', 'fn-sources'],
    bigqueryDatasets: ['analytics'],
    gcpFunctionPrefixes: ['ops-'],
    gcpAllowedProjects: [GCP_PROJECT],
    fileRoots: [dir.path],
    maxTextBytes: 1024,
    awsRegion: 'us-east-1',
  });
  writer = await connectCloud({ ...base, mode: 'write' }, elicit, logs);
  reader = await connectCloud(base, undefined, logs);
  noPrompt = await connectCloud({ ...base, mode: 'write' }, undefined, logs);
});

afterAll(async () => {
  await Promise.all([writer?.close(), reader?.close(), noPrompt?.close()]);
  await gcp?.close();
  dir.cleanup();
});

describe('read-only by default', () => {
  test('GCP mutations are hidden and refused without CLOUD_MODE=write', async () => {
    const names = (await reader.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['gcsListObjects', 'computeListInstances', 'bigqueryQuery', 'functionsList']));
    for (const hidden of [
      'gcsWriteObject',
      'gcsDeleteObject',
      'computeStartInstance',
      'computeStopInstance',
      'bigqueryLoadTable',
      'functionsInvoke',
      'functionsDeploy',
    ]) {
      expect(names).not.toContain(hidden);
    }
    expect((await fails(reader, 'computeStopInstance', { instance: 'vm-0' })).code).toBe('READ_ONLY');
  });
});

describe('Cloud Storage (JSON API, resumable uploads)', () => {
  test('buckets and objects are listed within the allowlist, paged with pageToken', async () => {
    const buckets = await ok(reader, 'gcsListBuckets', {});
    expect(buckets.items.map((b: { name: string }) => b.name)).toEqual(['fn-sources', 'sb-backups', 'sb-data']);
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await ok(reader, 'gcsListObjects', { bucket: 'sb-data', limit: 4, ...(cursor ? { cursor } : {}) });
      names.push(...page.items.map((o: { name: string }) => o.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toEqual(['events/part-1.json', ...Array.from({ length: 5 }, (_, i) => `reports/2026-11-0${i}.csv`)]);
    const folders = await ok(reader, 'gcsListObjects', { bucket: 'sb-data', delimiter: '/' });
    expect(folders.items).toEqual([
      { name: 'events/', type: 'prefix' },
      { name: 'reports/', type: 'prefix' },
    ]);
  });

  test('a bucket off the allowlist is refused before any request', async () => {
    const before = gcp.requests.length;
    for (const [tool, args] of [
      ['gcsListObjects', { bucket: 'secret-bucket' }],
      ['gcsReadObject', { bucket: 'secret-bucket', object: 'x' }],
      ['gcsWriteObject', { bucket: 'secret-bucket', object: 'x', content: 'y' }],
      ['gcsDeleteObject', { bucket: 'secret-bucket', object: 'x' }],
    ] as const) {
      expect((await fails(writer, tool, args)).code).toBe('POLICY_VIOLATION');
    }
    expect(gcp.requests.length).toBe(before);
  });

  test('gcsWriteObject creates with a precondition, refuses a silent overwrite, and overwrites after approval', async () => {
    const created = await ok(writer, 'gcsWriteObject', {
      bucket: 'sb-backups',
      object: 'db/2026-12-01.sql',
      content: 'CREATE TABLE a();',
      contentType: 'application/sql',
    });
    expect(created).toMatchObject({
      size: 17,
      overwrote: false,
      approval: 'not_required',
      target: { provider: 'gcp', project: GCP_PROJECT, region: 'us-central1' },
    });
    expect(created.crc32c).toEqual(expect.any(String));
    expect(
      (await fails(writer, 'gcsWriteObject', { bucket: 'sb-backups', object: 'db/2026-12-01.sql', content: 'x' })).code,
    ).toBe('CONFLICT');
    const before = elicit.prompts.length;
    const replaced = await ok(writer, 'gcsWriteObject', {
      bucket: 'sb-backups',
      object: 'db/2026-12-01.sql',
      content: 'CREATE TABLE b();',
      overwrite: true,
    });
    expect(replaced).toMatchObject({ overwrote: true, approval: 'accepted' });
    expect(Number(replaced.generation)).toBeGreaterThan(Number(created.generation));
    expect(elicit.prompts.length).toBe(before + 1);
    expect(elicit.prompts.at(-1)).toContain(`project ${GCP_PROJECT}, region us-central1`);
    expect(elicit.prompts.at(-1)).toContain(`overwrite generation ${created.generation} of gs://sb-backups/db/2026-12-01.sql`);
    expect(await ok(reader, 'gcsReadObject', { bucket: 'sb-backups', object: 'db/2026-12-01.sql' })).toMatchObject({
      text: 'CREATE TABLE b();',
    });
    writeFileSync(join(dir.path, 'big.bin'), Buffer.alloc(3000, 7));
    const fromFile = await ok(writer, 'gcsWriteObject', {
      bucket: 'sb-backups',
      object: 'big.bin',
      file: join(dir.path, 'big.bin'),
    });
    expect(fromFile.size).toBe(3000);
    expect(gcp.storage.buckets.get('sb-backups')?.objects.get('big.bin')?.bytes).toEqual(Buffer.alloc(3000, 7));
  });

  test('gcsReadObject: text under the cap; over it, the URI and why no signed URL (an access token cannot sign)', async () => {
    expect(await ok(reader, 'gcsReadObject', { bucket: 'sb-data', object: 'reports/2026-11-01.csv' })).toMatchObject({
      text: 'day,1\n',
      contentType: 'text/csv',
      size: 6,
    });
    const big = await ok(reader, 'gcsReadObject', { bucket: 'sb-backups', object: 'big.bin' });
    expect(big).toMatchObject({ uri: 'gs://sb-backups/big.bin', size: 3000 });
    expect(big.text).toBeUndefined();
    expect(big.reason).toContain('cannot sign');
    expect((await fails(reader, 'gcsReadObject', { bucket: 'sb-data', object: 'nope' })).code).toBe('NOT_FOUND');
  });

  test('gcsDeleteObject asks first and fails closed', async () => {
    expect((await fails(noPrompt, 'gcsDeleteObject', { bucket: 'sb-backups', object: 'big.bin' })).code).toBe(
      'APPROVAL_REQUIRED',
    );
    elicit.answer = 'cancel';
    expect((await fails(writer, 'gcsDeleteObject', { bucket: 'sb-backups', object: 'big.bin' })).code).toBe('APPROVAL_DENIED');
    elicit.answer = 'accept';
    expect(gcp.storage.buckets.get('sb-backups')?.objects.has('big.bin')).toBe(true);
    const deleted = await ok(writer, 'gcsDeleteObject', { bucket: 'sb-backups', object: 'big.bin' });
    expect(deleted).toMatchObject({ deleted: true, size: 3000, approval: 'accepted' });
    expect(gcp.storage.buckets.get('sb-backups')?.objects.has('big.bin')).toBe(false);
  });
});

describe('Compute Engine (REST)', () => {
  test('computeListInstances: compact rows, a Compute filter, paging; zones outside the allowed regions refused', async () => {
    const prod = await ok(reader, 'computeListInstances', { filter: 'labels.env = prod' });
    expect(prod.items.map((i: { name: string }) => i.name)).toEqual(['vm-0', 'vm-1', 'vm-2']);
    expect(prod.items[0]).toMatchObject({
      status: 'RUNNING',
      machineType: 'e2-small',
      zone: 'us-central1-a',
      internalIp: '10.128.0.1',
      labels: { env: 'prod' },
    });
    const first = await ok(reader, 'computeListInstances', { limit: 4 });
    const second = await ok(reader, 'computeListInstances', { limit: 4, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((i: { name: string }) => i.name)).toEqual([
      'vm-0',
      'vm-1',
      'vm-2',
      'vm-3',
      'vm-4',
      'vm-5',
    ]);
    expect(second.nextCursor).toBeUndefined();
    expect((await fails(reader, 'computeListInstances', { zone: 'europe-west1-b' })).code).toBe('POLICY_VIOLATION');
    expect((await fails(reader, 'computeListInstances', { project: 'sb-other' })).code).toBe('POLICY_VIOLATION');
    const bad = await fails(reader, 'computeListInstances', { filter: 'cpuPlatform ~ "Intel"' });
    expect(bad.code).toBe('INVALID_ARGUMENT');
    expect(bad.message).toContain('Invalid list filter expression');
  });

  test('start waits for the zone operation; the workflow key makes a retried call reuse it', async () => {
    const meta = { 'io.switchboard/idempotency-key': 'run-7:start-vm' };
    const started = await ok(writer, 'computeStartInstance', { instance: 'vm-3' }, meta);
    expect(started).toMatchObject({
      operation: { status: 'DONE' },
      approval: 'not_required',
      target: { project: GCP_PROJECT, zone: 'us-central1-a' },
    });
    const again = await ok(writer, 'computeStartInstance', { instance: 'vm-3' }, meta);
    expect(again.operation.name).toBe(started.operation.name);
    expect(gcp.compute.zones.get(`${GCP_PROJECT}/us-central1-a`)?.get('vm-3')?.status).toBe('RUNNING');
  });

  test('stop asks a human naming project and zone', async () => {
    const stopped = await ok(writer, 'computeStopInstance', { instance: 'vm-4' });
    expect(stopped).toMatchObject({ approval: 'accepted', operation: { status: 'DONE' } });
    expect(elicit.prompts.at(-1)).toContain(`GCP project ${GCP_PROJECT}, zone us-central1-a`);
    expect(gcp.compute.zones.get(`${GCP_PROJECT}/us-central1-a`)?.get('vm-4')?.status).toBe('TERMINATED');
    expect((await fails(writer, 'computeStopInstance', { instance: 'vm-missing' })).code).toBe('NOT_FOUND');
  });
});

describe('BigQuery (REST: jobs.insert with dryRun, getQueryResults paging)', () => {
  test('datasets and tables within the allowlist', async () => {
    expect((await ok(reader, 'bigqueryListDatasets', {})).items).toEqual([{ id: 'analytics', location: 'US' }]);
    expect(await ok(reader, 'bigqueryListTables', { dataset: 'analytics' })).toMatchObject({
      total: 2,
      items: [{ id: 'events' }, { id: 'huge' }],
    });
    expect((await fails(reader, 'bigqueryListTables', { dataset: 'hr' })).code).toBe('POLICY_VIOLATION');
  });

  test('a query is dry-run first, its cost reported, rows capped at 50 and paged', async () => {
    const dry = await ok(reader, 'bigqueryQuery', { sql: 'SELECT * FROM `sb-prod.analytics.events`', dryRun: true });
    expect(dry).toMatchObject({
      dryRun: true,
      bytesProcessed: 120_000,
      statementType: 'SELECT',
      referencedTables: ['sb-prod.analytics.events'],
      rows: [],
    });
    expect(dry.estimatedCostUsd).toBeCloseTo((120_000 / 1024 ** 4) * 6.25, 5);
    const jobs = gcp.bigquery.jobs.size;
    const users: string[] = [];
    let page = await ok(reader, 'bigqueryQuery', { sql: 'SELECT * FROM `sb-prod.analytics.events`' });
    expect(page).toMatchObject({
      count: 50,
      totalRows: 120,
      maximumBytesBilled: 1024 ** 3,
      schema: [
        { name: 'user', type: 'STRING' },
        { name: 'clicks', type: 'INTEGER' },
        { name: 'country', type: 'STRING' },
        { name: 'at', type: 'TIMESTAMP' },
      ],
    });
    expect(page.rows[0]).toMatchObject({ user: 'user-000', clicks: 0, country: 'FR' });
    users.push(...page.rows.map((r: { user: string }) => r.user));
    while (page.nextCursor) {
      page = await ok(reader, 'bigqueryQuery', { sql: 'SELECT * FROM `sb-prod.analytics.events`', cursor: page.nextCursor });
      users.push(...page.rows.map((r: { user: string }) => r.user));
    }
    expect(users).toHaveLength(120);
    expect(new Set(users).size).toBe(120);
    expect(gcp.bigquery.jobs.size).toBe(jobs + 1);
    const job = [...gcp.bigquery.jobs.values()].at(-1);
    expect((job?.configuration.query as { maximumBytesBilled?: string } | undefined)?.maximumBytesBilled).toBe(String(1024 ** 3));
  });

  test("named parameters, and the provider's message for a bad query", async () => {
    const out = await ok(reader, 'bigqueryQuery', {
      sql: 'SELECT user, clicks FROM analytics.events WHERE country = @c ORDER BY clicks DESC LIMIT 3',
      params: { c: 'DE' },
    });
    expect(out.rows).toEqual([
      { user: 'user-119', clicks: 119 },
      { user: 'user-117', clicks: 117 },
      { user: 'user-115', clicks: 115 },
    ]);
    const bad = await fails(reader, 'bigqueryQuery', { sql: 'SELEC nothing' });
    expect(bad).toMatchObject({ code: 'INVALID_ARGUMENT', details: { reason: 'invalidQuery' } });
    expect(bad.message).toContain('Syntax error');
  });

  test('the cost guard refuses an over-budget query after the dry run, before any job runs', async () => {
    const jobs = gcp.bigquery.jobs.size;
    const over = await fails(reader, 'bigqueryQuery', { sql: 'SELECT payload FROM `sb-prod.analytics.huge`' });
    expect(over.code).toBe('POLICY_VIOLATION');
    expect(over.details).toMatchObject({
      rule: 'maximum-bytes-billed',
      bytesProcessed: 5 * 1024 ** 4,
      estimatedCostUsd: 31.25,
      maximumBytesBilled: 1024 ** 3,
    });
    const lower = await fails(reader, 'bigqueryQuery', {
      sql: 'SELECT * FROM `sb-prod.analytics.events`',
      maximumBytesBilled: 1000,
    });
    expect(lower.details).toMatchObject({ maximumBytesBilled: 1000 });
    expect(gcp.bigquery.jobs.size).toBe(jobs);
  });

  test('tables outside the dataset allowlist and statements other than SELECT are refused after the dry run', async () => {
    const jobs = gcp.bigquery.jobs.size;
    expect((await fails(reader, 'bigqueryQuery', { sql: 'SELECT name FROM `sb-prod.hr.salaries`' })).message).toContain(
      'CLOUD_BIGQUERY_DATASETS',
    );
    expect(
      (await fails(reader, 'bigqueryQuery', { sql: 'DELETE FROM `sb-prod.analytics.events` WHERE true' })).message,
    ).toContain('only SELECT');
    expect(gcp.bigquery.jobs.size).toBe(jobs);
  });

  test("bigqueryLoadTable loads from Cloud Storage; truncation asks first; failures carry the job's reason", async () => {
    const loaded = await ok(writer, 'bigqueryLoadTable', {
      dataset: 'analytics',
      table: 'clicks',
      sourceUris: ['gs://sb-data/events/*.json'],
    });
    expect(loaded).toMatchObject({
      state: 'DONE',
      outputRows: 2,
      inputFiles: 1,
      approval: 'not_required',
      target: { project: GCP_PROJECT, region: 'us' },
    });
    const rows = await ok(reader, 'bigqueryQuery', { sql: 'SELECT user, clicks FROM analytics.clicks' });
    expect(rows.rows).toEqual([
      { user: 'ann', clicks: 3 },
      { user: 'bob', clicks: 5 },
    ]);
    const before = elicit.prompts.length;
    await ok(writer, 'bigqueryLoadTable', {
      dataset: 'analytics',
      table: 'clicks',
      sourceUris: ['gs://sb-data/events/part-1.json'],
      writeDisposition: 'WRITE_TRUNCATE',
    });
    expect(elicit.prompts.length).toBe(before + 1);
    expect(elicit.prompts.at(-1)).toContain('REPLACE all rows of sb-prod.analytics.clicks');
    const empty = await fails(writer, 'bigqueryLoadTable', {
      dataset: 'analytics',
      table: 'clicks',
      sourceUris: ['gs://sb-data/events/part-1.json'],
      writeDisposition: 'WRITE_EMPTY',
    });
    expect(empty).toMatchObject({ code: 'CONFLICT', details: { reason: 'duplicate' } });
    expect(empty.message).toContain('Already Exists: Table sb-prod:analytics.clicks');
    expect(
      (
        await fails(writer, 'bigqueryLoadTable', {
          dataset: 'analytics',
          table: 'clicks',
          sourceUris: ['gs://sb-data/none/*.json'],
        })
      ).code,
    ).toBe('NOT_FOUND');
    expect(
      (await fails(writer, 'bigqueryLoadTable', { dataset: 'analytics', table: 'x', sourceUris: ['gs://secret-bucket/a.json'] }))
        .code,
    ).toBe('POLICY_VIOLATION');
    expect(
      (await fails(writer, 'bigqueryLoadTable', { dataset: 'hr', table: 'x', sourceUris: ['gs://sb-data/a.json'] })).code,
    ).toBe('POLICY_VIOLATION');
  });
});

describe('Cloud Functions (v2 REST, long-running operations)', () => {
  test('functionsList shows allowed prefixes', async () => {
    const out = await ok(reader, 'functionsList', {});
    expect(out.items.map((f: { name: string }) => f.name)).toEqual(['ops-hello', 'ops-report']);
    expect(out.items[0]).toMatchObject({
      state: 'ACTIVE',
      environment: 'GEN_2',
      runtime: 'nodejs22',
      url: `${gcp.url}/run/${GCP_PROJECT}/us-central1/ops-hello`,
    });
  });

  test('functionsDeploy creates without asking, replaces after approval, and reports a failed build', async () => {
    const source = { bucket: 'fn-sources', object: 'ops-hello-v2.zip' };
    const created = await ok(writer, 'functionsDeploy', { name: 'ops-new', runtime: 'python312', entryPoint: 'main', source });
    expect(created).toMatchObject({
      created: true,
      approval: 'not_required',
      function: { name: 'ops-new', state: 'ACTIVE', runtime: 'python312' },
    });
    const before = elicit.prompts.length;
    const replaced = await ok(writer, 'functionsDeploy', {
      name: 'ops-hello',
      runtime: 'nodejs22',
      entryPoint: 'handler2',
      source,
      memory: '512Mi',
    });
    expect(replaced).toMatchObject({ created: false, approval: 'accepted', function: { entryPoint: 'handler2' } });
    expect(elicit.prompts.length).toBe(before + 1);
    const failed = await fails(writer, 'functionsDeploy', {
      name: 'ops-broken',
      runtime: 'nodejs22',
      entryPoint: 'h',
      source: { bucket: 'fn-sources', object: 'missing.zip' },
    });
    expect(failed.code).toBe('INVALID_ARGUMENT');
    expect(failed.message).toContain('Build failed');
    expect(
      (await fails(writer, 'functionsDeploy', { name: 'billing-sync', runtime: 'nodejs22', entryPoint: 'h', source })).code,
    ).toBe('POLICY_VIOLATION');
  });

  test('functionsInvoke needs credentials that can mint an ID token; a static access token cannot', async () => {
    const error = await fails(writer, 'functionsInvoke', { name: 'ops-hello', data: { a: 1 } });
    expect(error.code).toBe('UNSUPPORTED');
  });
});

describe('provider errors, mapped', () => {
  test('429 with Retry-After becomes RATE_LIMITED; 403 PERMISSION_DENIED; a wrong token is refused', async () => {
    gcp.inject({
      prefix: '/storage/v1',
      status: 429,
      reason: 'rateLimitExceeded',
      message: 'The rate of change requests to the object is too high',
      headers: { 'retry-after': '12' },
    });
    expect(await fails(reader, 'gcsListBuckets', {})).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      details: { retryAfterSeconds: 12 },
    });
    gcp.inject({
      prefix: '/compute/v1',
      status: 403,
      reason: 'forbidden',
      message: "Required 'compute.instances.list' permission for 'projects/sb-prod'",
    });
    const denied = await fails(reader, 'computeListInstances', {});
    expect(denied).toMatchObject({ code: 'PERMISSION_DENIED', details: { action: 'compute.instances.list' } });
    expect(denied.message).toContain("Required 'compute.instances.list' permission");
    const wrong = await connectCloud(gcpConfig(gcp, { gcpAccessToken: 'ya29.wrong-token-000000000000' }));
    try {
      const error = structured(await wrong.callTool({ name: 'bigqueryListDatasets', arguments: {} })).error;
      expect(error).toMatchObject({ code: 'PERMISSION_DENIED', details: { httpStatus: 401 } });
    } finally {
      await wrong.close();
    }
  });

  test('every API request carried the configured token, and it never appears in a result or log', () => {
    expect(
      gcp.requests
        .filter((r) => !r.path.startsWith('/upload/') || r.method === 'POST')
        .every((r) => r.token === GCP_TOKEN || r.token === 'ya29.wrong-token-000000000000'),
    ).toBe(true);
    expect(outputs.length).toBeGreaterThan(40);
    for (const text of [...outputs, ...logs]) expect(text).not.toContain(GCP_TOKEN);
  });
});
