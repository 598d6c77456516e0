/**
 * The GCP integration suite. One suite, two targets (test/targets/gcp-*.ts):
 * - default (CI): the local Google API fixture (test/fixtures/gcp) with a static access token;
 * - SWITCHBOARD_TEST_GCP=1: a real project through Application Default Credentials and real endpoints, on scratch
 *   resources named below, under a run-unique prefix; everything the run creates is removed in afterAll.
 *
 * Live variables (gcp-settings.ts reads them and names every missing one in a single error):
 * - SWITCHBOARD_TEST_GCP=1, SWITCHBOARD_TEST_GCP_PROJECT, SWITCHBOARD_TEST_GCS_BUCKET (an existing scratch bucket):
 *   required; with them every test runs except the gated ones below. The run writes objects under
 *   switchboard-test/<run>/ in the bucket and makes two BigQuery datasets sbt_<run> and sbt_<run>_hr (load jobs and
 *   dry runs only, no streaming inserts), and deletes them again.
 * - SWITCHBOARD_TEST_GCP_ZONE (default us-central1-a), SWITCHBOARD_TEST_GCP_BIGQUERY_LOCATION (default US),
 *   SWITCHBOARD_TEST_GCP_BIG_TABLE (default bigquery-public-data.samples.wikipedia, over 1 GiB; dry-run only),
 *   SWITCHBOARD_TEST_GCP_FUNCTION_PREFIX (default sbt-).
 * - SWITCHBOARD_TEST_GCP_INSTANCE: a stopped scratch VM in the zone; enables start/stop (left stopped).
 * - SWITCHBOARD_TEST_GCP_FUNCTION: an existing HTTP function (2nd gen, name with the prefix) in the region; enables
 *   its listing check, the static-token invoke refusal, and the invoke through ADC (which needs credentials that can
 *   mint an ID token: a service account key, the metadata server or impersonation; gcloud user credentials cannot).
 * - SWITCHBOARD_TEST_GCP_FUNCTIONS_DEPLOY=1: enables the deploy test (Cloud Build, minutes; the function
 *   <prefix><run> is deployed, replaced and deleted).
 * Fixture-only (onFixture): request counters ("refused before any request", "no job ran", "every request carried the
 * token"), injected 429/403 faults, the fixture's exact byte counts, and the check that cleanup left nothing behind.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { TestClient } from '@switchboard/shared/testing';
import { connectCloud, type Elicitations, structured, tempDir } from './support.ts';
import { FIXTURE_SETTINGS, fixtureGcpTarget } from './targets/gcp-fixture-target.ts';
import { settingsFromEnv } from './targets/gcp-settings.ts';
import { buildGcpTarget, type GcpTarget } from './targets/gcp-target.ts';

const live = process.env.SWITCHBOARD_TEST_GCP === '1';
const settings = live ? settingsFromEnv(process.env) : FIXTURE_SETTINGS;
const onFixture = live ? test.skip : test;
const withInstance = settings.instance ? test : test.skip;
const withFunction = settings.function ? test : test.skip;
const withDeploy = settings.deployFunctions ? test : test.skip;
const liveWithFunction = live && settings.function ? test : test.skip;
/** Real operations (VM start, deployments, load jobs) take minutes; the fixture answers at once. */
const SLOW = live ? 15 * 60_000 : 30_000;
if (live) jest.setTimeout(SLOW);
const TIB = 1024 ** 4;
const GIB = 1024 ** 3;

let target: GcpTarget;
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
/** Every item over all pages, and how many pages it took. */
async function allPages<T>(c: TestClient, name: string, args: Record<string, unknown>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await ok(c, name, { ...args, ...(cursor ? { cursor } : {}) });
    items.push(...(page.items as T[]));
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor);
  return { items, pages };
}
const names = (items: { name: string }[]) => items.map((i) => i.name);
const jobCount = () => target.fixture?.bigquery.jobs.size;

