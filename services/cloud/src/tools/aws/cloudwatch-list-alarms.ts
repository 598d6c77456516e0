import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { defineTool, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { awsRegionOf } from '../../safety/scope.ts';
import { awsRegionInput, isoOf } from '../shared-schemas.ts';

const REASON_CHARS = 300;

const alarm = z.object({
  name: z.string(),
  state: z.string().optional(),
  reason: z.string().optional(),
  namespace: z.string().optional(),
  metric: z.string().optional(),
  threshold: z.number().optional(),
  comparison: z.string().optional(),
  updated: z.string().optional(),
  actionsEnabled: z.boolean().optional(),
});

export const cloudwatchListAlarms = defineTool({
  name: 'cloudwatchListAlarms',
  title: 'List CloudWatch alarms',
  description:
    'Metric alarms with their state (OK, ALARM, INSUFFICIENT_DATA) and reason, optionally by state or name prefix; paged.',
  input: z.object({
    state: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']).optional(),
    namePrefix: z.string().min(1).optional(),
    region: awsRegionInput,
    ...listInput(25, 100),
  }),
  output: z.object({ region: z.string(), ...listOutput(alarm) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const region = awsRegionOf(ctx, args.region);
    const cloudwatch = ctx.clients.aws.cloudwatch(region);
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['cloudwatchListAlarms', region, args.state, args.namePrefix],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 100,
      fetch: async (token, size) => {
        const out = await awsCall('cloudwatch:DescribeAlarms', () =>
          cloudwatch.send(
            new DescribeAlarmsCommand({
              MaxRecords: size,
              AlarmTypes: ['MetricAlarm'],
              ...(args.state ? { StateValue: args.state } : {}),
              ...(args.namePrefix ? { AlarmNamePrefix: args.namePrefix } : {}),
              ...(token ? { NextToken: token } : {}),
            }),
            { abortSignal: ctx.signal },
          ),
        );
        const items = (out.MetricAlarms ?? []).map((a) => ({
          name: a.AlarmName ?? '',
          state: a.StateValue,
          reason: a.StateReason?.slice(0, REASON_CHARS),
          namespace: a.Namespace,
          metric: a.MetricName,
          threshold: a.Threshold,
          comparison: a.ComparisonOperator,
          updated: isoOf(a.StateUpdatedTimestamp),
          actionsEnabled: a.ActionsEnabled,
        }));
        return { items, next: out.NextToken };
      },
    });
    return { region, ...page, count: page.items.length };
  },
});
