import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { TestClient } from '@switchboard/shared/testing';
import { connectCloud, structured, tempDir } from './support.ts';

/**
 * The tool flows against real accounts, through the SDKs' default credential chains and real endpoints. Skipped
 * unless SWITCHBOARD_TEST_AWS=1 / SWITCHBOARD_TEST_GCP=1 (and the scratch bucket named below). Objects are written
 * under a random prefix and deleted again; nothing else is changed.
 */
const env = process.env;
const aws = env.SWITCHBOARD_TEST_AWS === '1' ? describe : describe.skip;
const gcp = env.SWITCHBOARD_TEST_GCP === '1' ? describe : describe.skip;
const run = randomBytes(4).toString('hex');

async function ok(c: TestClient, name: string, args: Record<string, unknown>) {
  const result = await c.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent)}`);
  return structured(result);
}

aws('live AWS (SWITCHBOARD_TEST_AWS=1, SWITCHBOARD_TEST_AWS_BUCKET, region from SWITCHBOARD_TEST_AWS_REGION)', () => {
  const bucket = env.SWITCHBOARD_TEST_AWS_BUCKET ?? '';
  const region = env.SWITCHBOARD_TEST_AWS_REGION ?? 'us-east-1';
  let data: { path: string; cleanup(): void };
  let client: TestClient;
  beforeAll(async () => {
    data = tempDir('cloud-live-aws-');
    if (!bucket) throw new Error('set SWITCHBOARD_TEST_AWS_BUCKET to a scratch bucket');
    client = await connectCloud({
      mode: 'write',
      approvalMode: 'auto',
      awsRegion: region,
      s3Buckets: [bucket],
      dataDir: data.path,
      gcpProject: 'unused',
      gcpAccessToken: 'unused-token-0000000000',
    });
  });
  afterAll(async () => {
    await client?.close();
    data?.cleanup();
  });

  test('S3 round trip: put, list, read, presigned GET, delete', async () => {
    const key = `switchboard-live/${run}/hello.txt`;
    const put = await ok(client, 's3PutObject', { bucket, key, content: `hello ${run}`, contentType: 'text/plain' });
    expect(put.target).toMatchObject({ provider: 'aws', region });
    expect(put.target.account).toMatch(/^\d{12}$/);
    const listed = await ok(client, 's3ListObjects', { bucket, prefix: `switchboard-live/${run}/` });
    expect(listed.items.map((o: { key: string }) => o.key)).toEqual([key]);
    expect(await ok(client, 's3GetObject', { bucket, key })).toMatchObject({ text: `hello ${run}` });
    const url = (await ok(client, 's3GetObject', { bucket, key, mode: 'url' })).url as string;
    expect(await (await fetch(url)).text()).toBe(`hello ${run}`);
    expect(await ok(client, 's3DeleteObject', { bucket, key })).toMatchObject({ deleted: true });
  });

  test('read-only listings: EC2, Lambda, CloudWatch alarms and a metric', async () => {
    expect((await ok(client, 'ec2ListInstances', { limit: 5 })).count).toBeGreaterThanOrEqual(0);
    expect((await ok(client, 'lambdaListFunctions', { limit: 5 })).count).toBeGreaterThanOrEqual(0);
    expect((await ok(client, 'cloudwatchListAlarms', { limit: 5 })).count).toBeGreaterThanOrEqual(0);
    const metric = await ok(client, 'cloudwatchGetMetricData', {
      namespace: 'AWS/S3',
      metricName: 'NumberOfObjects',
      dimensions: [
        { name: 'BucketName', value: bucket },
        { name: 'StorageType', value: 'AllStorageTypes' },
      ],
      stat: 'Average',
      period: 86400,
      startTime: new Date(Date.now() - 7 * 86400_000).toISOString(),
    });
    expect(metric.count).toBeGreaterThanOrEqual(0);
  });

  (env.SWITCHBOARD_TEST_AWS_LOG_GROUP ? test : test.skip)('Logs Insights query (SWITCHBOARD_TEST_AWS_LOG_GROUP)', async () => {
    const out = await ok(client, 'cloudwatchQueryLogs', {
      logGroupNames: [env.SWITCHBOARD_TEST_AWS_LOG_GROUP],
      queryString: 'fields @timestamp, @message | sort @timestamp desc | limit 5',
    });
    expect(out.status).toBe('Complete');
  });
});

gcp('live GCP (SWITCHBOARD_TEST_GCP=1, SWITCHBOARD_TEST_GCP_PROJECT, SWITCHBOARD_TEST_GCS_BUCKET; ADC credentials)', () => {
  const project = env.SWITCHBOARD_TEST_GCP_PROJECT ?? '';
  const bucket = env.SWITCHBOARD_TEST_GCS_BUCKET ?? '';
  let data: { path: string; cleanup(): void };
  let client: TestClient;
  beforeAll(async () => {
    data = tempDir('cloud-live-gcp-');
    if (!project || !bucket) throw new Error('set SWITCHBOARD_TEST_GCP_PROJECT and SWITCHBOARD_TEST_GCS_BUCKET');
    client = await connectCloud({
      mode: 'write',
      approvalMode: 'auto',
      gcpProject: project,
      gcsBuckets: [bucket],
      gcpZone: env.SWITCHBOARD_TEST_GCP_ZONE ?? 'us-central1-a',
      gcpRegion: (env.SWITCHBOARD_TEST_GCP_ZONE ?? 'us-central1-a').replace(/-[a-z]$/, ''),
      dataDir: data.path,
    });
  });
  afterAll(async () => {
    await client?.close();
    data?.cleanup();
  });

  test('Cloud Storage round trip: resumable write, list, read, delete', async () => {
    const object = `switchboard-live/${run}/hello.txt`;
    expect(await ok(client, 'gcsWriteObject', { bucket, object, content: `hello ${run}` })).toMatchObject({
      target: { project },
    });
    expect((await ok(client, 'gcsListObjects', { bucket, prefix: `switchboard-live/${run}/` })).items).toHaveLength(1);
    expect(await ok(client, 'gcsReadObject', { bucket, object })).toMatchObject({ text: `hello ${run}` });
    expect(await ok(client, 'gcsDeleteObject', { bucket, object })).toMatchObject({ deleted: true });
  });

  test('BigQuery dry run and a capped query on a public dataset; Compute and Functions listings', async () => {
    const sql =
      'SELECT word, word_count FROM `bigquery-public-data.samples.shakespeare` WHERE corpus = @c ORDER BY word_count DESC LIMIT 5';
    const dry = await ok(client, 'bigqueryQuery', { sql, params: { c: 'hamlet' }, dryRun: true });
    expect(dry.bytesProcessed).toBeGreaterThan(0);
    expect((await ok(client, 'bigqueryQuery', { sql, params: { c: 'hamlet' } })).rows).toHaveLength(5);
    expect((await ok(client, 'computeListInstances', { limit: 5 })).count).toBeGreaterThanOrEqual(0);
    expect((await ok(client, 'functionsList', { limit: 5 })).count).toBeGreaterThanOrEqual(0);
  });
});
