import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { defineTool, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { hasPrefix } from '../../safety/allowlist.ts';
import { awsRegionOf } from '../../safety/scope.ts';
import { awsRegionInput } from '../shared-schemas.ts';

const fn = z.object({
  name: z.string(),
  runtime: z.string().optional(),
  handler: z.string().optional(),
  memoryMb: z.number().optional(),
  timeoutSeconds: z.number().optional(),
  codeSize: z.number().optional(),
  lastModified: z.string().optional(),
  state: z.string().optional(),
  description: z.string().optional(),
});

export const lambdaListFunctions = defineTool({
  name: 'lambdaListFunctions',
  title: 'List Lambda functions',
  description:
    "Lists Lambda functions whose names start with an allowed prefix (CLOUD_LAMBDA_FUNCTION_PREFIXES), paged with Lambda's Marker.",
  input: z.object({ region: awsRegionInput, ...listInput(25, 50) }),
  output: z.object({ region: z.string(), ...listOutput(fn) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const region = awsRegionOf(ctx, args.region);
    const lambda = ctx.clients.aws.lambda(region);
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['lambdaListFunctions', region],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 50,
      fetch: async (token, size) => {
        const out = await awsCall('lambda:ListFunctions', () =>
          lambda.send(new ListFunctionsCommand({ MaxItems: size, ...(token ? { Marker: token } : {}) }), {
            abortSignal: ctx.signal,
          }),
        );
        const items = (out.Functions ?? [])
          .filter((f) => f.FunctionName && hasPrefix(f.FunctionName, ctx.config.lambdaFunctionPrefixes))
          .map((f) => ({
            name: f.FunctionName as string,
            runtime: f.Runtime,
            handler: f.Handler,
            memoryMb: f.MemorySize,
            timeoutSeconds: f.Timeout,
            codeSize: f.CodeSize,
            lastModified: f.LastModified,
            state: f.State,
            description: f.Description || undefined,
          }));
        return { items, next: out.NextMarker };
      },
    });
    return { region, ...page, count: page.items.length };
  },
});
