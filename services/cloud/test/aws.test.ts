/**
 * The AWS integration suite, against a target (targets/aws-target.ts):
 * - by default (and in CI) the local fixtures: test/fixtures/aws (EC2, STS, Lambda, CloudWatch, Logs) and s3rver;
 * - with SWITCHBOARD_TEST_AWS=1 a real account, through the SDK's default credential chain and real endpoints.
 *
 * Live variables (targets/aws-settings.ts has the details; settingsFromEnv names every missing one):
 *   SWITCHBOARD_TEST_AWS=1, SWITCHBOARD_TEST_AWS_REGION, SWITCHBOARD_TEST_AWS_BUCKET   required
 *   SWITCHBOARD_TEST_AWS_INSTANCE         stopped scratch instance: tag filter, start/stop
 *   SWITCHBOARD_TEST_AWS_AMI, _SUBNET     for ec2RunInstances (default: newest AL2023, default VPC)
 *   SWITCHBOARD_TEST_AWS_RUN_INSTANCES=1  a real launch (terminated after); dryRun runs always
 *   SWITCHBOARD_TEST_AWS_LAMBDA_ROLE      functions created, invoked, updated and deleted by the run
 *   SWITCHBOARD_TEST_AWS_LAMBDA_ECHO, _FAIL   existing functions instead (invoked only)
 *   SWITCHBOARD_TEST_AWS_CLOUDWATCH=1     custom metric samples and three alarms
 * Everything is named after a run-unique id and removed in afterAll, also when a test fails (the custom metric's
 * samples cannot be deleted; they expire). Fixture-only checks (onFixture, or `target.fixture` inside a test):
 * request counters, injected throttling / access denied, the wrong-secret signature check, cancelling and timing
 * out a running query, and facts about the fixture's own instances.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntilInstanceRunning, waitUntilInstanceStopped } from '@aws-sdk/client-ec2';
import { waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { TestClient } from '@switchboard/shared/testing';
import { connectCloud, type Elicitations, structured, tempDir } from './support.ts';
import { type AwsFixtures, FIXTURE_KEY, fixtureAwsTarget } from './targets/aws-fixture-target.ts';
import { ECHO_SOURCE } from './targets/aws-lambda-code.ts';
import { type AwsTarget, liveAwsTarget, settingsFromEnv } from './targets/aws-target.ts';
import { zipOf } from './targets/zip.ts';

const settings = settingsFromEnv(process.env);
const live = settings !== undefined;
/** Checks only a fixture can make. */
const onFixture = live ? test.skip : test;
/** A live test that needs an optional variable (named in its title); always runs on the fixture. */
const needs = (present: unknown) => (!live || present ? test : test.skip);
/** Live calls wait on provider state (waiters, ingestion, alarm evaluation); the fixture answers at once. */
const SLOW = live ? 15 * 60_000 : 30_000;

let target: AwsTarget<AwsFixtures>;
const dir = tempDir('cloud-aws-');
const roots = join(dir.path, 'roots');
const elicit: Elicitations = { prompts: [], answer: 'accept' };
const logs: string[] = [];
const outputs: string[] = [];
let writer: TestClient;
let reader: TestClient;
let noPrompt: TestClient;

