import { GetQueryResultsCommand, StartQueryCommand, StopQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { defineTool, ToolError, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { awsRegionOf } from '../../safety/scope.ts';
import { awsRegionInput } from '../shared-schemas.ts';

const DONE = new Set(['Complete', 'Failed', 'Cancelled', 'Timeout', 'Unknown']);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

export const cloudwatchQueryLogs = defineTool({
  name: 'cloudwatchQueryLogs',
  title: 'Query CloudWatch Logs Insights',
  description:
    'Runs a Logs Insights query (e.g. "fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp desc | limit 20") over log groups and a time range: starts it, polls it with progress notifications, and returns its rows and statistics. Stopped at the timeout or when the call is cancelled.',
  input: z.object({
    logGroupNames: z.array(z.string().min(1)).min(1).max(50),
    queryString: z.string().min(1).max(10_000),
    startTime: z.iso.datetime({ offset: true }).optional().describe('Default: one hour before endTime'),
    endTime: z.iso.datetime({ offset: true }).optional().describe('Default: now'),
    limit: z.number().int().min(1).max(10_000).default(100),
    timeoutMs: z.number().int().min(500).optional().describe('Default CLOUD_LOGS_QUERY_TIMEOUT_MS'),
    region: awsRegionInput,
  }),
  output: z.object({
    queryId: z.string(),
    status: z.string(),
    rows: z.array(z.record(z.string(), z.string())),
    count: z.number(),
    statistics: z.object({
      recordsMatched: z.number().optional(),
      recordsScanned: z.number().optional(),
      bytesScanned: z.number().optional(),
    }),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const end = args.endTime ? new Date(args.endTime) : new Date();
    const start = args.startTime ? new Date(args.startTime) : new Date(end.getTime() - 3600_000);
    if (start >= end) throw new ToolError('INVALID_ARGUMENT', 'startTime must be before endTime');
    const region = awsRegionOf(ctx, args.region);
    const logs = ctx.clients.aws.logs(region);
    const started = await awsCall('logs:StartQuery', () =>
      logs.send(
        new StartQueryCommand({
          logGroupNames: args.logGroupNames,
          queryString: args.queryString,
          startTime: Math.floor(start.getTime() / 1000),
          endTime: Math.floor(end.getTime() / 1000),
          limit: args.limit,
        }),
        { abortSignal: ctx.signal },
      ),
    );
    const queryId = started.queryId ?? '';
    const timeoutMs = Math.min(args.timeoutMs ?? ctx.config.logsQueryTimeoutMs, ctx.config.logsQueryTimeoutMs);
    const deadline = Date.now() + timeoutMs;
    const stop = () => logs.send(new StopQueryCommand({ queryId })).catch(() => undefined);
    let polls = 0;
    for (;;) {
      if (ctx.signal.aborted) {
        await stop();
        throw new ToolError('CANCELLED', `the call was cancelled; query ${queryId} was stopped`);
      }
      // Polls are short and not aborted mid-flight: a cancellation is noticed right after, so the query is stopped.
      const out = await awsCall('logs:GetQueryResults', () => logs.send(new GetQueryResultsCommand({ queryId })));
      polls += 1;
      const status = out.status ?? 'Unknown';
      const statistics = {
        recordsMatched: out.statistics?.recordsMatched,
        recordsScanned: out.statistics?.recordsScanned,
        bytesScanned: out.statistics?.bytesScanned,
      };
      await ctx.progress(
        polls,
        undefined,
        `query ${status}: ${statistics.recordsMatched ?? 0} matched, ${statistics.recordsScanned ?? 0} scanned`,
      );
      if (DONE.has(status)) {
        if (status !== 'Complete') {
          throw new ToolError('DEPENDENCY_UNAVAILABLE', `Logs Insights query ${queryId} ended with status ${status}`, {
            details: { provider: 'aws', action: 'logs:GetQueryResults', queryId, status },
          });
        }
        const rows = (out.results ?? []).map((fields) =>
          Object.fromEntries(fields.filter((f) => f.field && f.field !== '@ptr').map((f) => [f.field as string, f.value ?? ''])),
        );
        return { queryId, status, rows, count: rows.length, statistics };
      }
      if (Date.now() > deadline) {
        await stop();
        throw new ToolError('TIMEOUT', `Logs Insights query ${queryId} did not finish within ${timeoutMs} ms and was stopped`, {
          details: { queryId, status },
        });
      }
      await sleep(ctx.config.logsPollIntervalMs, ctx.signal);
    }
  },
});
