import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { defineTool, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { requireAllowed } from '../../safety/allowlist.ts';
import { awsRegionOf } from '../../safety/scope.ts';
import { awsRegionInput, isoOf } from '../shared-schemas.ts';

const entry = z.object({
  key: z.string(),
  type: z.enum(['object', 'prefix']).describe('prefix: a common prefix ("folder") under the delimiter'),
  size: z.number().optional(),
  lastModified: z.string().optional(),
  etag: z.string().optional(),
  storageClass: z.string().optional(),
});

export const s3ListObjects = defineTool({
  name: 's3ListObjects',
  title: 'List S3 objects',
  description:
    'Lists objects of an allowed bucket by prefix; with a delimiter (e.g. "/") common prefixes come back as type "prefix". Paged with S3\'s continuation token.',
  input: z.object({
    bucket: z.string().min(3),
    prefix: z.string().optional(),
    delimiter: z.string().min(1).optional(),
    region: awsRegionInput,
    ...listInput(50, 1000),
  }),
  output: z.object({ bucket: z.string(), ...listOutput(entry) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    requireAllowed('bucket', args.bucket, ctx.config.s3Buckets, 'CLOUD_S3_BUCKETS');
    const region = awsRegionOf(ctx, args.region);
    const s3 = ctx.clients.aws.s3(region);
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['s3ListObjects', region, args.bucket, args.prefix, args.delimiter],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 1000,
      fetch: async (token, size) => {
        const out = await awsCall('s3:ListObjectsV2', () =>
          s3.send(
            new ListObjectsV2Command({
              Bucket: args.bucket,
              MaxKeys: size,
              ...(args.prefix ? { Prefix: args.prefix } : {}),
              ...(args.delimiter ? { Delimiter: args.delimiter } : {}),
              ...(token ? { ContinuationToken: token } : {}),
            }),
            { abortSignal: ctx.signal },
          ),
        );
        const objects = (out.Contents ?? []).map((o) => ({
          key: o.Key ?? '',
          type: 'object' as const,
          size: o.Size,
          lastModified: isoOf(o.LastModified),
          etag: o.ETag,
          storageClass: o.StorageClass,
        }));
        const prefixes = (out.CommonPrefixes ?? []).map((p) => ({ key: p.Prefix ?? '', type: 'prefix' as const }));
        const items = [...objects, ...prefixes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        return { items, next: out.IsTruncated ? out.NextContinuationToken : undefined };
      },
    });
    return { bucket: args.bucket, ...page, count: page.items.length };
  },
});
