import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { defineTool, ToolError, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { requireAllowed } from '../../safety/allowlist.ts';
import { awsRegionOf } from '../../safety/scope.ts';
import { awsRegionInput, isoOf, looksLikeText, objectReadMode, textCapOf } from '../shared-schemas.ts';

export const s3GetObject = defineTool({
  name: 's3GetObject',
  title: 'Read an S3 object',
  description:
    'Reads an object: its text when it is textual and under CLOUD_MAX_TEXT_BYTES, otherwise a presigned GET URL (valid CLOUD_PRESIGN_TTL_SECONDS). mode "metadata" returns size, type and ETag only.',
  input: z.object({
    bucket: z.string().min(3),
    key: z.string().min(1),
    mode: objectReadMode,
    versionId: z.string().optional(),
    region: awsRegionInput,
  }),
  output: z.object({
    bucket: z.string(),
    key: z.string(),
    size: z.number(),
    contentType: z.string().optional(),
    etag: z.string().optional(),
    lastModified: z.string().optional(),
    versionId: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    text: z.string().optional(),
    url: z.string().optional().describe('Presigned GET URL; anyone holding it can read the object until it expires'),
    urlExpiresAt: z.string().optional(),
    reason: z.string().optional().describe('Why a URL was returned instead of text'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  // A presigned URL is a deliberate, time-limited grant: made with real keys it carries the key id (AKIA…/ASIA…) and
  // the session token, which the kit's redactor would otherwise mask and so break the URL. Only `url` passes.
  discloses: ['url'],
  handler: async (args, ctx: CloudToolContext) => {
    requireAllowed('bucket', args.bucket, ctx.config.s3Buckets, 'CLOUD_S3_BUCKETS');
    const region = awsRegionOf(ctx, args.region);
    const s3 = ctx.clients.aws.s3(region);
    const key = { Bucket: args.bucket, Key: args.key, ...(args.versionId ? { VersionId: args.versionId } : {}) };
    const head = await awsCall('s3:HeadObject', () => s3.send(new HeadObjectCommand(key), { abortSignal: ctx.signal }));
    const base = {
      bucket: args.bucket,
      key: args.key,
      size: head.ContentLength ?? 0,
      contentType: head.ContentType,
      etag: head.ETag,
      lastModified: isoOf(head.LastModified),
      versionId: head.VersionId,
      ...(head.Metadata && Object.keys(head.Metadata).length > 0 ? { metadata: head.Metadata } : {}),
    };
    if (args.mode === 'metadata') return base;
    const presign = async (reason: string) => {
      const ttl = ctx.config.presignTtlSeconds;
      const url = await awsCall('s3:GetObject (presign)', () => getSignedUrl(s3, new GetObjectCommand(key), { expiresIn: ttl }));
      return { ...base, url, urlExpiresAt: new Date(Date.now() + ttl * 1000).toISOString(), reason };
    };
    if (args.mode === 'url') return presign('a URL was asked for');
    const textCap = textCapOf(ctx.config);
    if (base.size > textCap) {
      if (args.mode === 'text') {
        throw new ToolError(
          'OUTPUT_TOO_LARGE',
          `the object is ${base.size} bytes, over the text cap of ${textCap} (CLOUD_MAX_TEXT_BYTES); use mode "url"`,
        );
      }
      return presign(`the object is ${base.size} bytes, over the text cap of ${textCap}`);
    }
    const got = await awsCall('s3:GetObject', () => s3.send(new GetObjectCommand(key), { abortSignal: ctx.signal }));
    const bytes = (await got.Body?.transformToByteArray()) ?? new Uint8Array();
    if (!looksLikeText(head.ContentType, bytes)) {
      if (args.mode === 'text') {
        throw new ToolError('INVALID_ARGUMENT', 'the object is not text; use mode "url"');
      }
      return presign('the object is binary');
    }
    return { ...base, text: Buffer.from(bytes).toString('utf8') };
  },
});
