/**
 * The target test/aws.test.ts runs against: the local fixtures (default, what CI runs) or a real AWS account
 * (SWITCHBOARD_TEST_AWS=1 and the variables in aws-settings.ts). Both are built by buildAwsTarget: the same names
 * (all under a run-unique id) and the same seeding through the AWS SDK clients; the fixture target
 * (aws-fixture-target.ts) passes the fixture endpoints and a static key, and adds only what a fixture alone can do
 * (instances it models directly, request counters, injected faults, poll control).
 *
 * What each live test needs (the tests' titles name the variable; without it the test is skipped on live):
 *   always (REGION, BUCKET)  tool listing and read-only mode; every S3 test; ec2ListInstances paging; the
 *                            ec2RunInstances policy checks and dryRun; Logs Insights query; the leak check
 *   INSTANCE                 the tag filter finding the scratch instance; start/stop with the SDK waiters
 *   RUN_INSTANCES=1          a real launch, idempotent per client token, terminated in cleanup
 *   LAMBDA_ROLE              list/invoke on functions the run creates, and lambdaUpdateFunctionCode
 *   LAMBDA_ECHO + _FAIL      list/invoke on existing functions instead (no code update)
 *   CLOUDWATCH=1             cloudwatchGetMetricData on seeded samples; cloudwatchListAlarms on seeded alarms
 * Fixture-only (aws.test.ts uses onFixture): request counters ("refused before any request", "without writing
 * again"), injected throttling and access denied, the wrong-secret signature check, cancelling and timing out a
 * running Logs query, and facts about the fixture's own seeded instances.
 */
import { randomBytes } from 'node:crypto';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { tempDir } from '../support.ts';
import { type AwsConnection, type AwsSdk, awsSdk } from './aws-sdk.ts';
import {
  createFunctions,
  emptyPrefix,
  latestAmazonLinux,
  putAlarms,
  putSamples,
  seedLogGroup,
  tagScratchInstance,
  terminateLaunched,
  type Undo,
} from './aws-seed.ts';
import type { AwsSettings } from './aws-settings.ts';

export type { AwsSettings } from './aws-settings.ts';
export { settingsFromEnv } from './aws-settings.ts';

type Dimension = { name: string; value: string };

export interface AwsTarget<F = unknown> {
  /** Set on the fixture target only: the fixtures themselves, for counters, fault injection and poll control. */
  fixture?: F;
  run: string;
  account: string;
  region: string;
  allowedRegions: string[];
  /** A region off the allowlist (refused before any request). */
  deniedRegion: string;
  /** The credential secrets the SDK chain resolved: no tool result or log line may contain them. */
  secrets: string[];
  /** The service configuration for this target, with `extra` on top. */
  config(extra?: Record<string, unknown>): Record<string, unknown>;
  sdk: AwsSdk;
  s3: { bucket: string; allowlist: string[]; deniedBucket: string; prefix: string; key(name: string): string };
  ec2: {
    instance?: string;
    scratchTag: [string, string];
    runTag: [string, string];
    ami: string;
    deniedAmi: string;
    instanceType: string;
    subnet?: string;
    launch: boolean;
    launchCount: number;
    clientToken: string;
  };
  lambda?: { echo: string; fail: string; denied: string; missing: string; prefixes: string[]; created: boolean };
  cloudwatch?: {
    namespace: string;
    metricName: string;
    dimensions: Dimension[];
    alarmPrefix: string;
    alarms: { high: string; disk: string; db: string };
  };
  logs: { group: string; missing: string; pollIntervalMs: number };
  /** The hour the seeded metric samples and log events lie in. */
  range: { startTime: string; endTime: string };
  /** Retries an assertion while the provider catches up (ingestion, alarm evaluation); once on the fixture. */
  eventually<T>(check: () => Promise<T>): Promise<T>;
  /** Undoes everything the run made, in reverse order; throws listing what could not be undone. */
  close(): Promise<void>;
}

