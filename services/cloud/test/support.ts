import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectInMemory, type TestClient } from '@switchboard/shared/testing';
import { cloudService } from '../src/service.ts';
import { putSamples } from './fixtures/aws/cloudwatch.ts';
import { addFunction } from './fixtures/aws/lambda.ts';
import { type AwsFixture, startAwsFixture } from './fixtures/aws/server.ts';
import { addDataset, addTable } from './fixtures/gcp/bigquery.ts';
import { addVm } from './fixtures/gcp/compute.ts';
import { addCloudFunction } from './fixtures/gcp/functions.ts';
import { type GcpFixture, startGcpFixture } from './fixtures/gcp/server.ts';
import { addBucket, putObject } from './fixtures/gcp/storage.ts';
import type { S3Emulator } from './fixtures/s3/s3-emulator.ts';
import { addWebInstances, FIXTURE_KEY } from './targets/aws-fixture-target.ts';

/** The test account's key, known to the AWS fixture and to s3rver, which both verify SigV4 signatures made with it. */
export const AWS_KEY = FIXTURE_KEY;

export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Where the kit keeps idempotency records during a test file (made on first use, removed after the file). */
let data: { path: string; cleanup(): void } | undefined;
function dataDir(): string {
  data ??= tempDir('cloud-data-');
  return data.path;
}
afterAll(() => data?.cleanup());

export type { S3Emulator };

export interface Elicitations {
  prompts: string[];
  answer: 'accept' | 'decline' | 'cancel';
}

/** Connects an in-memory client; with `elicit`, the client can answer approval prompts. */
export async function connectCloud(config: Record<string, unknown>, elicit?: Elicitations, logs?: string[]): Promise<TestClient> {
  return connectInMemory(cloudService, {
    config,
    ...(logs ? { logDestination: { write: (line: string) => void logs.push(line) } } : {}),
    ...(elicit
      ? {
          capabilities: { elicitation: {} },
          beforeConnect: (client: Client) =>
            client.setRequestHandler(ElicitRequestSchema, async (request) => {
              elicit.prompts.push(request.params.message);
              return elicit.answer === 'accept' ? { action: 'accept', content: { approve: true } } : { action: elicit.answer };
            }),
        }
      : {}),
  });
}

export function structured<T = Record<string, any>>(result: unknown): T {
  return (result as { structuredContent: T }).structuredContent;
}

/** An AWS fixture seeded with instances, functions, metrics, alarms and log events. */
export async function seededAwsFixture(): Promise<AwsFixture> {
  const aws = await startAwsFixture({ credentials: { [AWS_KEY.accessKeyId]: { secret: AWS_KEY.secret } } });
  aws.ec2.images.add('ami-0abcdef1234567890');
  addWebInstances(aws.ec2);
  addFunction(aws.lambda, 'ops-echo', (event) => ({ echoed: event }), aws.account, 'us-east-1');
  addFunction(
    aws.lambda,
    'ops-fail',
    () => {
      throw new TypeError('boom: cannot read properties of undefined');
    },
    aws.account,
    'us-east-1',
  );
  addFunction(aws.lambda, 'billing-report', () => ({ ok: true }), aws.account, 'us-east-1');
  const base = Date.UTC(2026, 10, 30, 12, 0, 0);
  putSamples(
    aws.cloudwatch,
    'AWS/EC2',
    'CPUUtilization',
    [{ Name: 'InstanceId', Value: 'i-00000000000000001' }],
    Array.from({ length: 60 }, (_, i) => ({ t: new Date(base + i * 60_000), v: i % 10 })),
  );
  aws.cloudwatch.alarms.push(
    {
      AlarmName: 'web-cpu-high',
      StateValue: 'ALARM',
      StateReason: 'Threshold Crossed: 1 datapoint [91.0] was greater than the threshold (80.0).',
      Namespace: 'AWS/EC2',
      MetricName: 'CPUUtilization',
      Threshold: 80,
      ComparisonOperator: 'GreaterThanThreshold',
      StateUpdatedTimestamp: new Date(base),
      ActionsEnabled: true,
    },
    {
      AlarmName: 'web-disk',
      StateValue: 'OK',
      StateReason: 'ok',
      Namespace: 'CWAgent',
      MetricName: 'disk_used_percent',
      Threshold: 90,
      ComparisonOperator: 'GreaterThanThreshold',
      StateUpdatedTimestamp: new Date(base),
      ActionsEnabled: true,
    },
    {
      AlarmName: 'db-connections',
      StateValue: 'ALARM',
      StateReason: 'too many',
      Namespace: 'AWS/RDS',
      MetricName: 'DatabaseConnections',
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
      StateUpdatedTimestamp: new Date(base),
      ActionsEnabled: false,
    },
  );
  aws.logs.groups.set('/app/web', [
    { timestamp: base + 1000, message: 'INFO request served' },
    { timestamp: base + 2000, message: 'ERROR database timeout' },
    { timestamp: base + 3000, message: 'ERROR upstream 502' },
    { timestamp: base + 4000, message: 'INFO healthy' },
  ]);
  return aws;
}

