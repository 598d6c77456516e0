import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { addInstance } from '../fixtures/aws/ec2.ts';
import { type AwsFixture, startAwsFixture } from '../fixtures/aws/server.ts';
import { type S3Emulator, startS3Emulator } from '../fixtures/s3/s3-emulator.ts';
import { awsSdk } from './aws-sdk.ts';
import type { AwsSettings } from './aws-settings.ts';
import { type AwsTarget, buildAwsTarget } from './aws-target.ts';

/** The fixture account's key, known to the AWS fixture and to s3rver, which both verify SigV4 signatures made with it. */
export const FIXTURE_KEY = { accessKeyId: 'SBTESTKEY0000000001', secret: 'fixture-secret-key-do-not-leak-0123456789' };

/** Twelve instances web-0..web-11 (every third stopped, t3.micro and m5.large alternating, env prod for 0-5, web-1 with a public IP). */
export function addWebInstances(ec2: Parameters<typeof addInstance>[0]): void {
  for (let n = 0; n < 12; n++) {
    addInstance(ec2, {
      instanceId: `i-0000000000000${String(n).padStart(4, '0')}`,
      state: n % 3 === 0 ? 'stopped' : 'running',
      instanceType: n % 2 === 0 ? 't3.micro' : 'm5.large',
      tags: { Name: `web-${n}`, env: n < 6 ? 'prod' : 'dev' },
      ...(n === 1 ? { publicIp: '203.0.113.10' } : {}),
    });
  }
}

export interface AwsFixtures {
  aws: AwsFixture;
  s3: S3Emulator;
  /** The instances the fixture models directly (web-0 ... web-11), besides the scratch one. */
  seededInstances: number;
}

/** What the fixture stands in for: every optional live feature on, so every test runs in CI. */
const SETTINGS: AwsSettings = {
  region: 'us-east-1',
  bucket: 'sb-scratch',
  instance: 'i-0000000000000aaaa',
  runInstances: true,
  lambdaRole: 'arn:aws:iam::123456789012:role/sbtest-lambda',
  cloudwatch: true,
};

/**
 * Starts the AWS fixture and s3rver, adds what only a fixture can hold (instances it models directly, the images
 * DescribeImages finds, Lambda reading S3 from s3rver), then builds the target exactly as on live.
 */
export async function fixtureAwsTarget(): Promise<AwsTarget<AwsFixtures>> {
  const aws = await startAwsFixture({ credentials: { [FIXTURE_KEY.accessKeyId]: { secret: FIXTURE_KEY.secret } } });
  const s3 = await startS3Emulator(
    [SETTINGS.bucket, `${SETTINGS.bucket}-sbtest-archive`, 'sbtest-private-data'],
    FIXTURE_KEY,
  ).catch(async (error) => {
    await aws.close();
    throw error;
  });
  const stop = async () => {
    await aws.close();
    await s3.close();
  };
  try {
    aws.ec2.images.add('ami-0abcdef1234567890');
    aws.ec2.imageInfo.set('ami-0abcdef1234567890', {
      name: 'al2023-ami-2023.6.20261101.0-kernel-6.1-x86_64',
      owner: 'amazon',
      creationDate: '2026-11-01T00:00:00.000Z',
    });
    aws.ec2.images.add('ami-0aaaaaaaaaaaaaaa0');
    aws.ec2.imageInfo.set('ami-0aaaaaaaaaaaaaaa0', {
      name: 'al2023-ami-2023.5.20260901.0-kernel-6.1-x86_64',
      owner: 'amazon',
      creationDate: '2026-09-01T00:00:00.000Z',
    });
    addWebInstances(aws.ec2);
    addInstance(aws.ec2, { instanceId: SETTINGS.instance, state: 'stopped', tags: { Name: 'scratch' } });
    const target = await buildAwsTarget(SETTINGS, {
      connection: {
        endpoint: aws.url,
        s3Endpoint: s3.url,
        accessKeyId: FIXTURE_KEY.accessKeyId,
        secretAccessKey: FIXTURE_KEY.secret,
      },
      fixture: { aws, s3, seededInstances: 12 },
    });
    // Lambda's UpdateFunctionCode from S3 reads the object from s3rver, as real Lambda reads it from S3.
    aws.lambda.s3Reader = async (bucket, key) => {
      try {
        const out = await target.sdk.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      } catch {
        return undefined;
      }
    };
    const connection = {
      endpoint: aws.url,
      s3Endpoint: s3.url,
      accessKeyId: FIXTURE_KEY.accessKeyId,
      secretAccessKey: FIXTURE_KEY.secret,
    };
    /** What the run left in the fixtures after its cleanup: each entry a leak of the cleanup code live runs rely on. */
    const leftovers = async (): Promise<string[]> => {
      const left: string[] = [];
      const run = target.run;
      for (const name of aws.lambda.functions.keys()) if (name.includes(run)) left.push(`function ${name}`);
      for (const a of aws.cloudwatch.alarms) if (a.AlarmName?.includes(run)) left.push(`alarm ${a.AlarmName}`);
      for (const group of aws.logs.groups.keys()) if (group.includes(run)) left.push(`log group ${group}`);
      for (const i of aws.ec2.instances.values()) {
        if (i.tags[target.ec2.runTag[0]] && !['shutting-down', 'terminated'].includes(i.state))
          left.push(`instance ${i.instanceId}`);
        if (i.instanceId === SETTINGS.instance && (i.tags[target.ec2.scratchTag[0]] || i.state !== 'stopped'))
          left.push(`scratch instance ${i.instanceId} tagged or ${i.state}`);
      }
      const sdk = awsSdk(SETTINGS.region, connection);
      try {
        const out = await sdk.s3.send(new ListObjectsV2Command({ Bucket: SETTINGS.bucket, Prefix: target.s3.prefix }));
        for (const o of out.Contents ?? []) left.push(`object ${o.Key}`);
      } finally {
        sdk.destroy();
      }
      return left;
    };
    return {
      ...target,
      close: async () => {
        try {
          await target.close();
          const left = await leftovers();
          if (left.length > 0) throw new Error(`the run's cleanup left behind:\n  ${left.join('\n  ')}`);
        } finally {
          await stop();
        }
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