describe('live settings (SWITCHBOARD_TEST_GCP_*)', () => {
  test('settingsFromEnv names every missing or malformed variable in one error, and fills in the defaults', () => {
    let message = '';
    try {
      settingsFromEnv({ SWITCHBOARD_TEST_GCP: '1', SWITCHBOARD_TEST_GCP_ZONE: 'central', SWITCHBOARD_TEST_GCP_FUNCTION: 'x' });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of [
      'SWITCHBOARD_TEST_GCP_PROJECT',
      'SWITCHBOARD_TEST_GCS_BUCKET',
      'SWITCHBOARD_TEST_GCP_ZONE',
      'SWITCHBOARD_TEST_GCP_FUNCTION',
    ])
      expect(message).toContain(name);
    expect(settingsFromEnv({ SWITCHBOARD_TEST_GCP_PROJECT: 'p-1', SWITCHBOARD_TEST_GCS_BUCKET: 'b-1' })).toEqual({
      project: 'p-1',
      bucket: 'b-1',
      zone: 'us-central1-a',
      region: 'us-central1',
      bigqueryLocation: 'US',
      bigTable: 'bigquery-public-data.samples.wikipedia',
      functionPrefix: 'sbt-',
      deployFunctions: false,
    });
    expect(
      settingsFromEnv({
        SWITCHBOARD_TEST_GCP_PROJECT: 'p-1',
        SWITCHBOARD_TEST_GCS_BUCKET: 'b-1',
        SWITCHBOARD_TEST_GCP_ZONE: 'europe-west4-c',
        SWITCHBOARD_TEST_GCP_INSTANCE: 'scratch-vm',
        SWITCHBOARD_TEST_GCP_FUNCTION: 'sbt-echo',
        SWITCHBOARD_TEST_GCP_FUNCTIONS_DEPLOY: '1',
      }),
    ).toMatchObject({ region: 'europe-west4', instance: 'scratch-vm', function: 'sbt-echo', deployFunctions: true });
  });
});

beforeAll(async () => {
  target = live ? await buildGcpTarget(settings, {}) : await fixtureGcpTarget();
  const base = target.config({ fileRoots: [dir.path], maxTextBytes: 1024 });
  writer = await connectCloud({ ...base, mode: 'write' }, elicit, logs);
  reader = await connectCloud(base, undefined, logs);
  noPrompt = await connectCloud({ ...base, mode: 'write' }, undefined, logs);
}, SLOW);

afterAll(async () => {
  await Promise.all([writer?.close(), reader?.close(), noPrompt?.close()]);
  dir.cleanup();
  if (!target) return;
  await target.cleanup();
  const fixture = target.fixture;
  if (fixture) {
    // What cleanup did through the SDK clients, seen from the fixture: nothing of the run is left.
    const objects = [...(fixture.storage.buckets.get(target.bucket)?.objects.keys() ?? [])];
    expect(objects.filter((o) => o.startsWith(target.prefix))).toEqual([]);
    expect([...fixture.bigquery.datasets.keys()].filter((d) => d.includes(target.run))).toEqual([]);
    expect([...fixture.functions.functions.keys()].filter((f) => f.includes(target.run))).toEqual([]);
    expect(fixture.compute.zones.get(`${target.project}/${target.zone}`)?.get(target.instance ?? '')?.status).toBe('TERMINATED');
  }
}, SLOW);

describe('read-only by default', () => {
  test('GCP mutations are hidden and refused without CLOUD_MODE=write', async () => {
    const tools = (await reader.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['gcsListObjects', 'computeListInstances', 'bigqueryQuery', 'functionsList']));
    for (const hidden of [
      'gcsWriteObject',
      'gcsDeleteObject',
      'computeStartInstance',
      'computeStopInstance',
      'bigqueryLoadTable',
      'functionsInvoke',
      'functionsDeploy',
    ]) {
      expect(tools).not.toContain(hidden);
    }
    expect((await fails(reader, 'computeStopInstance', { instance: target.instance ?? 'sbt-none' })).code).toBe('READ_ONLY');
  });
});

