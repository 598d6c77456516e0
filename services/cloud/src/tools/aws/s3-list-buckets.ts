import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { defineTool, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { allowedBy } from '../../safety/allowlist.ts';
import { awsRegionOf } from '../../safety/scope.ts';
import { awsRegionInput, isoOf } from '../shared-schemas.ts';

const bucket = z.object({ name: z.string(), created: z.string().optional(), region: z.string().optional() });

export const s3ListBuckets = defineTool({
  name: 's3ListBuckets',
  title: 'List S3 buckets',
  description: 'Lists the S3 buckets of the account that are on the bucket allowlist (CLOUD_S3_BUCKETS), paged.',
  input: z.object({
    prefix: z.string().optional().describe('Only buckets whose name starts with this'),
    region: awsRegionInput,
    ...listInput(50, 1000),
  }),
  output: z.object(listOutput(bucket)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const region = awsRegionOf(ctx, args.region);
    const s3 = ctx.clients.aws.s3(region);
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['s3ListBuckets', region, args.prefix],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 1000,
      fetch: async (token, size) => {
        const out = await awsCall('s3:ListBuckets', () =>
          s3.send(
            new ListBucketsCommand({
              MaxBuckets: size,
              ...(token ? { ContinuationToken: token } : {}),
              ...(args.prefix ? { Prefix: args.prefix } : {}),
            }),
            { abortSignal: ctx.signal },
          ),
        );
        const items = (out.Buckets ?? [])
          .filter((b) => b.Name && allowedBy(b.Name, ctx.config.s3Buckets) && (!args.prefix || b.Name.startsWith(args.prefix)))
          .map((b) => ({ name: b.Name as string, created: isoOf(b.CreationDate), region: b.BucketRegion }));
        return { items, next: out.ContinuationToken };
      },
    });
    return { ...page, count: page.items.length };
  },
});
