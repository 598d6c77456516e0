import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { defineTool, ToolError, z } from '@switchboard/shared';
import { awsCall, awsError } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { uploadBody } from '../../files/upload-body.ts';
import { requireAllowed } from '../../safety/allowlist.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { awsRegionOf, awsTarget } from '../../safety/scope.ts';
import { approvalSchema, awsRegionInput, targetSchema, uploadSource } from '../shared-schemas.ts';

/** Whether the key exists (HEAD); a 404 is no. */
async function exists(ctx: CloudToolContext, region: string, bucket: string, key: string): Promise<boolean> {
  try {
    await ctx.clients.aws.s3(region).send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: ctx.signal });
    return true;
  } catch (error) {
    const mapped = awsError(error, 's3:HeadObject');
    if (mapped.code === 'NOT_FOUND') return false;
    throw mapped;
  }
}

export const s3PutObject = defineTool({
  name: 's3PutObject',
  title: 'Upload an S3 object',
  description:
    'Uploads text, base64 or a local file (under CLOUD_FILE_ROOTS) to an allowed bucket. An existing key is refused (CONFLICT) unless overwrite is true, and overwriting asks a human first. Needs CLOUD_MODE=write.',
  input: z.object({
    bucket: z.string().min(3),
    key: z.string().min(1).max(1024),
    ...uploadSource,
    contentType: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional().describe('User metadata (x-amz-meta-*)'),
    overwrite: z.boolean().default(false),
    region: awsRegionInput,
  }),
  output: z.object({
    bucket: z.string(),
    key: z.string(),
    size: z.number(),
    etag: z.string().optional(),
    md5: z.string().describe('MD5 of the bytes sent, hex (equals the ETag of a single-part upload)'),
    sha256: z.string(),
    versionId: z.string().optional(),
    overwrote: z.boolean(),
    target: targetSchema,
    approval: approvalSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      requireAllowed('bucket', args.bucket, ctx.config.s3Buckets, 'CLOUD_S3_BUCKETS');
      const region = awsRegionOf(ctx, args.region);
      const body = await uploadBody(args, ctx.config.fileRoots, ctx.config.maxUploadBytes);
      const target = await awsTarget(ctx, region);
      const existing = await exists(ctx, region, args.bucket, args.key);
      if (existing && !args.overwrite) {
        throw new ToolError('CONFLICT', `s3://${args.bucket}/${args.key} already exists; pass overwrite: true to replace it`);
      }
      const approval = await authorizeMutation(ctx, {
        tool: 's3PutObject',
        action: `${existing ? 'overwrite' : 'create'} s3://${args.bucket}/${args.key} (${body.size} bytes)`,
        target,
        destructive: existing,
      });
      const out = await awsCall('s3:PutObject', () =>
        ctx.clients.aws.s3(region).send(
          new PutObjectCommand({
            Bucket: args.bucket,
            Key: args.key,
            Body: body.bytes,
            ContentLength: body.size,
            ContentMD5: Buffer.from(body.md5Hex, 'hex').toString('base64'),
            ...(args.contentType ? { ContentType: args.contentType } : {}),
            ...(args.metadata ? { Metadata: args.metadata } : {}),
          }),
          { abortSignal: ctx.signal },
        ),
      );
      ctx.log.info({ bucket: args.bucket, key: args.key, size: body.size, overwrote: existing, approval }, 'S3 object written');
      return {
        bucket: args.bucket,
        key: args.key,
        size: body.size,
        etag: out.ETag,
        md5: body.md5Hex,
        sha256: body.sha256Hex,
        versionId: out.VersionId,
        overwrote: existing,
        target,
        approval,
      };
    }),
});
