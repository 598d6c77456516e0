import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { TestClient } from '@switchboard/shared/testing';
import type { AwsFixture } from './fixtures/aws/server.ts';
import {
  AWS_KEY,
  awsConfig,
  connectCloud,
  type Elicitations,
  type S3Emulator,
  seededAwsFixture,
  startS3rver,
  structured,
  tempDir,
} from './support.ts';

let aws: AwsFixture;
let s3: S3Emulator;
const dir = tempDir('cloud-aws-');
const roots = join(dir.path, 'roots');
const elicit: Elicitations = { prompts: [], answer: 'accept' };
const logs: string[] = [];
const outputs: string[] = [];
let writer: TestClient;
let reader: TestClient;
let noPrompt: TestClient;

async function call(c: TestClient, name: string, args: Record<string, unknown>) {
  const result = await c.callTool({ name, arguments: args });
  outputs.push(JSON.stringify(result));
  return result;
}
const ok = async (c: TestClient, name: string, args: Record<string, unknown>) => {
  const result = await call(c, name, args);
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent)}`);
  return structured(result);
};
const fails = async (c: TestClient, name: string, args: Record<string, unknown>) => {
  const result = await call(c, name, args);
  expect(result.isError).toBe(true);
  return structured(result).error as { code: string; message: string; retryable: boolean; details?: Record<string, unknown> };
};

beforeAll(async () => {
  mkdirSync(roots);
  aws = await seededAwsFixture();
  s3 = await startS3rver(['backups', 'logs-archive', 'private-data']);
  const s3Reader = new S3Client({
    endpoint: s3.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: AWS_KEY.accessKeyId, secretAccessKey: AWS_KEY.secret },
  });
  aws.lambda.s3Reader = async (bucket, key) => {
    try {
      const out = await s3Reader.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    } catch {
      return undefined;
    }
  };
  const base = awsConfig(aws, s3, {
    s3Buckets: ['backups', 'logs-*'],
    fileRoots: [roots],
    maxTextBytes: 1024,
    awsAllowedRegions: ['us-east-1', 'eu-west-1'],
    ec2Amis: ['ami-0abcdef1234567890'],
    ec2InstanceTypes: ['t3.*'],
    lambdaFunctionPrefixes: ['ops-'],
    logsPollIntervalMs: 10,
  });
  writer = await connectCloud({ ...base, mode: 'write' }, elicit, logs);
  reader = await connectCloud(base, undefined, logs);
  noPrompt = await connectCloud({ ...base, mode: 'write' }, undefined, logs);
});

afterAll(async () => {
  await Promise.all([writer?.close(), reader?.close(), noPrompt?.close()]);
  await aws?.close();
  await s3?.close();
  dir.cleanup();
});

describe('read-only by default', () => {
  test('without CLOUD_MODE=write only read-only tools are listed, and a mutation is refused with READ_ONLY', async () => {
    const tools = (await reader.listTools()).tools;
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['s3GetObject', 'ec2ListInstances', 'cloudwatchQueryLogs']));
    expect(tools.map((t) => t.name)).not.toContain('s3PutObject');
    const error = await fails(reader, 's3PutObject', { bucket: 'backups', key: 'x', content: 'y' });
    expect(error.code).toBe('READ_ONLY');
  });

  test('in write mode every mutation is listed with its hints', async () => {
    const tools = (await writer.listTools()).tools;
    const byName = new Map(tools.map((t) => [t.name, t.annotations]));
    expect(byName.get('s3DeleteObject')).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.get('ec2StartInstances')).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    for (const t of tools) {
      expect(typeof t.annotations?.readOnlyHint).toBe('boolean');
      expect(typeof t.annotations?.destructiveHint).toBe('boolean');
      expect(typeof t.annotations?.idempotentHint).toBe('boolean');
    }
  });
});

describe('S3 against s3rver', () => {
  test('s3ListBuckets shows only allowed buckets', async () => {
    const out = await ok(reader, 's3ListBuckets', {});
    expect(out.items.map((b: { name: string }) => b.name)).toEqual(['backups', 'logs-archive']);
  });

  test('a bucket off the allowlist is refused before any request', async () => {
    const before = s3.requests();
    for (const [tool, args] of [
      ['s3ListObjects', { bucket: 'private-data' }],
      ['s3GetObject', { bucket: 'private-data', key: 'k' }],
    ] as const) {
      const error = await fails(writer, tool, args);
      expect(error.code).toBe('POLICY_VIOLATION');
      expect(error.message).toContain('CLOUD_S3_BUCKETS');
    }
    expect((await fails(writer, 's3PutObject', { bucket: 'private-data', key: 'k', content: 'x' })).code).toBe(
      'POLICY_VIOLATION',
    );
    expect(s3.requests()).toBe(before);
  });

  test('s3PutObject creates, refuses to overwrite silently, and overwrites only after approval naming account and region', async () => {
    const created = await ok(writer, 's3PutObject', {
      bucket: 'backups',
      key: 'notes/a.txt',
      content: 'first',
      contentType: 'text/plain',
    });
    expect(created).toMatchObject({
      size: 5,
      overwrote: false,
      approval: 'not_required',
      md5: createHash('md5').update('first').digest('hex'),
      target: { provider: 'aws', account: aws.account, region: 'us-east-1' },
    });
    expect(created.etag).toBe(`"${created.md5}"`);
    expect((await fails(writer, 's3PutObject', { bucket: 'backups', key: 'notes/a.txt', content: 'again' })).code).toBe(
      'CONFLICT',
    );
    const before = elicit.prompts.length;
    const replaced = await ok(writer, 's3PutObject', {
      bucket: 'backups',
      key: 'notes/a.txt',
      content: 'second',
      overwrite: true,
    });
    expect(replaced).toMatchObject({ overwrote: true, approval: 'accepted' });
    expect(elicit.prompts.length).toBe(before + 1);
    expect(elicit.prompts.at(-1)).toContain(`account ${aws.account}`);
    expect(elicit.prompts.at(-1)).toContain('region us-east-1');
    expect(elicit.prompts.at(-1)).toContain('overwrite s3://backups/notes/a.txt');
    const read = await ok(writer, 's3GetObject', { bucket: 'backups', key: 'notes/a.txt' });
    expect(read).toMatchObject({ text: 'second', size: 6 });
  });

  test('s3ListObjects pages with the continuation token, with a delimiter for folders', async () => {
    for (let i = 0; i < 7; i++)
      await ok(writer, 's3PutObject', { bucket: 'logs-archive', key: `2026/11/${i}.log`, content: `line ${i}` });
    await ok(writer, 's3PutObject', { bucket: 'logs-archive', key: 'readme.txt', content: 'r' });
    await ok(writer, 's3PutObject', { bucket: 'logs-archive', key: 'daily/1.log', content: 'd' });
    const keys: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ok(reader, 's3ListObjects', {
        bucket: 'logs-archive',
        prefix: '2026/',
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      keys.push(...page.items.map((o: { key: string }) => o.key));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(keys).toEqual(Array.from({ length: 7 }, (_, i) => `2026/11/${i}.log`));
    const folders = await ok(reader, 's3ListObjects', { bucket: 'logs-archive', delimiter: '/' });
    // (s3rver misses common prefixes of keys two levels deep, such as 2026/11/0.log; real S3 reports 2026/ too.)
    expect(folders.items).toEqual(
      expect.arrayContaining([
        { key: 'daily/', type: 'prefix' },
        expect.objectContaining({ key: 'readme.txt', type: 'object', size: 1 }),
      ]),
    );
    expect(folders.items.map((i: { key: string }) => i.key)).not.toContain('daily/1.log');
    const other = await fails(reader, 's3ListObjects', {
      bucket: 'logs-archive',
      prefix: 'other/',
      cursor: (await ok(reader, 's3ListObjects', { bucket: 'logs-archive', prefix: '2026/', limit: 3 })).nextCursor,
    });
    expect(other.code).toBe('INVALID_ARGUMENT');
  });

  test('a large or binary object comes back as a presigned URL that really fetches it', async () => {
    const big = 'x'.repeat(5000);
    await ok(writer, 's3PutObject', { bucket: 'backups', key: 'big.txt', content: big });
    const out = await ok(reader, 's3GetObject', { bucket: 'backups', key: 'big.txt' });
    expect(out.text).toBeUndefined();
    expect(out.reason).toContain('over the text cap');
    const fetched = await fetch(out.url);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe(big);
    await ok(writer, 's3PutObject', {
      bucket: 'backups',
      key: 'blob.bin',
      contentBase64: Buffer.from([0, 1, 2, 255]).toString('base64'),
    });
    const bin = await ok(reader, 's3GetObject', { bucket: 'backups', key: 'blob.bin' });
    expect(bin.reason).toBe('the object is binary');
    expect(Buffer.from(await (await fetch(bin.url)).arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
    const tampered = bin.url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`);
    expect((await fetch(tampered)).status).toBe(403);
    expect(await ok(reader, 's3GetObject', { bucket: 'backups', key: 'big.txt', mode: 'metadata' })).toMatchObject({
      size: 5000,
    });
    expect((await fails(reader, 's3GetObject', { bucket: 'backups', key: 'missing.txt' })).code).toBe('NOT_FOUND');
  });

  test('CLOUD_APPROVAL_MODE=deny never runs a destructive call; the text cap stays under the output cap', async () => {
    const strict = await connectCloud({
      ...awsConfig(aws, s3, { s3Buckets: ['backups'] }),
      mode: 'write',
      approvalMode: 'deny',
      outputCapBytes: 4096,
      maxTextBytes: 65536,
    });
    try {
      await strict.callTool({
        name: 's3PutObject',
        arguments: { bucket: 'backups', key: 'keep/me.txt', content: 'y'.repeat(3500) },
      });
      const denied = structured(
        await strict.callTool({ name: 's3DeleteObject', arguments: { bucket: 'backups', key: 'keep/me.txt' } }),
      ).error;
      expect(denied).toMatchObject({ code: 'POLICY_VIOLATION', details: { approval: 'denied_by_mode' } });
      const read = structured(
        await strict.callTool({ name: 's3GetObject', arguments: { bucket: 'backups', key: 'keep/me.txt' } }),
      );
      expect(read.text).toBeUndefined();
      expect(read.reason).toContain('over the text cap of 3072');
    } finally {
      await strict.close();
    }
  });

  test('uploads from a file under the roots; paths outside, and links leading outside, are refused', async () => {
    writeFileSync(join(roots, 'dump.sql'), 'CREATE TABLE t (id int);\n');
    const out = await ok(writer, 's3PutObject', { bucket: 'backups', key: 'db/dump.sql', file: join(roots, 'dump.sql') });
    expect(out).toMatchObject({ size: 25, sha256: createHash('sha256').update('CREATE TABLE t (id int);\n').digest('hex') });
    writeFileSync(join(dir.path, 'secret.txt'), 'outside');
    symlinkSync(join(dir.path, 'secret.txt'), join(roots, 'link.txt'));
    for (const file of [join(dir.path, 'secret.txt'), join(roots, 'link.txt'), `${roots}/../secret.txt`]) {
      const error = await fails(writer, 's3PutObject', { bucket: 'backups', key: 'x', file });
      expect(error.code).toBe('POLICY_VIOLATION');
    }
    expect(
      (await fails(writer, 's3PutObject', { bucket: 'backups', key: 'x', content: 'a', file: join(roots, 'dump.sql') })).code,
    ).toBe('INVALID_ARGUMENT');
  });

  test('a repeat with the same workflow key returns the first outcome without writing again', async () => {
    const meta = { 'io.switchboard/idempotency-key': 'run-42:upload' };
    const args = { bucket: 'backups', key: 'runs/42.txt', content: 'once' };
    const first = structured(await writer.callTool({ name: 's3PutObject', arguments: args, _meta: meta }));
    const requests = s3.requests();
    const again = await writer.callTool({ name: 's3PutObject', arguments: args, _meta: meta });
    expect(again.isError).toBeFalsy();
    expect(structured(again)).toEqual(first);
    expect(s3.requests()).toBe(requests);
    const other = await writer.callTool({ name: 's3PutObject', arguments: { ...args, content: 'twice' }, _meta: meta });
    expect(structured(other).error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });

  test('s3DeleteObject asks first; declined or unaskable deletes leave the object', async () => {
    await ok(writer, 's3PutObject', { bucket: 'backups', key: 'tmp/delete-me', content: 'bye' });
    const noAsk = await fails(noPrompt, 's3DeleteObject', { bucket: 'backups', key: 'tmp/delete-me' });
    expect(noAsk.code).toBe('APPROVAL_REQUIRED');
    elicit.answer = 'decline';
    const declined = await fails(writer, 's3DeleteObject', { bucket: 'backups', key: 'tmp/delete-me' });
    expect(declined.code).toBe('APPROVAL_DENIED');
    expect(await ok(reader, 's3GetObject', { bucket: 'backups', key: 'tmp/delete-me' })).toMatchObject({ text: 'bye' });
    elicit.answer = 'accept';
    const deleted = await ok(writer, 's3DeleteObject', { bucket: 'backups', key: 'tmp/delete-me' });
    expect(deleted).toMatchObject({ deleted: true, size: 3, approval: 'accepted', target: { account: aws.account } });
    expect(elicit.prompts.at(-1)).toContain('delete s3://backups/tmp/delete-me');
    expect((await fails(reader, 's3GetObject', { bucket: 'backups', key: 'tmp/delete-me' })).code).toBe('NOT_FOUND');
  });
});