describe('Cloud Storage (JSON API, resumable uploads)', () => {
  test('buckets and objects are listed within the allowlist, paged with pageToken', async () => {
    const buckets = await allPages<{ name: string }>(reader, 'gcsListBuckets', {});
    expect(names(buckets.items)).toEqual([target.bucket]);
    const paged = await allPages<{ name: string }>(reader, 'gcsListObjects', {
      bucket: target.bucket,
      prefix: target.dataPrefix,
      limit: 4,
    });
    expect(names(paged.items)).toEqual(target.dataObjects);
    expect(paged.pages).toBe(2);
    const folders = await ok(reader, 'gcsListObjects', { bucket: target.bucket, prefix: target.dataPrefix, delimiter: '/' });
    expect(folders.items).toEqual([
      { name: `${target.dataPrefix}events/`, type: 'prefix' },
      { name: `${target.dataPrefix}reports/`, type: 'prefix' },
    ]);
  });

  test('a bucket off the allowlist is refused before any request', async () => {
    const before = target.fixture?.requests.length;
    const denied = target.deniedBucket;
    for (const [tool, args] of [
      ['gcsListObjects', { bucket: denied }],
      ['gcsReadObject', { bucket: denied, object: 'x' }],
      ['gcsWriteObject', { bucket: denied, object: 'x', content: 'y' }],
      ['gcsDeleteObject', { bucket: denied, object: 'x' }],
    ] as const) {
      expect((await fails(writer, tool, args)).code).toBe('POLICY_VIOLATION');
    }
    if (target.fixture) expect(target.fixture.requests.length).toBe(before);
  });

  test('gcsWriteObject creates with a precondition, refuses a silent overwrite, and overwrites after approval', async () => {
    const { bucket, project, bucketRegion } = target;
    const object = `${target.prefix}db/2026-12-01.sql`;
    const created = await ok(writer, 'gcsWriteObject', {
      bucket,
      object,
      content: 'CREATE TABLE a();',
      contentType: 'application/sql',
    });
    expect(created).toMatchObject({
      size: 17,
      overwrote: false,
      approval: 'not_required',
      target: { provider: 'gcp', project, region: bucketRegion },
    });
    expect(created.crc32c).toEqual(expect.any(String));
    expect((await fails(writer, 'gcsWriteObject', { bucket, object, content: 'x' })).code).toBe('CONFLICT');
    const before = elicit.prompts.length;
    const replaced = await ok(writer, 'gcsWriteObject', { bucket, object, content: 'CREATE TABLE b();', overwrite: true });
    expect(replaced).toMatchObject({ overwrote: true, approval: 'accepted' });
    expect(Number(replaced.generation)).toBeGreaterThan(Number(created.generation));
    expect(elicit.prompts.length).toBe(before + 1);
    expect(elicit.prompts.at(-1)).toContain(`project ${project}, region ${bucketRegion}`);
    expect(elicit.prompts.at(-1)).toContain(`overwrite generation ${created.generation} of gs://${bucket}/${object}`);
    expect(await ok(reader, 'gcsReadObject', { bucket, object })).toMatchObject({ text: 'CREATE TABLE b();' });
    writeFileSync(join(dir.path, 'big.bin'), Buffer.alloc(3000, 7));
    const fromFile = await ok(writer, 'gcsWriteObject', {
      bucket,
      object: `${target.prefix}big.bin`,
      file: join(dir.path, 'big.bin'),
    });
    expect(fromFile.size).toBe(3000);
    const [stored] = await target.sdk.storage.bucket(bucket).file(`${target.prefix}big.bin`).download();
    expect(stored).toEqual(Buffer.alloc(3000, 7));
  });

  test('gcsReadObject: text under the cap; over it, a signed URL or the URI and why not (an access token cannot sign)', async () => {
    const { bucket } = target;
    expect(await ok(reader, 'gcsReadObject', { bucket, object: `${target.dataPrefix}reports/2026-11-01.csv` })).toMatchObject({
      text: 'day,1\n',
      contentType: 'text/csv',
      size: 6,
    });
    const big = await ok(reader, 'gcsReadObject', { bucket, object: `${target.prefix}big.bin` });
    expect(big).toMatchObject({ uri: `gs://${bucket}/${target.prefix}big.bin`, size: 3000 });
    expect(big.text).toBeUndefined();
    if (big.url) {
      // Credentials that can sign (a service account) give a V4 URL that serves the bytes.
      expect(Buffer.from(await (await fetch(big.url)).arrayBuffer())).toEqual(Buffer.alloc(3000, 7));
    } else expect(big.reason).toContain('cannot sign');
    if (target.fixture) expect(big.url).toBeUndefined();
    expect((await fails(reader, 'gcsReadObject', { bucket, object: `${target.prefix}nope` })).code).toBe('NOT_FOUND');
  });

  test('gcsDeleteObject asks first and fails closed', async () => {
    const { bucket } = target;
    const object = `${target.prefix}big.bin`;
    const file = target.sdk.storage.bucket(bucket).file(object);
    expect((await fails(noPrompt, 'gcsDeleteObject', { bucket, object })).code).toBe('APPROVAL_REQUIRED');
    elicit.answer = 'cancel';
    expect((await fails(writer, 'gcsDeleteObject', { bucket, object })).code).toBe('APPROVAL_DENIED');
    elicit.answer = 'accept';
    expect((await file.exists())[0]).toBe(true);
    const deleted = await ok(writer, 'gcsDeleteObject', { bucket, object });
    expect(deleted).toMatchObject({ deleted: true, size: 3000, approval: 'accepted' });
    expect((await file.exists())[0]).toBe(false);
  });
});

