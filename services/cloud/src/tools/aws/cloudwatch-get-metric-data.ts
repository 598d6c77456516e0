import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { decodeCursor, defineTool, encodeCursor, ToolError, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { awsRegionOf } from '../../safety/scope.ts';
import { awsRegionInput } from '../shared-schemas.ts';

const STAT = /^(SampleCount|Average|Sum|Minimum|Maximum|[p]\d{1,2}(\.\d+)?|(tm|wm|tc|ts|pr)\d{1,2}(\.\d+)?)$/;

export const cloudwatchGetMetricData = defineTool({
  name: 'cloudwatchGetMetricData',
  title: 'Read a CloudWatch metric',
  description:
    'One metric (namespace, name, dimensions) at one statistic and period over a time range, as a compact series [[time, value], ...] oldest first with min/max/average. Default range: the last hour.',
  input: z.object({
    namespace: z.string().min(1).describe('e.g. AWS/EC2'),
    metricName: z.string().min(1).describe('e.g. CPUUtilization'),
    dimensions: z
      .array(z.object({ name: z.string().min(1), value: z.string() }))
      .max(30)
      .default([]),
    stat: z.string().regex(STAT, 'Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p99').default('Average'),
    period: z.number().int().min(1).default(300).describe('Seconds: 1, 5, 10, 30 or a multiple of 60'),
    startTime: z.iso.datetime({ offset: true }).optional(),
    endTime: z.iso.datetime({ offset: true }).optional(),
    maxPoints: z.number().int().min(1).max(1440).default(500),
    cursor: z.string().min(1).optional(),
    region: awsRegionInput,
  }),
  output: z.object({
    label: z.string().optional(),
    stat: z.string(),
    period: z.number(),
    status: z.string().optional().describe('Complete, or PartialData when a cursor has more'),
    points: z.array(z.tuple([z.string(), z.number()])),
    count: z.number(),
    min: z.number().optional(),
    max: z.number().optional(),
    average: z.number().optional(),
    messages: z.array(z.string()).optional(),
    nextCursor: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    if (![1, 5, 10, 30].includes(args.period) && args.period % 60 !== 0) {
      throw new ToolError('INVALID_ARGUMENT', 'period must be 1, 5, 10, 30 or a multiple of 60 seconds');
    }
    const end = args.endTime ? new Date(args.endTime) : new Date();
    const start = args.startTime ? new Date(args.startTime) : new Date(end.getTime() - 3600_000);
    if (start >= end) throw new ToolError('INVALID_ARGUMENT', 'startTime must be before endTime');
    const region = awsRegionOf(ctx, args.region);
    const scope = [
      'cloudwatchGetMetricData',
      region,
      args.namespace,
      args.metricName,
      args.dimensions,
      args.stat,
      args.period,
      start,
      end,
    ];
    const token = args.cursor ? decodeCursor<{ t: string }>(args.cursor, scope).t : undefined;
    const out = await awsCall('cloudwatch:GetMetricData', () =>
      ctx.clients.aws.cloudwatch(region).send(
        new GetMetricDataCommand({
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampAscending',
          MaxDatapoints: args.maxPoints,
          ...(token ? { NextToken: token } : {}),
          MetricDataQueries: [
            {
              Id: 'm0',
              ReturnData: true,
              MetricStat: {
                Metric: {
                  Namespace: args.namespace,
                  MetricName: args.metricName,
                  Dimensions: args.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
                },
                Period: args.period,
                Stat: args.stat,
              },
            },
          ],
        }),
        { abortSignal: ctx.signal },
      ),
    );
    const result = out.MetricDataResults?.[0];
    const times = result?.Timestamps ?? [];
    const values = result?.Values ?? [];
    const points = times
      .map((t, i) => [new Date(t).toISOString(), values[i] ?? 0] as [string, number])
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const numbers = points.map((p) => p[1]);
    return {
      label: result?.Label,
      stat: args.stat,
      period: args.period,
      status: result?.StatusCode,
      points,
      count: points.length,
      ...(numbers.length > 0
        ? {
            min: Math.min(...numbers),
            max: Math.max(...numbers),
            average: numbers.reduce((a, b) => a + b, 0) / numbers.length,
          }
        : {}),
      ...(out.Messages && out.Messages.length > 0 ? { messages: out.Messages.map((m) => `${m.Code}: ${m.Value}`) } : {}),
      ...(out.NextToken ? { nextCursor: encodeCursor({ t: out.NextToken }, scope) } : {}),
    };
  },
});
