import { InvokeCommand } from '@aws-sdk/client-lambda';
import { defineTool, ToolError, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { requirePrefix } from '../../safety/allowlist.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { awsRegionOf, awsTarget } from '../../safety/scope.ts';
import { approvalSchema, awsRegionInput, targetSchema, textCapOf } from '../shared-schemas.ts';

const LOG_TAIL_BYTES = 4096;

export const lambdaInvoke = defineTool({
  name: 'lambdaInvoke',
  title: 'Invoke a Lambda function',
  description:
    'Invokes a function (allowed prefix) with a JSON payload of at most CLOUD_LAMBDA_MAX_PAYLOAD bytes. RequestResponse returns the response payload (capped) and the last 4 KB of its log; Event queues it; DryRun checks permissions. Needs CLOUD_MODE=write.',
  input: z.object({
    functionName: z.string().min(1).max(170),
    payload: z.unknown().optional().describe('JSON value sent as the event'),
    invocationType: z.enum(['RequestResponse', 'Event', 'DryRun']).default('RequestResponse'),
    qualifier: z.string().optional().describe('Version or alias'),
    logTail: z.boolean().default(true),
    region: awsRegionInput,
  }),
  output: z.object({
    functionName: z.string(),
    statusCode: z.number().optional(),
    functionError: z.string().optional().describe('Set when the function itself failed (Unhandled, or the error type)'),
    executedVersion: z.string().optional(),
    payload: z.unknown().optional(),
    payloadBytes: z.number(),
    payloadTruncated: z.boolean(),
    logTail: z.string().optional(),
    target: targetSchema,
    approval: approvalSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      requirePrefix('function', args.functionName, ctx.config.lambdaFunctionPrefixes, 'CLOUD_LAMBDA_FUNCTION_PREFIXES');
      const body = args.payload === undefined ? undefined : Buffer.from(JSON.stringify(args.payload));
      if (body && body.length > ctx.config.lambdaMaxPayloadBytes) {
        throw new ToolError(
          'INVALID_ARGUMENT',
          `the payload is ${body.length} bytes, over the cap of ${ctx.config.lambdaMaxPayloadBytes} (CLOUD_LAMBDA_MAX_PAYLOAD)`,
        );
      }
      const region = awsRegionOf(ctx, args.region);
      const target = await awsTarget(ctx, region);
      const approval = await authorizeMutation(ctx, {
        tool: 'lambdaInvoke',
        action: `invoke ${args.functionName} (${args.invocationType})`,
        target,
        destructive: false,
      });
      const out = await awsCall('lambda:Invoke', () =>
        ctx.clients.aws.lambda(region).send(
          new InvokeCommand({
            FunctionName: args.functionName,
            InvocationType: args.invocationType,
            ...(body ? { Payload: body } : {}),
            ...(args.qualifier ? { Qualifier: args.qualifier } : {}),
            ...(args.logTail && args.invocationType === 'RequestResponse' ? { LogType: 'Tail' } : {}),
          }),
          { abortSignal: ctx.signal },
        ),
      );
      const raw = out.Payload ? Buffer.from(out.Payload) : Buffer.alloc(0);
      const cap = textCapOf(ctx.config);
      const truncated = raw.length > cap;
      const text = raw.subarray(0, cap).toString('utf8');
      let payload: unknown;
      if (raw.length > 0) {
        try {
          payload = truncated ? text : JSON.parse(text);
        } catch {
          payload = text;
        }
      }
      const log = out.LogResult ? Buffer.from(out.LogResult, 'base64').toString('utf8') : undefined;
      return {
        functionName: args.functionName,
        statusCode: out.StatusCode,
        functionError: out.FunctionError,
        executedVersion: out.ExecutedVersion,
        ...(payload !== undefined ? { payload } : {}),
        payloadBytes: raw.length,
        payloadTruncated: truncated,
        logTail: log === undefined ? undefined : log.slice(-LOG_TAIL_BYTES),
        target,
        approval,
      };
    }),
});
