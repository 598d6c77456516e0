import { defineTool, ToolError, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall, gcpError } from '../../gcp/errors.ts';
import { requirePrefix } from '../../safety/allowlist.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { gcpProjectOf, gcpRegionOf } from '../../safety/scope.ts';
import { approvalSchema, gcpProjectInput, gcpRegionInput, targetSchema, textCapOf } from '../shared-schemas.ts';
import { type CloudFunction, FUNCTION_ID } from './functions-rows.ts';

export const functionsInvoke = defineTool({
  name: 'functionsInvoke',
  title: 'Invoke a Cloud Function',
  description:
    'Calls an HTTP Cloud Function (allowed prefix) at its URL with a JSON body (at most CLOUD_LAMBDA_MAX_PAYLOAD bytes), authenticated with an ID token for that URL; returns the status and the response body (capped). Needs CLOUD_MODE=write.',
  input: z.object({
    name: z.string().regex(FUNCTION_ID),
    data: z.unknown().optional(),
    method: z.enum(['POST', 'GET']).default('POST'),
    project: gcpProjectInput,
    region: gcpRegionInput,
  }),
  output: z.object({
    name: z.string(),
    url: z.string(),
    status: z.number(),
    contentType: z.string().optional(),
    body: z.unknown().optional(),
    bodyBytes: z.number(),
    bodyTruncated: z.boolean(),
    target: targetSchema,
    approval: approvalSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      requirePrefix('function', args.name, ctx.config.gcpFunctionPrefixes, 'CLOUD_GCP_FUNCTION_PREFIXES');
      const body = args.data === undefined ? undefined : JSON.stringify(args.data);
      if (body && Buffer.byteLength(body) > ctx.config.lambdaMaxPayloadBytes) {
        throw new ToolError(
          'INVALID_ARGUMENT',
          `the body is over the cap of ${ctx.config.lambdaMaxPayloadBytes} bytes (CLOUD_LAMBDA_MAX_PAYLOAD)`,
        );
      }
      if (args.method === 'GET' && body) throw new ToolError('INVALID_ARGUMENT', 'a GET carries no data');
      const project = await gcpProjectOf(ctx, args.project);
      const region = gcpRegionOf(ctx, args.region);
      const target = { provider: 'gcp' as const, project, region };
      const [fn] = await gcpCall('cloudfunctions.functions.get', async () =>
        (await ctx.clients.gcp.functions()).getFunction({
          name: `projects/${project}/locations/${region}/functions/${args.name}`,
        }),
      );
      const f = fn as CloudFunction;
      const url = f.url ?? f.serviceConfig?.uri;
      if (!url) throw new ToolError('INVALID_ARGUMENT', `function ${args.name} has no HTTP URL (is it event-triggered?)`);
      const approval = await authorizeMutation(ctx, {
        tool: 'functionsInvoke',
        action: `invoke ${args.name} (${args.method} ${url})`,
        target,
        destructive: false,
      });
      const headers = await ctx.clients.gcp.idTokenHeaders(url);
      let response: Response;
      try {
        response = await fetch(url, {
          method: args.method,
          headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body } : {}),
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.config.requestTimeoutMs)]),
        });
      } catch (error) {
        throw gcpError(error, `invoke ${args.name}`);
      }
      const raw = Buffer.from(await response.arrayBuffer());
      const cap = textCapOf(ctx.config);
      const truncated = raw.length > cap;
      const text = raw.subarray(0, cap).toString('utf8');
      const contentType = response.headers.get('content-type') ?? undefined;
      let parsed: unknown = text;
      if (!truncated && contentType?.includes('json')) {
        try {
          parsed = JSON.parse(text);
        } catch {}
      }
      if (response.status === 401 || response.status === 403) {
        throw new ToolError(
          'PERMISSION_DENIED',
          `the function ${args.name} refused the call (${response.status}): ${text.slice(0, 200)}`,
          {
            details: { provider: 'gcp', action: 'invoke', httpStatus: response.status },
          },
        );
      }
      if (response.status === 429) {
        const seconds = Number(response.headers.get('retry-after') ?? 1);
        throw new ToolError('RATE_LIMITED', `the function ${args.name} is throttled (retry after ${seconds} s)`, {
          details: { retryAfterSeconds: seconds },
        });
      }
      return {
        name: args.name,
        url,
        status: response.status,
        contentType,
        ...(raw.length > 0 ? { body: parsed } : {}),
        bodyBytes: raw.length,
        bodyTruncated: truncated,
        target,
        approval,
      };
    }),
});
