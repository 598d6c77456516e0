import { defineTool, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { requireAllowed } from '../../safety/allowlist.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { approvalSchema, targetSchema } from '../shared-schemas.ts';
import { bucketTarget } from './gcs-target.ts';

export const gcsDeleteObject = defineTool({
  name: 'gcsDeleteObject',
  title: 'Delete a Cloud Storage object',
  description:
    'Deletes one object of an allowed bucket after a human approves it; the delete is conditional on the generation approved. Needs CLOUD_MODE=write.',
  input: z.object({ bucket: z.string().min(3), object: z.string().min(1) }),
  output: z.object({
    bucket: z.string(),
    object: z.string(),
    deleted: z.boolean(),
    generation: z.string(),
    size: z.number(),
    target: targetSchema,
    approval: approvalSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      requireAllowed('bucket', args.bucket, ctx.config.gcsBuckets, 'CLOUD_GCS_BUCKETS');
      const target = await bucketTarget(ctx, args.bucket);
      const file = ctx.clients.gcp.storage.bucket(args.bucket).file(args.object);
      const [metadata] = await gcpCall('storage.objects.get', () => file.getMetadata());
      const m = metadata as { generation?: string | number; size?: string | number };
      const generation = String(m.generation);
      const approval = await authorizeMutation(ctx, {
        tool: 'gcsDeleteObject',
        action: `delete gs://${args.bucket}/${args.object} (generation ${generation}, ${m.size ?? 0} bytes)`,
        target,
        destructive: true,
      });
      await gcpCall('storage.objects.delete', () => file.delete({ ifGenerationMatch: Number(generation) }));
      ctx.log.info({ bucket: args.bucket, object: args.object, generation, approval }, 'GCS object deleted');
      return { bucket: args.bucket, object: args.object, deleted: true, generation, size: Number(m.size ?? 0), target, approval };
    }),
});