export interface BuildOptions<F> {
  /** Fixture endpoints and static key; absent on live (real endpoints, the SDK's default chain). */
  connection?: AwsConnection;
  fixture?: F;
  /** How often and how long eventually() retries. */
  settle?: { attempts: number; delayMs: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function undoAll(undo: Undo[]): Promise<void> {
  const failures: string[] = [];
  for (const step of [...undo].reverse()) {
    try {
      await step();
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  undo.length = 0;
  if (failures.length > 0) throw new Error(`AWS test cleanup left things behind:\n  ${failures.join('\n  ')}`);
}

/** Names, seeding and cleanup for one run, identical on both targets. */
export async function buildAwsTarget<F>(settings: AwsSettings, options: BuildOptions<F> = {}): Promise<AwsTarget<F>> {
  const { connection } = options;
  const run = randomBytes(4).toString('hex');
  const sdk = awsSdk(settings.region, connection);
  const data = tempDir('cloud-aws-target-');
  const undo: Undo[] = [async () => data.cleanup(), async () => sdk.destroy()];
  try {
    const identity = await sdk.sts.send(new GetCallerIdentityCommand({}));
    const credentials = await sdk.sts.config.credentials();
    const region = settings.region;
    const allowedRegions = [region, region === 'eu-west-1' ? 'us-east-1' : 'eu-west-1'];
    const prefix = `switchboard-test/${run}/`;
    undo.push(emptyPrefix(sdk, settings.bucket, prefix));

    const scratchTag: [string, string] = ['switchboard-test-scratch', run];
    const runTag: [string, string] = ['switchboard-test-run', run];
    if (settings.instance) undo.push(await tagScratchInstance(sdk, settings.instance, scratchTag));
    const ami = settings.ami ?? (await latestAmazonLinux(sdk));
    undo.push(terminateLaunched(sdk, runTag));

    let lambda: AwsTarget['lambda'];
    if (settings.lambdaRole) {
      const names = { echo: `sbtest-${run}-echo`, fail: `sbtest-${run}-fail`, other: `sbtest-off-${run}` };
      await createFunctions(sdk, settings.lambdaRole, names, undo);
      lambda = { ...names, denied: names.other, missing: `sbtest-${run}-missing`, prefixes: [`sbtest-${run}-`], created: true };
    } else if (settings.lambdaFunctions) {
      const { echo, fail } = settings.lambdaFunctions;
      lambda = {
        echo,
        fail,
        denied: `sbtest-off-${run}`,
        missing: `${echo}-missing-${run}`,
        prefixes: [echo, fail],
        created: false,
      };
    }

    // An hour that ended at least an hour ago: inside Logs' 14-day window and CloudWatch's one-minute retention.
    const base = Math.floor(Date.now() / 3600_000) * 3600_000 - 2 * 3600_000;
    const range = { startTime: new Date(base).toISOString(), endTime: new Date(base + 3600_000).toISOString() };

    let cloudwatch: AwsTarget['cloudwatch'];
    if (settings.cloudwatch) {
      const metric = { namespace: 'Switchboard/Test', metricName: 'CPUUtilization', dimensions: [{ name: 'Run', value: run }] };
      const alarmPrefix = `sbtest-${run}-`;
      const alarms = { high: `${alarmPrefix}cpu-high`, disk: `${alarmPrefix}disk`, db: `${alarmPrefix}db-connections` };
      await putSamples(sdk, metric, base);
      undo.push(
        await putAlarms(sdk, metric, [
          { name: alarms.high, missing: 'breaching', threshold: 80, actionsEnabled: false },
          { name: alarms.disk, missing: 'notBreaching', threshold: 90, actionsEnabled: false },
          { name: alarms.db, missing: 'breaching', threshold: 100, actionsEnabled: false },
        ]),
      );
      cloudwatch = { ...metric, alarmPrefix, alarms };
    }

    const group = `/switchboard-test/${run}`;
    await seedLogGroup(
      sdk,
      group,
      [
        { timestamp: base + 1000, message: 'INFO request served' },
        { timestamp: base + 2000, message: 'ERROR database timeout' },
        { timestamp: base + 3000, message: 'ERROR upstream 502' },
        { timestamp: base + 4000, message: 'INFO healthy' },
      ],
      undo,
    );

    const settle = options.settle ?? (connection ? { attempts: 1, delayMs: 0 } : { attempts: 40, delayMs: 5000 });
    const pollIntervalMs = connection ? 10 : 1000;
    return {
      ...(options.fixture ? { fixture: options.fixture } : {}),
      run,
      account: identity.Account as string,
      region,
      allowedRegions,
      deniedRegion: ['ap-south-1', 'sa-east-1'].find((r) => !allowedRegions.includes(r)) as string,
      secrets: [credentials.secretAccessKey, credentials.sessionToken].filter((s): s is string => Boolean(s)),
      config: (extra = {}) => ({
        awsRegion: region,
        maxAttempts: connection ? 1 : 3,
        dataDir: data.path,
        logsPollIntervalMs: pollIntervalMs,
        gcpProject: 'unused-project',
        gcpAccessToken: 'unused-token-0000000000',
        ...(connection
          ? {
              awsEndpoint: connection.endpoint,
              awsS3Endpoint: connection.s3Endpoint,
              awsS3ForcePathStyle: true,
              awsAccessKeyId: connection.accessKeyId,
              awsSecretAccessKey: connection.secretAccessKey,
            }
          : {}),
        ...extra,
      }),
      sdk,
      s3: {
        bucket: settings.bucket,
        allowlist: [settings.bucket, `${settings.bucket}-sbtest-*`],
        deniedBucket: 'sbtest-private-data',
        prefix,
        key: (name) => `${prefix}${name}`,
      },
      ec2: {
        ...(settings.instance ? { instance: settings.instance } : {}),
        scratchTag,
        runTag,
        ami,
        deniedAmi: ami === 'ami-0123456789abcdef0' ? 'ami-0fedcba9876543210' : 'ami-0123456789abcdef0',
        instanceType: 't3.micro',
        ...(settings.subnet ? { subnet: settings.subnet } : {}),
        launch: settings.runInstances,
        // The fixture launches two to show the count; a real account launches one.
        launchCount: connection ? 2 : 1,
        clientToken: `sbtest-${run}-batch`,
      },
      ...(lambda ? { lambda } : {}),
      ...(cloudwatch ? { cloudwatch } : {}),
      logs: { group, missing: `${group}/missing`, pollIntervalMs },
      range,
      eventually: async (check) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await check();
          } catch (error) {
            if (attempt >= settle.attempts) throw error;
            await sleep(settle.delayMs);
          }
        }
      },
      close: () => undoAll(undo),
    };
  } catch (error) {
    await undoAll(undo).catch(() => undefined);
    throw error;
  }
}

/** The live target: real endpoints, the SDK's default credential chain, the operator's scratch resources. */
export function liveAwsTarget(settings: AwsSettings): Promise<AwsTarget> {
  return buildAwsTarget(settings);
}
