import { defineTool, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { allowedBy } from '../../safety/allowlist.ts';
import { gcpProjectOf } from '../../safety/scope.ts';
import { gcpProjectInput } from '../shared-schemas.ts';

const bucket = z.object({
  name: z.string(),
  location: z.string().optional(),
  storageClass: z.string().optional(),
  created: z.string().optional(),
});

interface BucketMetadata {
  name?: string;
  location?: string;
  storageClass?: string;
  timeCreated?: string;
}

export const gcsListBuckets = defineTool({
  name: 'gcsListBuckets',
  title: 'List Cloud Storage buckets',
  description:
    "Lists the project's Cloud Storage buckets that are on the allowlist (CLOUD_GCS_BUCKETS), paged with the API's pageToken.",
  input: z.object({ project: gcpProjectInput, prefix: z.string().optional(), ...listInput(50, 1000) }),
  output: z.object({ project: z.string(), ...listOutput(bucket) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const project = await gcpProjectOf(ctx, args.project);
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['gcsListBuckets', project, args.prefix],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 1000,
      fetch: async (token, size) => {
        const [buckets, next] = await gcpCall('storage.buckets.list', () =>
          ctx.clients.gcp.storage.getBuckets({
            project,
            autoPaginate: false,
            maxResults: size,
            ...(token ? { pageToken: token } : {}),
            ...(args.prefix ? { prefix: args.prefix } : {}),
          } as never),
        );
        const items = buckets
          .map((b) => b.metadata as BucketMetadata)
          .filter((m) => m.name && allowedBy(m.name, ctx.config.gcsBuckets))
          .map((m) => ({ name: m.name as string, location: m.location, storageClass: m.storageClass, created: m.timeCreated }));
        return { items, next: (next as { pageToken?: string } | null)?.pageToken };
      },
    });
    return { project, ...page, count: page.items.length };
  },
});
