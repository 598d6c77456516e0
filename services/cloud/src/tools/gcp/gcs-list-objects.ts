import { defineTool, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { requireAllowed } from '../../safety/allowlist.ts';

const entry = z.object({
  name: z.string(),
  type: z.enum(['object', 'prefix']),
  size: z.number().optional(),
  updated: z.string().optional(),
  contentType: z.string().optional(),
  generation: z.string().optional(),
  md5Hash: z.string().optional(),
});

interface ObjectMetadata {
  name?: string;
  size?: string | number;
  updated?: string;
  contentType?: string;
  generation?: string | number;
  md5Hash?: string;
}

export const gcsListObjects = defineTool({
  name: 'gcsListObjects',
  title: 'List Cloud Storage objects',
  description:
    'Lists objects of an allowed bucket by prefix; with a delimiter ("/") the common prefixes come back as type "prefix". Paged.',
  input: z.object({
    bucket: z.string().min(3),
    prefix: z.string().optional(),
    delimiter: z.string().min(1).optional(),
    ...listInput(50, 1000),
  }),
  output: z.object({ bucket: z.string(), ...listOutput(entry) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    requireAllowed('bucket', args.bucket, ctx.config.gcsBuckets, 'CLOUD_GCS_BUCKETS');
    const bucket = ctx.clients.gcp.storage.bucket(args.bucket);
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['gcsListObjects', args.bucket, args.prefix, args.delimiter],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 1000,
      fetch: async (token, size) => {
        const [files, next, response] = await gcpCall('storage.objects.list', () =>
          bucket.getFiles({
            autoPaginate: false,
            maxResults: size,
            ...(token ? { pageToken: token } : {}),
            ...(args.prefix ? { prefix: args.prefix } : {}),
            ...(args.delimiter ? { delimiter: args.delimiter } : {}),
          }),
        );
        const objects = files.map((f) => {
          const m = f.metadata as ObjectMetadata;
          return {
            name: m.name ?? f.name,
            type: 'object' as const,
            size: m.size === undefined ? undefined : Number(m.size),
            updated: m.updated,
            contentType: m.contentType,
            generation: m.generation === undefined ? undefined : String(m.generation),
            md5Hash: m.md5Hash,
          };
        });
        const prefixes = ((response as { prefixes?: string[] } | undefined)?.prefixes ?? []).map((p) => ({
          name: p,
          type: 'prefix' as const,
        }));
        const items = [...objects, ...prefixes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        return { items, next: (next as { pageToken?: string } | null)?.pageToken };
      },
    });
    return { bucket: args.bucket, ...page, count: page.items.length };
  },
});