describe('Compute Engine (REST)', () => {
  test('computeListInstances: compact rows, Compute filters, paging; zones outside the allowed regions refused', async () => {
    type Row = {
      name: string;
      status: string;
      zone: string;
      machineType?: string;
      internalIp?: string;
      labels?: Record<string, string>;
    };
    const all = await allPages<Row>(reader, 'computeListInstances', { limit: 500 });
    const paged = await allPages<Row>(reader, 'computeListInstances', { limit: 2 });
    // Paging yields every instance exactly once: the same set as one big page.
    expect(names(paged.items).sort()).toEqual(names(all.items).sort());
    expect(new Set(names(paged.items)).size).toBe(paged.items.length);
    if (all.items.length > 2) expect(paged.pages).toBeGreaterThan(1);
    for (const row of all.items) expect(row.zone).toBe(target.zone);
    const running = await allPages<Row>(reader, 'computeListInstances', { filter: 'status = RUNNING', limit: 500 });
    const others = await allPages<Row>(reader, 'computeListInstances', { filter: 'status != RUNNING', limit: 500 });
    for (const row of running.items) expect(row.status).toBe('RUNNING');
    for (const row of others.items) expect(row.status).not.toBe('RUNNING');
    expect([...names(running.items), ...names(others.items)].sort()).toEqual(names(all.items).sort());
    if (target.fixture) expect(running.items.length).toBeGreaterThan(0);
    if (target.instance) {
      const mine = await ok(reader, 'computeListInstances', { filter: `name = "${target.instance}"` });
      expect(names(mine.items)).toEqual([target.instance]);
      const row = mine.items[0] as Row;
      expect(row.machineType).toMatch(/^[a-z0-9-]+$/);
      expect(row.internalIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      for (const [key, value] of Object.entries(row.labels ?? {})) {
        const labelled = await allPages<Row>(reader, 'computeListInstances', {
          filter: `labels.${key} = "${value}"`,
          limit: 500,
        });
        expect(names(labelled.items)).toContain(target.instance);
        for (const r of labelled.items) expect(r.labels?.[key]).toBe(value);
      }
      if (target.fixture) expect(Object.keys(row.labels ?? {})).not.toHaveLength(0);
    }
    expect((await fails(reader, 'computeListInstances', { zone: target.otherZone })).code).toBe('POLICY_VIOLATION');
    expect((await fails(reader, 'computeListInstances', { project: target.otherProject })).code).toBe('POLICY_VIOLATION');
    const bad = await fails(reader, 'computeListInstances', { filter: 'status = RUNNING)' });
    expect(bad.code).toBe('INVALID_ARGUMENT');
    if (target.fixture) expect(bad.message).toContain('Invalid list filter expression');
  });

  const statusOf = async (name: string) =>
    ((await ok(reader, 'computeListInstances', { filter: `name = "${name}"` })).items[0] as { status: string }).status;

  withInstance(
    'start waits for the zone operation; the workflow key makes a retried call reuse it (SWITCHBOARD_TEST_GCP_INSTANCE)',
    async () => {
      const instance = target.instance as string;
      expect(await statusOf(instance)).toBe('TERMINATED');
      const meta = { 'io.switchboard/idempotency-key': `run-${target.run}:start-vm` };
      const started = await ok(writer, 'computeStartInstance', { instance }, meta);
      expect(started).toMatchObject({
        operation: { status: 'DONE' },
        approval: 'not_required',
        target: { project: target.project, zone: target.zone },
      });
      const again = await ok(writer, 'computeStartInstance', { instance }, meta);
      expect(again.operation.name).toBe(started.operation.name);
      expect(await statusOf(instance)).toBe('RUNNING');
    },
    SLOW,
  );

  withInstance(
    'stop asks a human naming project and zone, and leaves the VM stopped (SWITCHBOARD_TEST_GCP_INSTANCE)',
    async () => {
      const instance = target.instance as string;
      const stopped = await ok(writer, 'computeStopInstance', { instance });
      expect(stopped).toMatchObject({ approval: 'accepted', operation: { status: 'DONE' } });
      expect(elicit.prompts.at(-1)).toContain(`GCP project ${target.project}, zone ${target.zone}`);
      expect(await statusOf(instance)).toBe('TERMINATED');
    },
    SLOW,
  );

  test('stopping an instance that does not exist is NOT_FOUND', async () => {
    expect((await fails(writer, 'computeStopInstance', { instance: `sbt-missing-${target.run}` })).code).toBe('NOT_FOUND');
  });
});

describe('BigQuery (REST: jobs.insert with dryRun, getQueryResults paging)', () => {
  const events = () => `${target.project}.${target.dataset}.events`;

  test('datasets and tables within the allowlist', async () => {
    const datasets = await allPages(reader, 'bigqueryListDatasets', {});
    expect(datasets.items).toEqual([{ id: target.dataset, location: target.datasetLocation }]);
    const tables = await ok(reader, 'bigqueryListTables', { dataset: target.dataset });
    expect(tables.items.map((t: { id: string }) => t.id)).toEqual(target.tables);
    expect(tables.total).toBe(target.tables.length);
    expect((await fails(reader, 'bigqueryListTables', { dataset: target.deniedDataset })).code).toBe('POLICY_VIOLATION');
  });

  test(
    'a query is dry-run first, its cost reported, rows capped at 50 and paged; the job carries the byte cap',
    async () => {
      const sql = `SELECT * FROM \`${events()}\` ORDER BY user`;
      const dry = await ok(reader, 'bigqueryQuery', { sql, dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, statementType: 'SELECT', referencedTables: [events()], rows: [] });
      expect(dry.bytesProcessed).toBeGreaterThan(0);
      expect(dry.estimatedCostUsd).toBeCloseTo((dry.bytesProcessed / TIB) * 6.25, 5);
      const jobs = jobCount();
      const users: string[] = [];
      let page = await ok(reader, 'bigqueryQuery', { sql });
      expect(page).toMatchObject({
        count: 50,
        totalRows: 120,
        maximumBytesBilled: GIB,
        bytesProcessed: dry.bytesProcessed,
        schema: [
          { name: 'user', type: 'STRING' },
          { name: 'clicks', type: 'INTEGER' },
          { name: 'country', type: 'STRING' },
          { name: 'at', type: 'TIMESTAMP' },
        ],
      });
      expect(page.rows[0]).toMatchObject({ user: 'user-000', clicks: 0, country: 'FR' });
      const [job] = await target.sdk.bigquery.job(page.jobId, { location: page.location }).getMetadata();
      expect((job as { configuration: { query: { maximumBytesBilled?: string } } }).configuration.query.maximumBytesBilled).toBe(
        String(GIB),
      );
      users.push(...page.rows.map((r: { user: string }) => r.user));
      while (page.nextCursor) {
        page = await ok(reader, 'bigqueryQuery', { sql, cursor: page.nextCursor });
        users.push(...page.rows.map((r: { user: string }) => r.user));
      }
      expect(users).toEqual(Array.from({ length: 120 }, (_, i) => `user-${String(i).padStart(3, '0')}`));
      if (target.fixture) expect(jobCount()).toBe((jobs as number) + 1);
    },
    SLOW,
  );

  test("named parameters, and the provider's message for a bad query", async () => {
    const out = await ok(reader, 'bigqueryQuery', {
      sql: `SELECT user, clicks FROM ${target.dataset}.events WHERE country = @c ORDER BY clicks DESC LIMIT 3`,
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
    const jobs = jobCount();
    const over = await fails(reader, 'bigqueryQuery', { sql: `SELECT * FROM \`${target.bigTable}\`` });
    expect(over.code).toBe('POLICY_VIOLATION');
    expect(over.details).toMatchObject({ rule: 'maximum-bytes-billed', maximumBytesBilled: GIB });
    const bytes = over.details?.bytesProcessed as number;
    expect(bytes).toBeGreaterThan(GIB);
    expect(over.details?.estimatedCostUsd).toBeCloseTo((bytes / TIB) * 6.25, 5);
    if (target.fixture) expect(over.details).toMatchObject({ bytesProcessed: 5 * TIB, estimatedCostUsd: 31.25 });
    const lower = await fails(reader, 'bigqueryQuery', { sql: `SELECT * FROM \`${events()}\``, maximumBytesBilled: 1000 });
    expect(lower.details).toMatchObject({ rule: 'maximum-bytes-billed', maximumBytesBilled: 1000 });
    expect(lower.details?.bytesProcessed).toBeGreaterThan(1000);
    if (target.fixture) expect(jobCount()).toBe(jobs);
  });

  test('tables outside the dataset allowlist and statements other than SELECT are refused after the dry run', async () => {
    const jobs = jobCount();
    const denied = `${target.project}.${target.deniedDataset}.salaries`;
    expect((await fails(reader, 'bigqueryQuery', { sql: `SELECT name FROM \`${denied}\`` })).message).toContain(
      'CLOUD_BIGQUERY_DATASETS',
    );
    expect((await fails(reader, 'bigqueryQuery', { sql: `DELETE FROM \`${events()}\` WHERE true` })).message).toContain(
      'only SELECT',
    );
    if (target.fixture) expect(jobCount()).toBe(jobs);
  });

  test(
    "bigqueryLoadTable loads from Cloud Storage; truncation asks first; failures carry the job's reason",
    async () => {
      const { bucket, dataset, project } = target;
      const source = `gs://${bucket}/${target.dataPrefix}events/part-1.json`;
      const loaded = await ok(writer, 'bigqueryLoadTable', {
        dataset,
        table: 'clicks',
        sourceUris: [`gs://${bucket}/${target.dataPrefix}events/*.json`],
      });
      expect(loaded).toMatchObject({
        state: 'DONE',
        outputRows: 2,
        inputFiles: 1,
        approval: 'not_required',
        target: { project, region: target.datasetLocation.toLowerCase() },
      });
      const rows = await ok(reader, 'bigqueryQuery', { sql: `SELECT user, clicks FROM ${dataset}.clicks ORDER BY user` });
      expect(rows.rows).toEqual([
        { user: 'ann', clicks: 3 },
        { user: 'bob', clicks: 5 },
      ]);
      const before = elicit.prompts.length;
      await ok(writer, 'bigqueryLoadTable', {
        dataset,
        table: 'clicks',
        sourceUris: [source],
        writeDisposition: 'WRITE_TRUNCATE',
      });
      expect(elicit.prompts.length).toBe(before + 1);
      expect(elicit.prompts.at(-1)).toContain(`REPLACE all rows of ${project}.${dataset}.clicks`);
      const empty = await fails(writer, 'bigqueryLoadTable', {
        dataset,
        table: 'clicks',
        sourceUris: [source],
        writeDisposition: 'WRITE_EMPTY',
      });
      expect(empty).toMatchObject({ code: 'CONFLICT', details: { reason: 'duplicate' } });
      expect(empty.message).toContain(`Already Exists: Table ${project}:${dataset}.clicks`);
      expect(
        (
          await fails(writer, 'bigqueryLoadTable', {
            dataset,
            table: 'clicks',
            sourceUris: [`gs://${bucket}/${target.prefix}none/*.json`],
          })
        ).code,
      ).toBe('NOT_FOUND');
      expect(
        (await fails(writer, 'bigqueryLoadTable', { dataset, table: 'x', sourceUris: [`gs://${target.deniedBucket}/a.json`] }))
          .code,
      ).toBe('POLICY_VIOLATION');
      expect(
        (await fails(writer, 'bigqueryLoadTable', { dataset: target.deniedDataset, table: 'x', sourceUris: [source] })).code,
      ).toBe('POLICY_VIOLATION');
    },
    SLOW,
  );
});

describe('Cloud Functions (v2 REST, long-running operations)', () => {
  test('functionsList shows allowed prefixes only', async () => {
    type Row = { name: string; state?: string; environment?: string; url?: string };
    const { items } = await allPages<Row>(reader, 'functionsList', {});
    for (const name of names(items)) expect(name.startsWith(target.functionPrefix)).toBe(true);
    if (target.fixture) expect(target.fixture.functions.functions.size).toBeGreaterThan(items.length);
    if (target.function) {
      const mine = items.find((f) => f.name === target.function);
      expect(mine).toMatchObject({ state: 'ACTIVE', environment: 'GEN_2', url: expect.stringMatching(/^https?:\/\//) });
    }
  });

  withDeploy(
    'functionsDeploy creates without asking, replaces after approval, and reports a failed build (SWITCHBOARD_TEST_GCP_FUNCTIONS_DEPLOY=1)',
    async () => {
      const name = `${target.functionPrefix}${target.run}`;
      const source = target.functionSource;
      target.deployed.push(name);
      const created = await ok(writer, 'functionsDeploy', { name, runtime: 'nodejs22', entryPoint: 'handler', source });
      expect(created).toMatchObject({
        created: true,
        approval: 'not_required',
        target: { project: target.project, region: target.region },
        function: { name, state: 'ACTIVE', runtime: 'nodejs22', entryPoint: 'handler' },
      });
      const before = elicit.prompts.length;
      const replaced = await ok(writer, 'functionsDeploy', {
        name,
        runtime: 'nodejs22',
        entryPoint: 'handler2',
        source,
        memory: '512Mi',
      });
      expect(replaced).toMatchObject({ created: false, approval: 'accepted', function: { entryPoint: 'handler2' } });
      expect(elicit.prompts.length).toBe(before + 1);
      expect(elicit.prompts.at(-1)).toContain(`replace function ${name}`);
      const broken = `${name}-broken`;
      target.deployed.push(broken);
      const failed = await fails(writer, 'functionsDeploy', {
        name: broken,
        runtime: 'nodejs22',
        entryPoint: 'handler',
        source: { bucket: source.bucket, object: `${target.prefix}fn/missing.zip` },
      });
      // Live, Cloud Functions may refuse the missing source up front or fail the build; either is the caller's to fix.
      expect(['INVALID_ARGUMENT', 'NOT_FOUND', 'CONFLICT']).toContain(failed.code);
      if (target.fixture) expect(failed.message).toContain('Build failed');
      expect(
        (await fails(writer, 'functionsDeploy', { name: `billing-${target.run}`, runtime: 'nodejs22', entryPoint: 'h', source }))
          .code,
      ).toBe('POLICY_VIOLATION');
    },
    SLOW,
  );

  withFunction(
    'functionsInvoke needs credentials that can mint an ID token; a static access token cannot (SWITCHBOARD_TEST_GCP_FUNCTION)',
    async () => {
      const client = await connectCloud(
        target.config({ mode: 'write', approvalMode: 'auto', gcpAccessToken: await target.accessToken() }),
        undefined,
        logs,
      );
      try {
        expect((await fails(client, 'functionsInvoke', { name: target.function, data: { a: 1 } })).code).toBe('UNSUPPORTED');
      } finally {
        await client.close();
      }
    },
  );

  liveWithFunction(
    'functionsInvoke through ADC calls the function with an ID token (live: SWITCHBOARD_TEST_GCP_FUNCTION, service-account ADC)',
    async () => {
      const out = await ok(writer, 'functionsInvoke', { name: target.function, data: { run: target.run } });
      expect(out).toMatchObject({ name: target.function, status: 200, approval: 'not_required' });
      expect(out.bodyBytes).toBeGreaterThan(0);
    },
    SLOW,
  );
});

describe('provider errors, mapped', () => {
  onFixture('429 with Retry-After becomes RATE_LIMITED; 403 PERMISSION_DENIED (injected faults)', async () => {
    const fixture = target.fixture;
    if (!fixture) throw new Error('fixture only');
    fixture.inject({
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
    fixture.inject({
      prefix: '/compute/v1',
      status: 403,
      reason: 'forbidden',
      message: `Required 'compute.instances.list' permission for 'projects/${target.project}'`,
    });
    const denied = await fails(reader, 'computeListInstances', {});
    expect(denied).toMatchObject({ code: 'PERMISSION_DENIED', details: { action: 'compute.instances.list' } });
    expect(denied.message).toContain("Required 'compute.instances.list' permission");
  });

  test('a wrong access token is refused by Google as PERMISSION_DENIED (401)', async () => {
    const wrong = await connectCloud(target.config({ gcpAccessToken: 'ya29.wrong-token-000000000000' }));
    try {
      const error = structured(await wrong.callTool({ name: 'bigqueryListDatasets', arguments: {} })).error;
      expect(error).toMatchObject({ code: 'PERMISSION_DENIED', details: { httpStatus: 401 } });
    } finally {
      await wrong.close();
    }
  });

  onFixture('every API request carried the configured token (request log)', async () => {
    const token = await target.accessToken();
    const requests = target.fixture?.requests ?? [];
    expect(requests.length).toBeGreaterThan(40);
    expect(
      requests
        .filter((r) => !r.path.startsWith('/upload/') || r.method === 'POST')
        .every((r) => r.token === token || r.token === 'ya29.wrong-token-000000000000'),
    ).toBe(true);
  });

  test('the credentials never appear in a result or log line', async () => {
    const secrets = await target.secrets();
    expect(secrets.length).toBeGreaterThan(0);
    expect(outputs.length).toBeGreaterThan(40);
    for (const text of [...outputs, ...logs]) for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
