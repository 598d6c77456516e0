import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { type SpawnedService, spawnService } from '@switchboard/shared/testing';
import pg from 'pg';
import {
  connect,
  type RunningOrchestrator,
  runReportOf,
  startCmdb,
  startOrchestrator,
  structured,
  tempDir,
  waitFor,
  waitUp,
} from './helpers.ts';
import { createDatabase } from './workflows/support.ts';

const CLOUD_MAIN = fileURLToPath(new URL('../../services/cloud/src/main.ts', import.meta.url));
const LINUX_CLI_MAIN = fileURLToPath(new URL('../../services/linux-cli/src/main.ts', import.meta.url));
const NOTIFY_MAIN = fileURLToPath(new URL('../../services/notify/src/main.ts', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../examples/cloud-nightly-backup.json', import.meta.url));

/** The cloud and notify packages' own fixtures, loaded by path: they live in those packages. */
interface S3Emulator {
  url: string;
  requests(): number;
  close(): Promise<void>;
}
interface AwsFixture {
  url: string;
  account: string;
  close(): Promise<void>;
}
interface NotifyFixtures {
  smtp: { accepted: { subject?: string; text?: string }[] };
  close(): Promise<void>;
}
const S3_PATH = '../../services/cloud/test/fixtures/s3/s3-emulator.ts';
const AWS_PATH = '../../services/cloud/test/fixtures/aws/server.ts';
const NOTIFY_PATH = '../../services/notify/test/harness.ts';
const { startS3Emulator } = (await import(S3_PATH)) as {
  startS3Emulator(buckets: string[], key: { accessKeyId: string; secret: string }): Promise<S3Emulator>;
};
const { startAwsFixture } = (await import(AWS_PATH)) as {
  startAwsFixture(o: { credentials: Record<string, { secret: string }> }): Promise<AwsFixture>;
};
const { startFixtures, notifyEnv } = (await import(NOTIFY_PATH)) as {
  startFixtures(): Promise<NotifyFixtures>;
  notifyEnv(f: NotifyFixtures, extra: Record<string, string>): Record<string, string>;
};

const KEY = { accessKeyId: 'SBBACKUPKEY00000001', secret: 'backup-test-secret-key-0123456789abcdef' };

/**
 * examples/cloud-nightly-backup.json run through the orchestrator against real processes: cmdb lists the tagged
 * database CIs, linux-cli runs pg_dump against the machine's PostgreSQL, cloud uploads each dump to S3 (the s3rver
 * emulator) and verifies it, notify emails the summary (its SMTP fixture).
 */
describe('the nightly backup workflow through the orchestrator', () => {
  const dir = tempDir('orch-cloud-backup-');
  const root = join(dir.path, 'root');
  const dumps = join(root, 'dumps');
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let s3: S3Emulator;
  let aws: AwsFixture;
  let mail: NotifyFixtures;
  let cmdb: SpawnedService & { cleanup(): void };
  let linux: SpawnedService;
  let cloud: SpawnedService;
  let notify: SpawnedService;
  let orch: RunningOrchestrator;
  let client: Client;
  const definition = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;

  beforeAll(async () => {
    // linux-cli runs commands in its sandbox as an unprivileged user, who must reach the root and own it.
    chmodSync(dir.path, 0o755);
    mkdirSync(dumps, { recursive: true });
    if (process.getuid?.() === 0) {
      chownSync(root, 65534, 65534);
      chownSync(dumps, 65534, 65534);
    }
    database = await createDatabase('cloud_backup');
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    await db.query("CREATE TABLE orders (id int primary key, item text); INSERT INTO orders VALUES (1, 'lamp'), (2, 'desk')");
    await db.end();
    const policy = join(dir.path, 'policy.yaml');
    // pg_dump reaches PostgreSQL over TCP and writes the --file it is given (a path the validator checks against the roots).
    writeFileSync(
      policy,
      [
        'extends: builtin',
        'commands:',
        '  pg_dump:',
        '    risk: modify',
        '    network: true',
        '    arguments:',
        '      options: "h|host=T p|port=T U|username=T w|no-password F|format=T f|file=W"',
        '      operands: text',
        '',
      ].join('\n'),
    );
    chmodSync(policy, 0o600);
    [s3, aws, mail, cmdb] = await Promise.all([
      startS3Emulator(['backups'], KEY),
      startAwsFixture({ credentials: { [KEY.accessKeyId]: { secret: KEY.secret } } }),
      startFixtures(),
      startCmdb(),
    ]);
    [linux, cloud, notify] = await Promise.all([
      spawnService(LINUX_CLI_MAIN, {
        env: {
          PORT: '0',
          SWITCHBOARD_AUTH: 'none',
          SWITCHBOARD_DATA_DIR: join(dir.path, 'linux'),
          LINUX_CLI_ROOTS: root,
          LINUX_CLI_POLICY_FILE: policy,
        },
      }),
      spawnService(CLOUD_MAIN, {
        env: {
          PORT: '0',
          SWITCHBOARD_AUTH: 'none',
          SWITCHBOARD_DATA_DIR: join(dir.path, 'cloud'),
          HOME: dir.path,
          CLOUD_MODE: 'write',
          CLOUD_S3_BUCKETS: 'backups',
          CLOUD_FILE_ROOTS: root,
          CLOUD_AWS_ENDPOINT: aws.url,
          CLOUD_AWS_S3_ENDPOINT: s3.url,
          CLOUD_AWS_S3_FORCE_PATH_STYLE: 'true',
          CLOUD_AWS_ACCESS_KEY_ID: KEY.accessKeyId,
          CLOUD_AWS_SECRET_ACCESS_KEY: KEY.secret,
          CLOUD_GCP_PROJECT: 'unused',
          CLOUD_GCP_ACCESS_TOKEN: 'unused-token-0000000000',
        },
      }),
      spawnService(NOTIFY_MAIN, {
        env: notifyEnv(mail, { PORT: '0', SWITCHBOARD_AUTH: 'none', SWITCHBOARD_DATA_DIR: join(dir.path, 'notify') }),
      }),
    ]);
    orch = await startOrchestrator({
      upstreams: [
        { name: 'cmdb', namespace: 'cmdb', url: `${cmdb.url}/mcp` },
        { name: 'linux-cli', namespace: 'linux', url: `${linux.url}/mcp` },
        { name: 'cloud', namespace: 'cloud', url: `${cloud.url}/mcp` },
        { name: 'notify', namespace: 'notify', url: `${notify.url}/mcp` },
      ],
    });
    await waitUp(orch, 'cmdb', 'linux-cli', 'cloud', 'notify');
    client = await connect(`${orch.url}/mcp`);
    const ci = (name: string, attributes: Record<string, string | number>) =>
      client.callTool({ name: 'cmdb.upsertItem', arguments: { type: 'database', name, tags: ['nightly-backup'], attributes } });
    await ci('orders-db', { database: database.name, db_host: '127.0.0.1', db_port: 5432, db_user: 'postgres' });
  }, 120_000);

  afterAll(async () => {
    // Everything started is stopped even when a start failed half way; the temp directory goes last.
    await Promise.allSettled([client?.close()]);
    await Promise.allSettled([orch?.close()]);
    await Promise.allSettled([cloud?.stop(), linux?.stop(), notify?.stop(), cmdb?.stop()]);
    cmdb?.cleanup();
    await Promise.allSettled([s3?.close(), aws?.close(), mail?.close(), database?.drop()]);
    dir.cleanup();
  });

  // A failed run is an isError result carrying its code; its report is in the error's details.
  const run = async (input: Record<string, unknown>) =>
    runReportOf(
      await client.callTool({ name: 'orchestrator.executeWorkflow', arguments: { workflow: definition, input } }, undefined, {
        timeout: 120_000,
      }),
    );

  test('the example validates against the live services', async () => {
    const result = structured(
      await client.callTool({
        name: 'orchestrator.executeWorkflow',
        arguments: { workflow: definition, mode: 'validate', input: { bucket: 'backups', dumpDir: dumps } },
      }),
    );
    expect(result.error).toBeUndefined();
    expect(result.status).not.toBe('failed');
  });

  test('dumps, uploads, verifies and notifies', async () => {
    const result = await run({ bucket: 'backups', dumpDir: dumps });
    expect(result).toMatchObject({ status: 'completed' });
    const [object] = result.output.objects as { key: string; size: number; etag: string }[];
    expect(result.output.objects).toHaveLength(1);
    expect(object?.key).toMatch(/^nightly\/\d{4}-\d{2}-\d{2}\/orders-db\.sql$/);
    const local = readFileSync(join(dumps, `orders-db-${result.runId}.sql`));
    expect(object?.size).toBe(local.length);
    const got = structured(
      await client.callTool({ name: 'cloud.s3GetObject', arguments: { bucket: 'backups', key: object?.key, mode: 'url' } }),
    );
    const fetched = await (await fetch(got.url)).text();
    expect(fetched).toContain('CREATE TABLE public.orders');
    expect(fetched).toBe(local.toString('utf8'));
    expect(result.output.deliveryId).toEqual(expect.any(String));
    const email = await waitFor(
      () => mail.smtp.accepted.find((m) => m.subject?.includes('Nightly backup: 1 database(s) to s3://backups')),
      20_000,
      'the summary email',
    );
    expect(email.subject).toContain('[INFO]');
  });

  test("cloud's approval prompt for a destructive call reaches the end client through the orchestrator", async () => {
    const prompts: string[] = [];
    let answer: 'accept' | 'decline' = 'decline';
    const asking = await connect(`${orch.url}/mcp`, {
      capabilities: { elicitation: {} },
      beforeConnect: (c) =>
        c.setRequestHandler(ElicitRequestSchema, async (request) => {
          prompts.push(request.params.message);
          return answer === 'accept' ? { action: 'accept', content: { approve: true } } : { action: 'decline' };
        }),
    });
    try {
      const put = structured(
        await asking.callTool({
          name: 'cloud.s3PutObject',
          arguments: { bucket: 'backups', key: 'scratch/x.txt', content: 'x' },
        }),
      );
      expect(put.target).toMatchObject({ provider: 'aws', account: aws.account });
      const declined = await asking.callTool({
        name: 'cloud.s3DeleteObject',
        arguments: { bucket: 'backups', key: 'scratch/x.txt' },
      });
      expect(structured(declined).error).toMatchObject({ code: 'APPROVAL_DENIED' });
      expect(prompts.at(-1)).toContain(`AWS account ${aws.account}, region us-east-1`);
      answer = 'accept';
      const deleted = await asking.callTool({
        name: 'cloud.s3DeleteObject',
        arguments: { bucket: 'backups', key: 'scratch/x.txt' },
      });
      expect(structured(deleted)).toMatchObject({ deleted: true, approval: 'accepted' });
      expect(prompts).toHaveLength(2);
    } finally {
      await asking.close();
    }
  });

  test('a dump that fails notifies at warning and fails the run', async () => {
    await client.callTool({
      name: 'cmdb.upsertItem',
      arguments: {
        type: 'database',
        name: 'ghost-db',
        tags: ['broken-backup'],
        attributes: { database: 'no_such_database_here' },
      },
    });
    const result = await run({ tag: 'broken-backup', bucket: 'backups', dumpDir: dumps });
    expect(result).toMatchObject({ status: 'failed', error: { type: 'backup_failed' } });
    expect(result.error.message).toContain('pg_dump of ghost-db exited with');
    const email = await waitFor(
      () => mail.smtp.accepted.find((m) => m.subject?.includes('Nightly backup FAILED')),
      20_000,
      'the failure email',
    );
    expect(email.subject).toContain('[WARNING]');
  });
});
