import { GetObjectCommand } from '@aws-sdk/client-s3';
import { addInstance } from '../fixtures/aws/ec2.ts';
import { type AwsFixture, startAwsFixture } from '../fixtures/aws/server.ts';
import { type S3Emulator, startS3Emulator } from '../fixtures/s3/s3-emulator.ts';
import type { AwsSettings } from './aws-settings.ts';
import { type AwsTarget, buildAwsTarget } from './aws-target.ts';

/** The fixture account's key, known to the AWS fixture and to s3rver, which both verify SigV4 signatures made with it. */
export const FIXTURE_KEY = { accessKeyId: 'SBTESTKEY0000000001', secret: 'fixture-secret-key-do-not-leak-0123456789' };

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
    for (let n = 0; n < 12; n++) {
      addInstance(aws.ec2, {
        instanceId: `i-0000000000000${String(n).padStart(4, '0')}`,
        state: n % 3 === 0 ? 'stopped' : 'running',
        instanceType: n % 2 === 0 ? 't3.micro' : 'm5.large',
        tags: { Name: `web-${n}`, env: n < 6 ? 'prod' : 'dev' },
        ...(n === 1 ? { publicIp: '203.0.113.10' } : {}),
      });
    }
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
    return {
      ...target,
      close: async () => {
        try {
          await target.close();
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