describe('EC2 (query protocol)', () => {
  test('ec2ListInstances pages through every instance exactly once, under filters', async () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await ok(reader, 'ec2ListInstances', { limit: 5, ...(cursor ? { cursor } : {}) });
      ids.push(...page.items.map((i: { instanceId: string }) => i.instanceId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    const prodRunning = await ok(reader, 'ec2ListInstances', {
      filters: [
        { name: 'tag:env', values: ['prod'] },
        { name: 'instance-state-name', values: ['running'] },
      ],
    });
    expect(prodRunning.items.map((i: { name: string }) => i.name)).toEqual(['web-1', 'web-2', 'web-4', 'web-5']);
    expect(prodRunning.items[0]).toMatchObject({
      state: 'running',
      type: 'm5.large',
      publicIp: '203.0.113.10',
      zone: 'us-east-1a',
    });
    const bad = await fails(reader, 'ec2ListInstances', { filters: [{ name: 'no-such-filter', values: ['x'] }] });
    expect(bad).toMatchObject({ code: 'INVALID_ARGUMENT', details: { awsCode: 'InvalidParameterValue' } });
  });

  test('a small output cap pages by bytes without losing or repeating an instance', async () => {
    const small = await connectCloud(awsConfig(aws, s3, { outputCapBytes: 1500 }));
    try {
      const ids: string[] = [];
      let cursor: string | undefined;
      let calls = 0;
      do {
        const page = structured(
          await small.callTool({ name: 'ec2ListInstances', arguments: { limit: 12, ...(cursor ? { cursor } : {}) } }),
        );
        expect(page.items.length).toBeLessThan(12);
        ids.push(...page.items.map((i: { instanceId: string }) => i.instanceId));
        cursor = page.nextCursor;
        calls += 1;
      } while (cursor && calls < 20);
      expect(ids).toHaveLength(12);
      expect(new Set(ids).size).toBe(12);
    } finally {
      await small.close();
    }
  });

  test('start and stop change state; stop asks a human', async () => {
    const started = await ok(writer, 'ec2StartInstances', { instanceIds: ['i-00000000000000000'] });
    expect(started).toMatchObject({
      approval: 'not_required',
      instances: [{ previousState: 'stopped', currentState: 'pending' }],
    });
    const before = elicit.prompts.length;
    const stopped = await ok(writer, 'ec2StopInstances', { instanceIds: ['i-00000000000000001'] });
    expect(stopped).toMatchObject({ approval: 'accepted', instances: [{ previousState: 'running', currentState: 'stopping' }] });
    expect(elicit.prompts.length).toBe(before + 1);
    expect(elicit.prompts.at(-1)).toContain('stop i-00000000000000001');
    const after = await ok(reader, 'ec2ListInstances', { instanceIds: ['i-00000000000000000', 'i-00000000000000001'] });
    expect(after.items.map((i: { state: string }) => i.state)).toEqual(['running', 'stopped']);
    const missing = await fails(writer, 'ec2StartInstances', { instanceIds: ['i-0ffffffffffffffff'] });
    expect(missing).toMatchObject({ code: 'NOT_FOUND', details: { awsCode: 'InvalidInstanceID.NotFound' } });
  });

  test('ec2RunInstances: allowlists, count cap and tags are enforced before any request; the client token makes it idempotent', async () => {
    const count = aws.requests.filter((r) => r.operation === 'RunInstances').length;
    const base = { imageId: 'ami-0abcdef1234567890', instanceType: 't3.micro', tags: { owner: 'ops', Name: 'batch' } };
    expect((await fails(writer, 'ec2RunInstances', { ...base, imageId: 'ami-0123456789abcdef0' })).code).toBe('POLICY_VIOLATION');
    expect((await fails(writer, 'ec2RunInstances', { ...base, instanceType: 'p4d.24xlarge' })).code).toBe('POLICY_VIOLATION');
    expect((await fails(writer, 'ec2RunInstances', { ...base, count: 3 })).message).toContain('CLOUD_EC2_MAX_COUNT');
    expect((await fails(writer, 'ec2RunInstances', { ...base, tags: { Name: 'x' } })).message).toContain('owner');
    expect((await fails(writer, 'ec2RunInstances', { ...base, region: 'ap-south-1' })).code).toBe('POLICY_VIOLATION');
    expect(aws.requests.filter((r) => r.operation === 'RunInstances').length).toBe(count);
    const dry = await ok(writer, 'ec2RunInstances', { ...base, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, instances: [] });
    const first = await ok(writer, 'ec2RunInstances', { ...base, count: 2, clientToken: 'nightly-batch-1' });
    expect(first.instances).toHaveLength(2);
    expect(first.instances[0]).toMatchObject({ state: 'pending', type: 't3.micro', tags: { owner: 'ops' } });
    const again = await ok(writer, 'ec2RunInstances', { ...base, count: 2, clientToken: 'nightly-batch-1' });
    expect(again.reservationId).toBe(first.reservationId);
    expect(aws.ec2.instances.size).toBe(14);
  });
});

describe('Lambda (REST JSON)', () => {
  test('lambdaListFunctions shows allowed prefixes only', async () => {
    const out = await ok(reader, 'lambdaListFunctions', {});
    expect(out.items.map((f: { name: string }) => f.name)).toEqual(['ops-echo', 'ops-fail']);
    expect(out.items[0]).toMatchObject({ runtime: 'nodejs22.x', memoryMb: 128 });
  });

  test('lambdaInvoke returns the payload and the log tail; a failing function reports FunctionError', async () => {
    const out = await ok(writer, 'lambdaInvoke', { functionName: 'ops-echo', payload: { hello: 'world' } });
    expect(out).toMatchObject({
      statusCode: 200,
      payload: { echoed: { hello: 'world' } },
      executedVersion: '$LATEST',
      payloadTruncated: false,
    });
    expect(out.logTail).toContain('REPORT RequestId');
    const failed = await ok(writer, 'lambdaInvoke', { functionName: 'ops-fail', payload: {} });
    expect(failed).toMatchObject({ functionError: 'Unhandled', payload: { errorType: 'TypeError' } });
    expect(failed.logTail).toContain('ERROR boom');
    const queued = await ok(writer, 'lambdaInvoke', { functionName: 'ops-echo', invocationType: 'Event', payload: { a: 1 } });
    expect(queued.statusCode).toBe(202);
    expect((await fails(writer, 'lambdaInvoke', { functionName: 'billing-report' })).code).toBe('POLICY_VIOLATION');
    const big = await fails(writer, 'lambdaInvoke', { functionName: 'ops-echo', payload: { blob: 'x'.repeat(300 * 1024) } });
    expect(big.message).toContain('CLOUD_LAMBDA_MAX_PAYLOAD');
    const missing = await fails(writer, 'lambdaInvoke', { functionName: 'ops-missing' });
    expect(missing).toMatchObject({ code: 'NOT_FOUND', details: { awsCode: 'ResourceNotFoundException' } });
    expect(missing.message).toContain('Function not found: arn:aws:lambda:us-east-1:123456789012:function:ops-missing');
  });

  test('lambdaUpdateFunctionCode from a file and from S3, after approval', async () => {
    const zip = Buffer.concat([Buffer.from('PK\x03\x04', 'binary'), Buffer.from('new code v2')]);
    writeFileSync(join(roots, 'fn.zip'), zip);
    const fromFile = await ok(writer, 'lambdaUpdateFunctionCode', {
      functionName: 'ops-echo',
      file: join(roots, 'fn.zip'),
      publish: true,
    });
    expect(fromFile).toMatchObject({
      codeSha256: createHash('sha256').update(zip).digest('base64'),
      codeSize: zip.length,
      version: '1',
      approval: 'accepted',
    });
    expect(elicit.prompts.at(-1)).toContain('replace the code of ops-echo');
    await ok(writer, 's3PutObject', {
      bucket: 'backups',
      key: 'lambda/v3.zip',
      contentBase64: Buffer.concat([zip, Buffer.from('3')]).toString('base64'),
    });
    const fromS3 = await ok(writer, 'lambdaUpdateFunctionCode', {
      functionName: 'ops-echo',
      s3: { bucket: 'backups', key: 'lambda/v3.zip' },
    });
    expect(fromS3.codeSize).toBe(zip.length + 1);
    const noSuchKey = await fails(writer, 'lambdaUpdateFunctionCode', {
      functionName: 'ops-echo',
      s3: { bucket: 'backups', key: 'lambda/none.zip' },
    });
    expect(noSuchKey).toMatchObject({ code: 'INVALID_ARGUMENT', details: { awsCode: 'InvalidParameterValueException' } });
    writeFileSync(join(roots, 'not.zip'), 'plain');
    expect(
      (await fails(writer, 'lambdaUpdateFunctionCode', { functionName: 'ops-echo', file: join(roots, 'not.zip') })).message,
    ).toContain('not a zip');
  });
});

describe('CloudWatch and Logs (JSON protocols)', () => {
  const range = { startTime: '2026-11-30T12:00:00Z', endTime: '2026-11-30T13:00:00Z' };
  const metric = {
    namespace: 'AWS/EC2',
    metricName: 'CPUUtilization',
    dimensions: [{ name: 'InstanceId', value: 'i-00000000000000001' }],
  };

  test('cloudwatchGetMetricData returns a compact series and pages with NextToken', async () => {
    const out = await ok(reader, 'cloudwatchGetMetricData', { ...metric, ...range, stat: 'Maximum', period: 300 });
    expect(out.count).toBe(12);
    expect(out.points[0]).toEqual(['2026-11-30T12:00:00.000Z', 4]);
    expect(out).toMatchObject({ min: 4, max: 9, status: 'Complete' });
    const first = await ok(reader, 'cloudwatchGetMetricData', { ...metric, ...range, period: 600, maxPoints: 4 });
    expect(first).toMatchObject({ count: 4, status: 'PartialData' });
    const rest = await ok(reader, 'cloudwatchGetMetricData', {
      ...metric,
      ...range,
      period: 600,
      maxPoints: 4,
      cursor: first.nextCursor,
    });
    expect(rest.count).toBe(2);
    expect(rest.nextCursor).toBeUndefined();
    expect((await fails(reader, 'cloudwatchGetMetricData', { ...metric, period: 45 })).code).toBe('INVALID_ARGUMENT');
  });

  test('cloudwatchListAlarms filters by state', async () => {
    const out = await ok(reader, 'cloudwatchListAlarms', { state: 'ALARM' });
    expect(out.items.map((a: { name: string }) => a.name)).toEqual(['web-cpu-high', 'db-connections']);
    expect(out.items[0]).toMatchObject({ threshold: 80, updated: '2026-11-30T12:00:00.000Z' });
  });

  test('cloudwatchQueryLogs starts, polls with progress notifications, and returns the rows', async () => {
    const progress: string[] = [];
    const result = await reader.callTool(
      {
        name: 'cloudwatchQueryLogs',
        arguments: {
          logGroupNames: ['/app/web'],
          queryString: 'fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp desc',
          ...range,
        },
      },
      undefined,
      { onprogress: (p) => void progress.push(p.message ?? '') },
    );
    const out = structured(result);
    expect(out).toMatchObject({ status: 'Complete', count: 2, statistics: { recordsMatched: 2, recordsScanned: 4 } });
    expect(out.rows[0]).toEqual({ '@timestamp': '2026-11-30 12:00:03.000', '@message': 'ERROR upstream 502' });
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress[0]).toContain('Running');
    const malformed = await fails(reader, 'cloudwatchQueryLogs', {
      logGroupNames: ['/app/web'],
      queryString: 'stats count(*) by bin(5m)',
    });
    expect(malformed).toMatchObject({ code: 'INVALID_ARGUMENT', details: { awsCode: 'MalformedQueryException' } });
    const noGroup = await fails(reader, 'cloudwatchQueryLogs', { logGroupNames: ['/nope'], queryString: 'limit 1' });
    expect(noGroup.code).toBe('NOT_FOUND');
  });

  test('cancelling the call stops the running query', async () => {
    aws.logs.runningPolls = 1000;
    const stops = aws.requests.filter((r) => r.operation === 'StopQuery').length;
    try {
      const controller = new AbortController();
      const call = reader.callTool(
        { name: 'cloudwatchQueryLogs', arguments: { logGroupNames: ['/app/web'], queryString: 'limit 5', ...range } },
        undefined,
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 200);
      await expect(call).rejects.toThrow();
      for (let i = 0; i < 100 && aws.requests.filter((r) => r.operation === 'StopQuery').length === stops; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(aws.requests.filter((r) => r.operation === 'StopQuery').length).toBe(stops + 1);
    } finally {
      aws.logs.runningPolls = 2;
    }
  });

  test('a query still running at the timeout is stopped and reported as TIMEOUT', async () => {
    aws.logs.runningPolls = 1000;
    try {
      const error = await fails(reader, 'cloudwatchQueryLogs', {
        logGroupNames: ['/app/web'],
        queryString: 'limit 5',
        timeoutMs: 500,
        ...range,
      });
      expect(error.code).toBe('TIMEOUT');
      expect(aws.requests.some((r) => r.operation === 'StopQuery')).toBe(true);
    } finally {
      aws.logs.runningPolls = 2;
    }
  });
});

describe('provider errors, mapped', () => {
  test('throttling becomes RATE_LIMITED with the retry-after', async () => {
    aws.inject({
      service: 'ec2',
      operation: 'DescribeInstances',
      status: 503,
      code: 'RequestLimitExceeded',
      message: 'Request limit exceeded.',
    });
    const ec2 = await fails(reader, 'ec2ListInstances', {});
    expect(ec2).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { awsCode: 'RequestLimitExceeded' } });
    aws.inject({
      service: 'lambda',
      status: 429,
      code: 'TooManyRequestsException',
      message: 'Rate Exceeded.',
      headers: { 'retry-after': '7' },
      // The model binds retryAfterSeconds to the Retry-After header; Reason is in the body.
      extra: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    });
    const lambda = await fails(writer, 'lambdaInvoke', { functionName: 'ops-echo' });
    expect(lambda).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 7 } });
    aws.inject({ service: 'monitoring', status: 400, code: 'Throttling', message: 'Rate exceeded' });
    expect((await fails(reader, 'cloudwatchListAlarms', {})).code).toBe('RATE_LIMITED');
  });

  test('access denied becomes PERMISSION_DENIED naming the action', async () => {
    aws.inject({
      service: 'ec2',
      status: 403,
      code: 'UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
    });
    const error = await fails(reader, 'ec2ListInstances', {});
    expect(error).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { action: 'ec2:DescribeInstances', awsCode: 'UnauthorizedOperation' },
    });
    aws.inject({
      service: 'logs',
      status: 400,
      code: 'AccessDeniedException',
      message: 'User is not authorized to perform: logs:StartQuery',
    });
    expect(
      (await fails(reader, 'cloudwatchQueryLogs', { logGroupNames: ['/app/web'], queryString: 'limit 1' })).details,
    ).toMatchObject({
      action: 'logs:StartQuery',
    });
  });

  test('a wrong secret fails the signature check on the fixture and on s3rver', async () => {
    const wrong = await connectCloud(awsConfig(aws, s3, { awsSecretAccessKey: 'not-the-right-secret-000000000000' }));
    try {
      const ec2 = structured(await wrong.callTool({ name: 'ec2ListInstances', arguments: {} })).error;
      expect(ec2).toMatchObject({ code: 'PERMISSION_DENIED', details: { awsCode: 'SignatureDoesNotMatch' } });
      const s3Error = structured(await wrong.callTool({ name: 's3ListBuckets', arguments: {} })).error;
      expect(s3Error).toMatchObject({ code: 'PERMISSION_DENIED', details: { awsCode: 'SignatureDoesNotMatch' } });
    } finally {
      await wrong.close();
    }
    expect(aws.requests.filter((r) => r.service === 'ec2').every((r) => r.accessKeyId === AWS_KEY.accessKeyId)).toBe(true);
  });

  test('the secret key never appears in any tool result or log line', () => {
    expect(outputs.length).toBeGreaterThan(50);
    expect(logs.length).toBeGreaterThan(50);
    for (const text of [...outputs, ...logs]) expect(text).not.toContain(AWS_KEY.secret);
  });
});
