import { DeleteAlarmsCommand, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceStopped,
} from '@aws-sdk/client-ec2';
import { CreateFunctionCommand, DeleteFunctionCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ECHO_SOURCE, FAIL_SOURCE } from './aws-lambda-code.ts';
import type { AwsSdk } from './aws-sdk.ts';
import { zipOf } from './zip.ts';

/** Seeding through the SDK; each step returns how to undo it, so cleanup removes exactly what the run made. */
export type Undo = () => Promise<void>;

/** Deletes every object under the run's prefix (what the tests wrote, whether they passed or not). */
export function emptyPrefix(sdk: AwsSdk, bucket: string, prefix: string): Undo {
  return async () => {
    let token: string | undefined;
    do {
      const page = await sdk.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) await sdk.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
      token = page.NextContinuationToken;
    } while (token);
  };
}

/** Tags the scratch instance for the filter test; the undo removes the tag and leaves the instance stopped. */
export async function tagScratchInstance(sdk: AwsSdk, instance: string, tag: [string, string]): Promise<Undo> {
  const Tags = [{ Key: tag[0], Value: tag[1] }];
  await sdk.ec2.send(new CreateTagsCommand({ Resources: [instance], Tags }));
  return async () => {
    await sdk.ec2.send(new DeleteTagsCommand({ Resources: [instance], Tags }));
    const out = await sdk.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance] }));
    const state = out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
    if (state !== 'stopped') {
      if (state !== 'stopping') await sdk.ec2.send(new StopInstancesCommand({ InstanceIds: [instance] }));
      await waitUntilInstanceStopped({ client: sdk.ec2, maxWaitTime: 600, minDelay: 5 }, { InstanceIds: [instance] });
    }
  };
}

/** The newest available Amazon Linux 2023 x86_64 image of the region, for dry runs and launches. */
export async function latestAmazonLinux(sdk: AwsSdk): Promise<string> {
  const out = await sdk.ec2.send(
    new DescribeImagesCommand({
      Owners: ['amazon'],
      Filters: [
        { Name: 'name', Values: ['al2023-ami-2023.*-x86_64'] },
        { Name: 'state', Values: ['available'] },
      ],
    }),
  );
  const newest = (out.Images ?? []).sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  if (!newest?.ImageId) throw new Error('no Amazon Linux 2023 image found; set SWITCHBOARD_TEST_AWS_AMI');
  return newest.ImageId;
}

/** Terminates whatever the run launched (found by its run tag, so a failed test leaves nothing behind). */
export function terminateLaunched(sdk: AwsSdk, tag: [string, string]): Undo {
  return async () => {
    const out = await sdk.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${tag[0]}`, Values: [tag[1]] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
      }),
    );
    const ids = (out.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId as string));
    if (ids.length > 0) await sdk.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
  };
}

/** Creates the echo, fail and off-prefix functions from zips built here, and waits until they are Active. */
export async function createFunctions(
  sdk: AwsSdk,
  role: string,
  names: { echo: string; fail: string; other: string },
  undo: Undo[],
): Promise<void> {
  const made = [
    [names.echo, ECHO_SOURCE],
    [names.fail, FAIL_SOURCE],
    [names.other, ECHO_SOURCE],
  ] as const;
  for (const [name, source] of made) {
    await sdk.lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: role,
        Handler: 'index.handler',
        MemorySize: 128,
        Timeout: 10,
        Code: { ZipFile: zipOf({ 'index.js': source }) },
        Description: 'switchboard test function (deleted after the run)',
      }),
    );
    undo.push(async () => void (await sdk.lambda.send(new DeleteFunctionCommand({ FunctionName: name }))));
  }
  for (const [name] of made)
    await waitUntilFunctionActiveV2({ client: sdk.lambda, maxWaitTime: 120, minDelay: 1 }, { FunctionName: name });
}

/** Sixty one-minute samples (value = minute % 10) of a custom metric, from `base` on. */
export async function putSamples(
  sdk: AwsSdk,
  metric: { namespace: string; metricName: string; dimensions: { name: string; value: string }[] },
  base: number,
): Promise<void> {
  await sdk.cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: metric.namespace,
      MetricData: Array.from({ length: 60 }, (_, i) => ({
        MetricName: metric.metricName,
        Dimensions: metric.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
        Timestamp: new Date(base + i * 60_000),
        Value: i % 10,
        Unit: 'Percent' as const,
      })),
    }),
  );
}

/**
 * Three alarms on the metric. The metric has no recent data, so CloudWatch settles them by TreatMissingData:
 * breaching ones go to ALARM, the notBreaching one to OK.
 */
export async function putAlarms(
  sdk: AwsSdk,
  metric: { namespace: string; metricName: string; dimensions: { name: string; value: string }[] },
  alarms: { name: string; missing: 'breaching' | 'notBreaching'; threshold: number; actionsEnabled: boolean }[],
): Promise<Undo> {
  for (const a of alarms) {
    await sdk.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: a.name,
        Namespace: metric.namespace,
        MetricName: metric.metricName,
        Dimensions: metric.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: a.threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: a.missing,
        ActionsEnabled: a.actionsEnabled,
      }),
    );
  }
  return async () => void (await sdk.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: alarms.map((a) => a.name) })));
}

/** A log group with one stream and the given events. */
export async function seedLogGroup(
  sdk: AwsSdk,
  group: string,
  events: { timestamp: number; message: string }[],
  undo: Undo[],
): Promise<void> {
  await sdk.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  undo.push(async () => void (await sdk.logs.send(new DeleteLogGroupCommand({ logGroupName: group }))));
  await sdk.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'seed' }));
  const out = await sdk.logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'seed', logEvents: events }));
  if (out.rejectedLogEventsInfo) throw new Error(`Logs rejected seeded events: ${JSON.stringify(out.rejectedLogEventsInfo)}`);
}