/** Configuration pointing the service at the fixtures. */
export function awsConfig(aws: AwsFixture, s3: S3Emulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    awsEndpoint: aws.url,
    awsS3Endpoint: s3.url,
    awsS3ForcePathStyle: true,
    awsAccessKeyId: AWS_KEY.accessKeyId,
    awsSecretAccessKey: AWS_KEY.secret,
    maxAttempts: 1,
    dataDir: dataDir(),
    gcpProject: 'unused-project',
    gcpAccessToken: 'unused-token-0000000000',
    ...extra,
  };
}

export const GCP_TOKEN = 'ya29.static-fixture-token-do-not-leak-42';
export const GCP_PROJECT = 'sb-prod';

/** A GCP fixture seeded with buckets, VMs, datasets and functions. */
export async function seededGcpFixture(): Promise<GcpFixture> {
  const gcp = await startGcpFixture({ project: GCP_PROJECT, tokens: [GCP_TOKEN] });
  for (const name of ['sb-data', 'sb-backups', 'secret-bucket', 'fn-sources']) addBucket(gcp.storage, name);
  for (let i = 0; i < 5; i++)
    putObject(gcp.storage, 'sb-data', `reports/2026-11-0${i}.csv`, Buffer.from(`day,${i}\n`), 'text/csv');
  putObject(
    gcp.storage,
    'sb-data',
    'events/part-1.json',
    Buffer.from('{"user":"ann","clicks":3}\n{"user":"bob","clicks":5}\n'),
    'application/json',
  );
  putObject(gcp.storage, 'fn-sources', 'ops-hello-v2.zip', Buffer.from('PK\x03\x04zip'), 'application/zip');
  for (let i = 0; i < 6; i++)
    addVm(gcp.compute, GCP_PROJECT, 'us-central1-a', `vm-${i}`, i % 2 ? 'TERMINATED' : 'RUNNING', {
      env: i < 3 ? 'prod' : 'dev',
    });
  addVm(gcp.compute, GCP_PROJECT, 'europe-west1-b', 'eu-vm', 'RUNNING');
  addDataset(gcp.bigquery, GCP_PROJECT, 'analytics');
  addDataset(gcp.bigquery, GCP_PROJECT, 'hr');
  addTable(
    gcp.bigquery,
    GCP_PROJECT,
    'analytics',
    'events',
    [
      { name: 'user', type: 'STRING' },
      { name: 'clicks', type: 'INTEGER' },
      { name: 'country', type: 'STRING' },
      { name: 'at', type: 'TIMESTAMP' },
    ],
    Array.from({ length: 120 }, (_, i) => ({
      user: `user-${String(i).padStart(3, '0')}`,
      clicks: i,
      country: i % 2 ? 'DE' : 'FR',
      at: '2026-11-30T12:00:00Z',
    })),
    1000,
  );
  addTable(
    gcp.bigquery,
    GCP_PROJECT,
    'analytics',
    'huge',
    [{ name: 'payload', type: 'STRING' }],
    [{ payload: 'x' }],
    5 * 1024 ** 4,
  );
  addTable(gcp.bigquery, GCP_PROJECT, 'hr', 'salaries', [{ name: 'name', type: 'STRING' }], [{ name: 'ann' }]);
  for (const id of ['ops-hello', 'ops-report', 'billing-sync'])
    addCloudFunction(gcp.functions, gcp.url, GCP_PROJECT, 'us-central1', id);
  return gcp;
}
