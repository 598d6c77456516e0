import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import type { AwsFixture } from './fixtures/aws/server.ts';
import type { GcpFixture } from './fixtures/gcp/server.ts';
import { AWS_KEY, GCP_PROJECT, seededAwsFixture, seededGcpFixture, structured, tempDir } from './support.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

let proc: SpawnedService | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await proc?.stop();
  proc = undefined;
});

async function connect(url: string): Promise<Client> {
  const c = new Client({ name: 'cloud-http', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return c;
}

describe('cloud as a process', () => {
  const home = tempDir('cloud-home-');
  let aws: AwsFixture;
  let gcp: GcpFixture;
  beforeAll(async () => {
    aws = await seededAwsFixture();
    gcp = await seededGcpFixture();
  });
  afterAll(async () => {
    await aws?.close();
    await gcp?.close();
    home.cleanup();
  });

  test('a bad configuration stops start-up with every problem listed (exit 2)', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        HOME: home.path,
        SWITCHBOARD_AUTH: 'none',
        CLOUD_MODE: 'readwrite',
        CLOUD_AWS_REGION: 'mars-1',
        CLOUD_GCP_ACCESS_TOKEN: 'secret:/gcp-token',
        CLOUD_AWS_ACCESS_KEY_ID: 'AKIAONLYTHEID0000000',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('CLOUD_MODE');
    expect(stderr).toContain('CLOUD_AWS_REGION');
    expect(stderr).toContain('gcpAccessToken: a secret handle looks like secret://<backend>/<path>');
    expect(stderr).toContain('go together');
  });

  test("the SDKs' default chains: AWS keys from the environment, GCP from the metadata server (workload identity), ID tokens for functions", async () => {
    proc = await spawnService(MAIN, {
      env: {
        PORT: '0',
        SWITCHBOARD_AUTH: 'none',
        SWITCHBOARD_DATA_DIR: home.path,
        HOME: home.path,
        CLOUD_MODE: 'write',
        CLOUD_AWS_ENDPOINT: aws.url,
        CLOUD_MAX_ATTEMPTS: '1',
        AWS_ACCESS_KEY_ID: AWS_KEY.accessKeyId,
        AWS_SECRET_ACCESS_KEY: AWS_KEY.secret,
        AWS_EC2_METADATA_DISABLED: 'true',
        CLOUD_GCP_ENDPOINT: gcp.url,
        GCE_METADATA_HOST: gcp.url.replace('http://', ''),
        CLOUD_GCP_FUNCTION_PREFIXES: 'ops-',
        LOG_LEVEL: 'debug',
      },
    });
    expect((await fetch(`${proc.url}/health`)).status).toBe(200);
    expect((await fetch(`${proc.url}/ready`)).status).toBe(200);
    client = await connect(proc.url);
    const ec2 = await client.callTool({ name: 'ec2ListInstances', arguments: { limit: 5 } });
    expect(structured(ec2).items).toHaveLength(5);
    const buckets = await client.callTool({ name: 'gcsListBuckets', arguments: {} });
    expect(structured(buckets)).toMatchObject({ project: GCP_PROJECT });
    gcp.functions.handlers.set('ops-hello', (body) => ({
      status: 200,
      body: { greeting: `hello ${(body as { name: string }).name}` },
    }));
    const invoked = await client.callTool({ name: 'functionsInvoke', arguments: { name: 'ops-hello', data: { name: 'ops' } } });
    expect(structured(invoked)).toMatchObject({
      status: 200,
      body: { greeting: 'hello ops' },
      target: { project: GCP_PROJECT, region: 'us-central1' },
    });
    const metrics = await (await fetch(`${proc.url}/metrics`)).text();
    expect(metrics).toContain('tool="functionsInvoke"');
    await client.close();
    client = undefined;
    await proc.waitForLog((l) => l.msg === 'tool call finished' && l.tool === 'functionsInvoke');
    const everything = proc.stderr.join('\n');
    expect(gcp.issued.length).toBeGreaterThanOrEqual(2);
    for (const secret of [AWS_KEY.secret, ...gcp.issued]) expect(everything).not.toContain(secret);
    expect(gcp.requests.some((r) => r.token && gcp.issued.includes(r.token))).toBe(true);
  });
});
