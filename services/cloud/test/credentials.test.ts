import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { connectInMemory, startTestSecrets, type TestSecrets } from '@switchboard/shared/testing';
import { cloudService } from '../src/service.ts';
import { type AwsFixture, startAwsFixture } from './fixtures/aws/server.ts';
import { type S3Emulator, startS3Emulator } from './fixtures/s3/s3-emulator.ts';
import { awsConfig, structured } from './support.ts';

/**
 * Real AWS-shaped credentials given as secret:// handles, resolved at start through a real secrets service process:
 * every request is signed with them (the fixtures verify SigV4 and the session token), and a presigned URL carrying
 * the AKIA key id and the session token comes back whole (s3GetObject discloses `url`), while the secret key and
 * the token never appear anywhere else.
 */
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION = `IQoJb3JpZ2luX2VjEBYaCXVzLWVhc3QtMSJHMEUCIQD${'x'.repeat(40)}/Session+Token=`;

let aws: AwsFixture;
let s3: S3Emulator;
let secrets: TestSecrets;
const logs: string[] = [];

beforeAll(async () => {
  aws = await startAwsFixture({ credentials: { [KEY_ID]: { secret: SECRET, sessionToken: SESSION } } });
  s3 = await startS3Emulator(['reports'], { accessKeyId: KEY_ID, secret: SECRET, sessionToken: SESSION });
  secrets = await startTestSecrets({
    callers: { cloud: ['local/cloud/**'] },
    secrets: { 'cloud/aws-key-id': KEY_ID, 'cloud/aws-secret': SECRET, 'cloud/aws-session': SESSION, 'ops/aws': SECRET },
  });
  const direct = new S3Client({
    endpoint: s3.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET, sessionToken: SESSION },
  });
  await direct.send(new PutObjectCommand({ Bucket: 'reports', Key: 'q4.bin', Body: Buffer.from([0, 1, 2, 3]) }));
  direct.destroy();
}, 60_000);

afterAll(async () => {
  await secrets?.stop();
  await s3?.close();
  await aws?.close();
});

const handles = () => ({
  awsAccessKeyId: secrets.handles['cloud/aws-key-id'],
  awsSecretAccessKey: secrets.handles['cloud/aws-secret'],
  awsSessionToken: secrets.handles['cloud/aws-session'],
});

test('handles resolve at start; calls are signed with the values; the presigned URL keeps the key id and session token', async () => {
  const client = await connectInMemory(cloudService, {
    config: { ...awsConfig(aws, s3, handles()), ...secrets.configFor('cloud'), s3Buckets: ['reports'] },
    logDestination: { write: (line: string) => void logs.push(line) },
  });
  try {
    const listed = await client.callTool({ name: 'ec2ListInstances', arguments: {} });
    expect(listed.isError).toBeFalsy();
    expect(aws.requests.filter((r) => r.service === 'ec2').every((r) => r.accessKeyId === KEY_ID)).toBe(true);
    const result = await client.callTool({ name: 's3GetObject', arguments: { bucket: 'reports', key: 'q4.bin', mode: 'url' } });
    const out = structured<{ url: string; reason: string }>(result);
    expect(out.url).toContain(`X-Amz-Credential=${KEY_ID}%2F`);
    expect(out.url).toContain(`X-Amz-Security-Token=${encodeURIComponent(SESSION)}`);
    const fetched = await fetch(out.url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 3]));
    // Only the disclosed field: the text block is the same JSON, and nothing else carries the secret key.
    const everything = `${JSON.stringify(listed)}\n${logs.join('\n')}\n${secrets.process.stderr.join('\n')}`;
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(SESSION);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  } finally {
    await client.close();
  }
});

test('a credential handle the cloud caller may not resolve stops start-up naming the setting', async () => {
  await expect(
    connectInMemory(cloudService, {
      config: {
        ...awsConfig(aws, s3, { ...handles(), awsSecretAccessKey: secrets.handles['ops/aws'] }),
        ...secrets.configFor('cloud'),
      },
    }),
  ).rejects.toThrow(
    /awsSecretAccessKey \(CLOUD_AWS_SECRET_ACCESS_KEY\): secrets\.resolveSecret: caller "cloud" may not resolve local\/ops\/aws/,
  );
});

test('a malformed handle is a configuration problem', async () => {
  await expect(
    connectInMemory(cloudService, { config: awsConfig(aws, s3, { awsSecretAccessKey: 'secret:/oops' }) }),
  ).rejects.toThrow(/awsSecretAccessKey: a secret handle looks like secret:\/\/<backend>\/<path>\[#version\]/);
});