/** The fixture itself; only called in fixture-only code. */
const fx = () => target.fixture as AwsFixtures;
const bucket = () => target.s3.bucket;
const key = (name: string) => target.s3.key(name);
const lambda = () => target.lambda as NonNullable<AwsTarget['lambda']>;
const cw = () => target.cloudwatch as NonNullable<AwsTarget['cloudwatch']>;

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
/** Every instance id, paged with the given limit. */
async function allInstanceIds(c: TestClient, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await ok(c, 'ec2ListInstances', { limit, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((i: { instanceId: string }) => i.instanceId));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

beforeAll(async () => {
  mkdirSync(roots);
  target = live ? ((await liveAwsTarget(settings)) as AwsTarget<AwsFixtures>) : await fixtureAwsTarget();
  const base = target.config({
    s3Buckets: target.s3.allowlist,
    fileRoots: [roots],
    maxTextBytes: 1024,
    awsAllowedRegions: target.allowedRegions,
    ec2Amis: [target.ec2.ami],
    ec2InstanceTypes: ['t3.*'],
    lambdaFunctionPrefixes: target.lambda?.prefixes ?? ['sbtest-no-functions-'],
  });
  writer = await connectCloud({ ...base, mode: 'write' }, elicit, logs);
  reader = await connectCloud(base, undefined, logs);
  noPrompt = await connectCloud({ ...base, mode: 'write' }, undefined, logs);
}, SLOW);

afterAll(async () => {
  await Promise.all([writer?.close(), reader?.close(), noPrompt?.close()]);
  try {
    await target?.close();
  } finally {
    dir.cleanup();
  }
}, SLOW);

describe('read-only by default', () => {
  test('without CLOUD_MODE=write only read-only tools are listed, and a mutation is refused with READ_ONLY', async () => {
    const tools = (await reader.listTools()).tools;
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['s3GetObject', 'ec2ListInstances', 'cloudwatchQueryLogs']));
    expect(tools.map((t) => t.name)).not.toContain('s3PutObject');
    const error = await fails(reader, 's3PutObject', { bucket: bucket(), key: key('x'), content: 'y' });
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

describe('S3', () => {
  test('s3ListBuckets shows only allowed buckets', async () => {
    const out = await ok(reader, 's3ListBuckets', {});
    const names: string[] = out.items.map((b: { name: string }) => b.name);
    expect(names).toContain(bucket());
    expect(names).not.toContain(target.s3.deniedBucket);
    for (const name of names) expect(name === bucket() || name.startsWith(`${bucket()}-sbtest-`)).toBe(true);
    // The fixture also holds a bucket matched only by the glob, and one off the allowlist.
    if (target.fixture) expect(names).toEqual([bucket(), `${bucket()}-sbtest-archive`]);
  });

  test('a bucket off the allowlist is refused before any request', async () => {
    const before = target.fixture ? fx().s3.requests() : 0;
    const denied = target.s3.deniedBucket;
    for (const [tool, args] of [
      ['s3ListObjects', { bucket: denied }],
      ['s3GetObject', { bucket: denied, key: 'k' }],
    ] as const) {
      const error = await fails(writer, tool, args);
      expect(error.code).toBe('POLICY_VIOLATION');
      expect(error.message).toContain('CLOUD_S3_BUCKETS');
    }
    expect((await fails(writer, 's3PutObject', { bucket: denied, key: 'k', content: 'x' })).code).toBe('POLICY_VIOLATION');
    if (target.fixture) expect(fx().s3.requests()).toBe(before);
  });

  test('s3PutObject creates, refuses to overwrite silently, and overwrites only after approval naming account and region', async () => {
    const k = key('notes/a.txt');
    const created = await ok(writer, 's3PutObject', { bucket: bucket(), key: k, content: 'first', contentType: 'text/plain' });
    expect(created).toMatchObject({
      size: 5,
      overwrote: false,
      approval: 'not_required',
      md5: createHash('md5').update('first').digest('hex'),
      target: { provider: 'aws', account: target.account, region: target.region },
    });
    expect(created.etag).toBe(`"${created.md5}"`);
    expect((await fails(writer, 's3PutObject', { bucket: bucket(), key: k, content: 'again' })).code).toBe('CONFLICT');
    const before = elicit.prompts.length;
    const replaced = await ok(writer, 's3PutObject', { bucket: bucket(), key: k, content: 'second', overwrite: true });
    expect(replaced).toMatchObject({ overwrote: true, approval: 'accepted' });
    expect(elicit.prompts.length).toBe(before + 1);
    expect(elicit.prompts.at(-1)).toContain(`account ${target.account}`);
    expect(elicit.prompts.at(-1)).toContain(`region ${target.region}`);
    expect(elicit.prompts.at(-1)).toContain(`overwrite s3://${bucket()}/${k}`);
    const read = await ok(writer, 's3GetObject', { bucket: bucket(), key: k });
    expect(read).toMatchObject({ text: 'second', size: 6 });
  });

  test('s3ListObjects pages with the continuation token, with a delimiter for folders', async () => {
    for (let i = 0; i < 7; i++)
      await ok(writer, 's3PutObject', { bucket: bucket(), key: key(`logs/2026/11/${i}.log`), content: `line ${i}` });
    await ok(writer, 's3PutObject', { bucket: bucket(), key: key('logs/readme.txt'), content: 'r' });
    await ok(writer, 's3PutObject', { bucket: bucket(), key: key('logs/daily/1.log'), content: 'd' });
    const keys: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ok(reader, 's3ListObjects', {
        bucket: bucket(),
        prefix: key('logs/2026/'),
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      keys.push(...page.items.map((o: { key: string }) => o.key));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(keys).toEqual(Array.from({ length: 7 }, (_, i) => key(`logs/2026/11/${i}.log`)));
    const folders = await ok(reader, 's3ListObjects', { bucket: bucket(), prefix: key('logs/'), delimiter: '/' });
    // (s3rver misses common prefixes of keys two levels deeper, such as 2026/11/0.log; real S3 reports 2026/ too.)
    expect(folders.items).toEqual(
      expect.arrayContaining([
        { key: key('logs/daily/'), type: 'prefix' },
        expect.objectContaining({ key: key('logs/readme.txt'), type: 'object', size: 1 }),
      ]),
    );
    expect(folders.items.map((i: { key: string }) => i.key)).not.toContain(key('logs/daily/1.log'));
    const other = await fails(reader, 's3ListObjects', {
      bucket: bucket(),
      prefix: key('other/'),
      cursor: (await ok(reader, 's3ListObjects', { bucket: bucket(), prefix: key('logs/2026/'), limit: 3 })).nextCursor,
    });
    expect(other.code).toBe('INVALID_ARGUMENT');
  });

  test('a large or binary object comes back as a presigned URL that really fetches it', async () => {
    const big = 'x'.repeat(5000);
    await ok(writer, 's3PutObject', { bucket: bucket(), key: key('big.txt'), content: big });
    const out = await ok(reader, 's3GetObject', { bucket: bucket(), key: key('big.txt') });
    expect(out.text).toBeUndefined();
    expect(out.reason).toContain('over the text cap');
    const fetched = await fetch(out.url);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe(big);
    await ok(writer, 's3PutObject', {
      bucket: bucket(),
      key: key('blob.bin'),
      contentBase64: Buffer.from([0, 1, 2, 255]).toString('base64'),
    });
    const bin = await ok(reader, 's3GetObject', { bucket: bucket(), key: key('blob.bin') });
    expect(bin.reason).toBe('the object is binary');
    expect(Buffer.from(await (await fetch(bin.url)).arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
    const tampered = bin.url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`);
    expect((await fetch(tampered)).status).toBe(403);
    expect(await ok(reader, 's3GetObject', { bucket: bucket(), key: key('big.txt'), mode: 'metadata' })).toMatchObject({
      size: 5000,
    });
    expect((await fails(reader, 's3GetObject', { bucket: bucket(), key: key('missing.txt') })).code).toBe('NOT_FOUND');
  });

  test('CLOUD_APPROVAL_MODE=deny never runs a destructive call; the text cap stays under the output cap', async () => {
    const strict = await connectCloud({
      ...target.config({ s3Buckets: [bucket()] }),
      mode: 'write',
      approvalMode: 'deny',
      outputCapBytes: 4096,
      maxTextBytes: 65536,
    });
    try {
      await strict.callTool({
        name: 's3PutObject',
        arguments: { bucket: bucket(), key: key('keep/me.txt'), content: 'y'.repeat(3500) },
      });
      const denied = structured(
        await strict.callTool({ name: 's3DeleteObject', arguments: { bucket: bucket(), key: key('keep/me.txt') } }),
      ).error;
      expect(denied).toMatchObject({ code: 'POLICY_VIOLATION', details: { approval: 'denied_by_mode' } });
      const read = structured(
        await strict.callTool({ name: 's3GetObject', arguments: { bucket: bucket(), key: key('keep/me.txt') } }),
      );
      expect(read.text).toBeUndefined();
      expect(read.reason).toContain('over the text cap of 3072');
    } finally {
      await strict.close();
    }
  });

  test('uploads from a file under the roots; paths outside, and links leading outside, are refused', async () => {
    writeFileSync(join(roots, 'dump.sql'), 'CREATE TABLE t (id int);\n');
    const out = await ok(writer, 's3PutObject', { bucket: bucket(), key: key('db/dump.sql'), file: join(roots, 'dump.sql') });
    expect(out).toMatchObject({ size: 25, sha256: createHash('sha256').update('CREATE TABLE t (id int);\n').digest('hex') });
    writeFileSync(join(dir.path, 'secret.txt'), 'outside');
    symlinkSync(join(dir.path, 'secret.txt'), join(roots, 'link.txt'));
    for (const file of [join(dir.path, 'secret.txt'), join(roots, 'link.txt'), `${roots}/../secret.txt`]) {
      const error = await fails(writer, 's3PutObject', { bucket: bucket(), key: key('x'), file });
      expect(error.code).toBe('POLICY_VIOLATION');
    }
    expect(
      (await fails(writer, 's3PutObject', { bucket: bucket(), key: key('x'), content: 'a', file: join(roots, 'dump.sql') })).code,
    ).toBe('INVALID_ARGUMENT');
  });

  test('a repeat with the same workflow key returns the first outcome without writing again', async () => {
    const meta = { 'io.switchboard/idempotency-key': `${target.run}:upload` };
    const args = { bucket: bucket(), key: key('runs/42.txt'), content: 'once' };
    const first = structured(await writer.callTool({ name: 's3PutObject', arguments: args, _meta: meta }));
    const requests = target.fixture ? fx().s3.requests() : 0;
    const again = await writer.callTool({ name: 's3PutObject', arguments: args, _meta: meta });
    expect(again.isError).toBeFalsy();
    expect(structured(again)).toEqual(first);
    if (target.fixture) expect(fx().s3.requests()).toBe(requests);
    const other = await writer.callTool({ name: 's3PutObject', arguments: { ...args, content: 'twice' }, _meta: meta });
    expect(structured(other).error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });

  test('s3DeleteObject asks first; declined or unaskable deletes leave the object', async () => {
    const k = key('tmp/delete-me');
    await ok(writer, 's3PutObject', { bucket: bucket(), key: k, content: 'bye' });
    const noAsk = await fails(noPrompt, 's3DeleteObject', { bucket: bucket(), key: k });
    expect(noAsk.code).toBe('APPROVAL_REQUIRED');
    elicit.answer = 'decline';
    try {
      const declined = await fails(writer, 's3DeleteObject', { bucket: bucket(), key: k });
      expect(declined.code).toBe('APPROVAL_DENIED');
    } finally {
      elicit.answer = 'accept';
    }
    expect(await ok(reader, 's3GetObject', { bucket: bucket(), key: k })).toMatchObject({ text: 'bye' });
    const deleted = await ok(writer, 's3DeleteObject', { bucket: bucket(), key: k });
    expect(deleted).toMatchObject({ deleted: true, size: 3, approval: 'accepted', target: { account: target.account } });
    expect(elicit.prompts.at(-1)).toContain(`delete s3://${bucket()}/${k}`);
    expect((await fails(reader, 's3GetObject', { bucket: bucket(), key: k })).code).toBe('NOT_FOUND');
  });
});

describe('EC2 (query protocol)', () => {
  test('ec2ListInstances pages through every instance exactly once, the same set as one big page', async () => {
    const paged = await allInstanceIds(reader, 5);
    const whole = await allInstanceIds(reader, 1000);
    expect(new Set(paged).size).toBe(paged.length);
    expect([...paged].sort()).toEqual([...whole].sort());
    if (target.fixture) expect(paged).toHaveLength(fx().seededInstances + 1);
    const bad = await fails(reader, 'ec2ListInstances', { filters: [{ name: 'no-such-filter', values: ['x'] }] });
    expect(bad).toMatchObject({ code: 'INVALID_ARGUMENT', details: { awsCode: 'InvalidParameterValue' } });
  });

  needs(settings?.instance)('a filter on the scratch instance tag finds it (live: SWITCHBOARD_TEST_AWS_INSTANCE)', async () => {
    const [tagKey, tagValue] = target.ec2.scratchTag;
    const found = await ok(reader, 'ec2ListInstances', { filters: [{ name: `tag:${tagKey}`, values: [tagValue] }] });
    expect(found.items.map((i: { instanceId: string }) => i.instanceId)).toEqual([target.ec2.instance]);
    expect(found.items[0]).toMatchObject({
      tags: { [tagKey]: tagValue },
      zone: expect.stringMatching(new RegExp(`^${target.region}[a-z]$`)),
    });
  });

  onFixture('tag and state filters combine over the instances the fixture models', async () => {
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
  });

  test('a small output cap pages by bytes without losing or repeating an instance', async () => {
    const whole = await ok(reader, 'ec2ListInstances', { limit: 1000 });
    const small = await connectCloud(target.config({ outputCapBytes: 1500 }));
    try {
      const ids: string[] = [];
      let cursor: string | undefined;
      let calls = 0;
      do {
        const page = structured(
          await small.callTool({ name: 'ec2ListInstances', arguments: { limit: 1000, ...(cursor ? { cursor } : {}) } }),
        );
        ids.push(...page.items.map((i: { instanceId: string }) => i.instanceId));
        cursor = page.nextCursor;
        calls += 1;
      } while (cursor && calls < 200);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(whole.items.map((i: { instanceId: string }) => i.instanceId).sort());
      // All rows cannot fit in fewer pages than their bytes over the cap (the fixture's 13 rows need several).
      expect(calls).toBeGreaterThanOrEqual(Math.ceil(JSON.stringify(whole.items).length / 1500));
      if (target.fixture) expect(calls).toBeGreaterThan(1);
    } finally {
      await small.close();
    }
  });

  needs(settings?.instance)(
    'start and stop change state; stop asks a human (live: SWITCHBOARD_TEST_AWS_INSTANCE, left stopped)',
    async () => {
      const id = target.ec2.instance as string;
      const waiter = { client: target.sdk.ec2, maxWaitTime: 600, minDelay: 5 };
      const started = await ok(writer, 'ec2StartInstances', { instanceIds: [id] });
      expect(started).toMatchObject({
        approval: 'not_required',
        instances: [{ instanceId: id, previousState: 'stopped', currentState: 'pending' }],
      });
      await waitUntilInstanceRunning(waiter, { InstanceIds: [id] });
      const before = elicit.prompts.length;
      const stopped = await ok(writer, 'ec2StopInstances', { instanceIds: [id] });
      expect(stopped).toMatchObject({
        approval: 'accepted',
        instances: [{ previousState: 'running', currentState: 'stopping' }],
      });
      expect(elicit.prompts.length).toBe(before + 1);
      expect(elicit.prompts.at(-1)).toContain(`stop ${id}`);
      await waitUntilInstanceStopped(waiter, { InstanceIds: [id] });
      const after = await ok(reader, 'ec2ListInstances', { instanceIds: [id] });
      expect(after.items.map((i: { state: string }) => i.state)).toEqual(['stopped']);
    },
    SLOW,
  );

  test('a missing instance is NOT_FOUND with the EC2 code', async () => {
    const missing = await fails(writer, 'ec2StartInstances', { instanceIds: ['i-0ffffffffffffffff'] });
    expect(missing).toMatchObject({ code: 'NOT_FOUND', details: { awsCode: 'InvalidInstanceID.NotFound' } });
  });

  const launchArgs = () => ({
    imageId: target.ec2.ami,
    instanceType: target.ec2.instanceType,
    tags: { owner: 'ops', Name: 'batch', [target.ec2.runTag[0]]: target.ec2.runTag[1] },
    ...(target.ec2.subnet ? { subnetId: target.ec2.subnet } : {}),
  });

  test('ec2RunInstances: allowlists, count cap and tags are enforced before any request; dryRun asks EC2 (DryRunOperation)', async () => {
    const count = () => (target.fixture ? fx().aws.requests.filter((r) => r.operation === 'RunInstances').length : 0);
    const before = count();
    const base = launchArgs();
    expect((await fails(writer, 'ec2RunInstances', { ...base, imageId: target.ec2.deniedAmi })).code).toBe('POLICY_VIOLATION');
    expect((await fails(writer, 'ec2RunInstances', { ...base, instanceType: 'p4d.24xlarge' })).code).toBe('POLICY_VIOLATION');
    expect((await fails(writer, 'ec2RunInstances', { ...base, count: 3 })).message).toContain('CLOUD_EC2_MAX_COUNT');
    expect((await fails(writer, 'ec2RunInstances', { ...base, tags: { Name: 'x' } })).message).toContain('owner');
    expect((await fails(writer, 'ec2RunInstances', { ...base, region: target.deniedRegion })).code).toBe('POLICY_VIOLATION');
    expect(count()).toBe(before);
    // EC2 answers a dry run that would succeed with the error DryRunOperation (HTTP 412); the tool reports it as such.
    const dry = await ok(writer, 'ec2RunInstances', { ...base, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, instances: [], target: { account: target.account, region: target.region } });
    if (target.fixture) expect(count()).toBe(before + 1);
  });

  needs(settings?.runInstances)(
    'ec2RunInstances launches, and the client token makes it idempotent (live: SWITCHBOARD_TEST_AWS_RUN_INSTANCES=1, terminated after)',
    async () => {
      const args = { ...launchArgs(), count: target.ec2.launchCount, clientToken: target.ec2.clientToken };
      const first = await ok(writer, 'ec2RunInstances', args);
      expect(first.instances).toHaveLength(target.ec2.launchCount);
      expect(first.instances[0]).toMatchObject({ state: 'pending', type: target.ec2.instanceType, tags: { owner: 'ops' } });
      const again = await ok(writer, 'ec2RunInstances', args);
      expect(again.reservationId).toBe(first.reservationId);
      const launched = await ok(reader, 'ec2ListInstances', {
        filters: [{ name: 'client-token', values: [target.ec2.clientToken] }],
      });
      expect(launched.items.map((i: { instanceId: string }) => i.instanceId).sort()).toEqual(
        first.instances.map((i: { instanceId: string }) => i.instanceId).sort(),
      );
    },
    SLOW,
  );
});

const hasFunctions = settings?.lambdaRole || settings?.lambdaFunctions;

describe('Lambda (REST JSON)', () => {
  needs(hasFunctions)(
    'lambdaListFunctions shows allowed prefixes only (live: SWITCHBOARD_TEST_AWS_LAMBDA_ROLE or _ECHO/_FAIL)',
    async () => {
      const items: { name: string; runtime?: string; memoryMb?: number }[] = [];
      let cursor: string | undefined;
      do {
        const page = await ok(reader, 'lambdaListFunctions', { limit: 50, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      const names = items.map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining([lambda().echo, lambda().fail]));
      expect(names).not.toContain(lambda().denied);
      for (const name of names) expect(lambda().prefixes.some((p) => name.startsWith(p))).toBe(true);
      if (lambda().created) {
        expect(names.sort()).toEqual([lambda().echo, lambda().fail].sort());
        expect(items.find((f) => f.name === lambda().echo)).toMatchObject({ runtime: 'nodejs22.x', memoryMb: 128 });
      }
    },
  );

  needs(hasFunctions)(
    'lambdaInvoke returns the payload and the log tail; a failing function reports FunctionError (live: SWITCHBOARD_TEST_AWS_LAMBDA_ROLE or _ECHO/_FAIL)',
    async () => {
      const out = await ok(writer, 'lambdaInvoke', { functionName: lambda().echo, payload: { hello: 'world' } });
      expect(out).toMatchObject({
        statusCode: 200,
        payload: { echoed: { hello: 'world' } },
        executedVersion: '$LATEST',
        payloadTruncated: false,
      });
      expect(out.logTail).toContain('REPORT RequestId');
      const failed = await ok(writer, 'lambdaInvoke', { functionName: lambda().fail, payload: {} });
      expect(failed).toMatchObject({ functionError: 'Unhandled', payload: { errorType: 'TypeError' } });
      expect(failed.logTail).toContain('ERROR');
      expect(failed.logTail).toContain('boom');
      const queued = await ok(writer, 'lambdaInvoke', {
        functionName: lambda().echo,
        invocationType: 'Event',
        payload: { a: 1 },
      });
      expect(queued.statusCode).toBe(202);
      expect((await fails(writer, 'lambdaInvoke', { functionName: lambda().denied })).code).toBe('POLICY_VIOLATION');
      const big = await fails(writer, 'lambdaInvoke', { functionName: lambda().echo, payload: { blob: 'x'.repeat(300 * 1024) } });
      expect(big.message).toContain('CLOUD_LAMBDA_MAX_PAYLOAD');
      const missing = await fails(writer, 'lambdaInvoke', { functionName: lambda().missing });
      expect(missing).toMatchObject({ code: 'NOT_FOUND', details: { awsCode: 'ResourceNotFoundException' } });
      expect(missing.message).toContain(
        `Function not found: arn:aws:lambda:${target.region}:${target.account}:function:${lambda().missing}`,
      );
    },
    SLOW,
  );

  needs(settings?.lambdaRole)(
    'lambdaUpdateFunctionCode from a file and from S3, after approval (live: SWITCHBOARD_TEST_AWS_LAMBDA_ROLE)',
    async () => {
      const fn = lambda().echo;
      const settled = () =>
        waitUntilFunctionUpdatedV2({ client: target.sdk.lambda, maxWaitTime: 120, minDelay: 1 }, { FunctionName: fn });
      const zip = zipOf({ 'index.js': `${ECHO_SOURCE}// v2\n` });
      writeFileSync(join(roots, 'fn.zip'), zip);
      const fromFile = await ok(writer, 'lambdaUpdateFunctionCode', {
        functionName: fn,
        file: join(roots, 'fn.zip'),
        publish: true,
      });
      expect(fromFile).toMatchObject({
        codeSha256: createHash('sha256').update(zip).digest('base64'),
        codeSize: zip.length,
        version: '1',
        approval: 'accepted',
      });
      expect(elicit.prompts.at(-1)).toContain(`replace the code of ${fn}`);
      await settled();
      const v3 = zipOf({ 'index.js': `${ECHO_SOURCE}// v3, a little longer\n` });
      await ok(writer, 's3PutObject', { bucket: bucket(), key: key('lambda/v3.zip'), contentBase64: v3.toString('base64') });
      const fromS3 = await ok(writer, 'lambdaUpdateFunctionCode', {
        functionName: fn,
        s3: { bucket: bucket(), key: key('lambda/v3.zip') },
      });
      expect(fromS3).toMatchObject({ codeSize: v3.length, codeSha256: createHash('sha256').update(v3).digest('base64') });
      await settled();
      const noSuchKey = await fails(writer, 'lambdaUpdateFunctionCode', {
        functionName: fn,
        s3: { bucket: bucket(), key: key('lambda/none.zip') },
      });
      expect(noSuchKey).toMatchObject({ code: 'INVALID_ARGUMENT', details: { awsCode: 'InvalidParameterValueException' } });
      writeFileSync(join(roots, 'not.zip'), 'plain');
      expect(
        (await fails(writer, 'lambdaUpdateFunctionCode', { functionName: fn, file: join(roots, 'not.zip') })).message,
      ).toContain('not a zip');
      // The function still runs (the new code echoes too).
      expect(await ok(writer, 'lambdaInvoke', { functionName: fn, payload: { v: 3 } })).toMatchObject({
        payload: { echoed: { v: 3 } },
      });
    },
    SLOW,
  );
});

describe('CloudWatch and Logs (JSON protocols)', () => {
  const metric = () => ({ namespace: cw().namespace, metricName: cw().metricName, dimensions: cw().dimensions });

  needs(settings?.cloudwatch)(
    'cloudwatchGetMetricData returns a compact series and pages with NextToken (live: SWITCHBOARD_TEST_AWS_CLOUDWATCH=1)',
    async () => {
      const out = await target.eventually(async () => {
        const got = await ok(reader, 'cloudwatchGetMetricData', { ...metric(), ...target.range, stat: 'Maximum', period: 300 });
        expect(got.count).toBe(12);
        return got;
      });
      expect(out.points[0]).toEqual([target.range.startTime.replace(/\.\d{3}Z$/, '.000Z'), 4]);
      expect(out).toMatchObject({ min: 4, max: 9, status: 'Complete' });
      const first = await ok(reader, 'cloudwatchGetMetricData', { ...metric(), ...target.range, period: 600, maxPoints: 4 });
      expect(first).toMatchObject({ count: 4, status: 'PartialData' });
      const rest = await ok(reader, 'cloudwatchGetMetricData', {
        ...metric(),
        ...target.range,
        period: 600,
        maxPoints: 4,
        cursor: first.nextCursor,
      });
      expect(rest.count).toBe(2);
      expect(rest.nextCursor).toBeUndefined();
      expect((await fails(reader, 'cloudwatchGetMetricData', { ...metric(), period: 45 })).code).toBe('INVALID_ARGUMENT');
    },
    SLOW,
  );

  needs(settings?.cloudwatch)(
    'cloudwatchListAlarms filters by state (live: SWITCHBOARD_TEST_AWS_CLOUDWATCH=1)',
    async () => {
      const { alarms, alarmPrefix } = cw();
      const out = await target.eventually(async () => {
        const got = await ok(reader, 'cloudwatchListAlarms', { state: 'ALARM', namePrefix: alarmPrefix });
        expect(got.items.map((a: { name: string }) => a.name)).toEqual([alarms.high, alarms.db]);
        return got;
      });
      expect(out.items[0]).toMatchObject({ threshold: 80, comparison: 'GreaterThanThreshold', actionsEnabled: false });
      expect(Number.isNaN(Date.parse(out.items[0].updated))).toBe(false);
      const okAlarms = await ok(reader, 'cloudwatchListAlarms', { state: 'OK', namePrefix: alarmPrefix });
      expect(okAlarms.items.map((a: { name: string }) => a.name)).toEqual([alarms.disk]);
    },
    SLOW,
  );

  test(
    'cloudwatchQueryLogs starts, polls with progress notifications, and returns the rows',
    async () => {
      const progress: string[] = [];
      const out = await target.eventually(async () => {
        progress.length = 0;
        const result = await reader.callTool(
          {
            name: 'cloudwatchQueryLogs',
            arguments: {
              logGroupNames: [target.logs.group],
              queryString: 'fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp desc',
              ...target.range,
            },
          },
          undefined,
          { onprogress: (p) => void progress.push(p.message ?? ''), timeout: SLOW },
        );
        outputs.push(JSON.stringify(result));
        const got = structured(result);
        expect(got).toMatchObject({ status: 'Complete', count: 2, statistics: { recordsMatched: 2 } });
        return got;
      });
      const third = new Date(Date.parse(target.range.startTime) + 3000).toISOString().replace('T', ' ').replace('Z', '');
      expect(out.rows[0]).toEqual({ '@timestamp': third, '@message': 'ERROR upstream 502' });
      expect(out.statistics.recordsScanned).toBeGreaterThanOrEqual(2);
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(progress.at(-1)).toContain('Complete');
      if (target.fixture) {
        expect(out.statistics.recordsScanned).toBe(4);
        expect(progress.length).toBeGreaterThanOrEqual(3);
        expect(progress[0]).toContain('Running');
      }
      const malformed = await fails(reader, 'cloudwatchQueryLogs', {
        logGroupNames: [target.logs.group],
        queryString: 'fields @message | frobnicate 5',
      });
      expect(malformed).toMatchObject({ code: 'INVALID_ARGUMENT', details: { awsCode: 'MalformedQueryException' } });
      const noGroup = await fails(reader, 'cloudwatchQueryLogs', {
        logGroupNames: [target.logs.missing],
        queryString: 'limit 1',
      });
      expect(noGroup.code).toBe('NOT_FOUND');
    },
    SLOW,
  );

  onFixture('cancelling the call stops the running query', async () => {
    const { aws } = fx();
    aws.logs.runningPolls = 1000;
    const stops = aws.requests.filter((r) => r.operation === 'StopQuery').length;
    try {
      const controller = new AbortController();
      const running = reader.callTool(
        {
          name: 'cloudwatchQueryLogs',
          arguments: { logGroupNames: [target.logs.group], queryString: 'limit 5', ...target.range },
        },
        undefined,
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 200);
      await expect(running).rejects.toThrow();
      for (let i = 0; i < 100 && aws.requests.filter((r) => r.operation === 'StopQuery').length === stops; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(aws.requests.filter((r) => r.operation === 'StopQuery').length).toBe(stops + 1);
    } finally {
      aws.logs.runningPolls = 2;
    }
  });

  onFixture('a query still running at the timeout is stopped and reported as TIMEOUT', async () => {
    const { aws } = fx();
    aws.logs.runningPolls = 1000;
    try {
      const error = await fails(reader, 'cloudwatchQueryLogs', {
        logGroupNames: [target.logs.group],
        queryString: 'limit 5',
        timeoutMs: 500,
        ...target.range,
      });
      expect(error.code).toBe('TIMEOUT');
      expect(aws.requests.some((r) => r.operation === 'StopQuery')).toBe(true);
    } finally {
      aws.logs.runningPolls = 2;
    }
  });
});

describe('provider errors, mapped', () => {
  onFixture('throttling becomes RATE_LIMITED with the retry-after', async () => {
    const { aws } = fx();
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
    const throttled = await fails(writer, 'lambdaInvoke', { functionName: lambda().echo });
    expect(throttled).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 7 } });
    aws.inject({ service: 'monitoring', status: 400, code: 'Throttling', message: 'Rate exceeded' });
    expect((await fails(reader, 'cloudwatchListAlarms', {})).code).toBe('RATE_LIMITED');
  });

  onFixture('access denied becomes PERMISSION_DENIED naming the action', async () => {
    const { aws } = fx();
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
      (await fails(reader, 'cloudwatchQueryLogs', { logGroupNames: [target.logs.group], queryString: 'limit 1' })).details,
    ).toMatchObject({ action: 'logs:StartQuery' });
  });

  onFixture('a wrong secret fails the signature check on the fixture and on s3rver', async () => {
    const { aws } = fx();
    const wrong = await connectCloud(target.config({ awsSecretAccessKey: 'not-the-right-secret-000000000000' }));
    try {
      const ec2 = structured(await wrong.callTool({ name: 'ec2ListInstances', arguments: {} })).error;
      expect(ec2).toMatchObject({ code: 'PERMISSION_DENIED', details: { awsCode: 'SignatureDoesNotMatch' } });
      const s3Error = structured(await wrong.callTool({ name: 's3ListBuckets', arguments: {} })).error;
      expect(s3Error).toMatchObject({ code: 'PERMISSION_DENIED', details: { awsCode: 'SignatureDoesNotMatch' } });
    } finally {
      await wrong.close();
    }
    expect(aws.requests.filter((r) => r.service === 'ec2').every((r) => r.accessKeyId === FIXTURE_KEY.accessKeyId)).toBe(true);
  });

  test('the credential secrets never appear in any tool result or log line', () => {
    expect(target.secrets.length).toBeGreaterThan(0);
    if (target.fixture) expect(target.secrets).toContain(FIXTURE_KEY.secret);
    expect(outputs.length).toBeGreaterThan(30);
    expect(logs.length).toBeGreaterThan(30);
    for (const text of [...outputs, ...logs]) for (const secret of target.secrets) expect(text).not.toContain(secret);
  });
});
