import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { defineTool, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { requireAllowed } from '../../safety/allowlist.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { awsRegionOf, awsTarget } from '../../safety/scope.ts';
import { approvalSchema, awsRegionInput, targetSchema } from '../shared-schemas.ts';

export const s3DeleteObject = defineTool({
  name: 's3DeleteObject',
  title: 'Delete an S3 object',
  description: 'Deletes one object (or one version) of an allowed bucket after a human approves it. Needs CLOUD_MODE=write.',
  input: z.object({
    bucket: z.string().min(3),
    key: z.string().min(1),
    versionId: z.string().optional(),
    region: awsRegionInput,
  }),
  output: z.object({
    bucket: z.string(),
    key: z.string(),
    deleted: z.boolean(),
    size: z.number().optional().describe('Size of the object that was deleted'),
    versionId: z.string().optional(),
    deleteMarker: z.boolean().optional(),
    target: targetSchema,
    approval: approvalSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      requireAllowed('bucket', args.bucket, ctx.config.s3Buckets, 'CLOUD_S3_BUCKETS');
      const region = awsRegionOf(ctx, args.region);
      const s3 = ctx.clients.aws.s3(region);
      const key = { Bucket: args.bucket, Key: args.key, ...(args.versionId ? { VersionId: args.versionId } : {}) };
      const target = await awsTarget(ctx, region);
      // S3 answers a delete of a missing key with success; the HEAD says whether there is anything to delete.
      const head = await awsCall('s3:HeadObject', () => s3.send(new HeadObjectCommand(key), { abortSignal: ctx.signal }));
      const approval = await authorizeMutation(ctx, {
        tool: 's3DeleteObject',
        action: `delete s3://${args.bucket}/${args.key}${args.versionId ? ` version ${args.versionId}` : ''} (${head.ContentLength ?? 0} bytes)`,
        target,
        destructive: true,
      });
      const out = await awsCall('s3:DeleteObject', () => s3.send(new DeleteObjectCommand(key), { abortSignal: ctx.signal }));
      ctx.log.info({ bucket: args.bucket, key: args.key, approval }, 'S3 object deleted');
      return {
        bucket: args.bucket,
        key: args.key,
        deleted: true,
        size: head.ContentLength,
        versionId: out.VersionId,
        deleteMarker: out.DeleteMarker,
        target,
        approval,
      };
    }),
});
