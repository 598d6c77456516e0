import { defineTool, ToolError, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { requireAllowed } from '../../safety/allowlist.ts';
import { looksLikeText, objectReadMode, textCapOf } from '../shared-schemas.ts';

interface ObjectMetadata {
  size?: string | number;
  contentType?: string;
  generation?: string | number;
  md5Hash?: string;
  crc32c?: string;
  updated?: string;
  metadata?: Record<string, string>;
}

export const gcsReadObject = defineTool({
  name: 'gcsReadObject',
  title: 'Read a Cloud Storage object',
  description:
    'Reads an object: its text when textual and under CLOUD_MAX_TEXT_BYTES (the client checks the hash), otherwise a V4 signed URL when the credentials can sign (a service-account key), else the gs:// URI with the reason. mode "metadata" returns the metadata only.',
  input: z.object({
    bucket: z.string().min(3),
    object: z.string().min(1),
    mode: objectReadMode,
    generation: z.string().regex(/^\d+$/).optional(),
  }),
  output: z.object({
    bucket: z.string(),
    object: z.string(),
    uri: z.string(),
    size: z.number(),
    contentType: z.string().optional(),
    generation: z.string().optional(),
    md5Hash: z.string().optional(),
    crc32c: z.string().optional(),
    updated: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    text: z.string().optional(),
    url: z.string().optional(),
    urlExpiresAt: z.string().optional(),
    reason: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    requireAllowed('bucket', args.bucket, ctx.config.gcsBuckets, 'CLOUD_GCS_BUCKETS');
    const file = ctx.clients.gcp.storage
      .bucket(args.bucket)
      .file(args.object, args.generation ? { generation: Number(args.generation) } : {});
    const [metadata] = await gcpCall('storage.objects.get', () => file.getMetadata());
    const m = metadata as ObjectMetadata;
    const base = {
      bucket: args.bucket,
      object: args.object,
      uri: `gs://${args.bucket}/${args.object}`,
      size: Number(m.size ?? 0),
      contentType: m.contentType,
      generation: m.generation === undefined ? undefined : String(m.generation),
      md5Hash: m.md5Hash,
      crc32c: m.crc32c,
      updated: m.updated,
      ...(m.metadata ? { metadata: m.metadata } : {}),
    };
    if (args.mode === 'metadata') return base;
    const signed = async (reason: string) => {
      const ttl = ctx.config.presignTtlSeconds;
      const expires = Date.now() + ttl * 1000;
      try {
        const [url] = await file.getSignedUrl({ version: 'v4', action: 'read', expires });
        return { ...base, url, urlExpiresAt: new Date(expires).toISOString(), reason };
      } catch (error) {
        return {
          ...base,
          reason: `${reason}; no signed URL: the credentials cannot sign (${(error as Error).message.split('\n')[0]})`,
        };
      }
    };
    if (args.mode === 'url') return signed('a URL was asked for');
    const textCap = textCapOf(ctx.config);
    if (base.size > textCap) {
      if (args.mode === 'text') {
        throw new ToolError(
          'OUTPUT_TOO_LARGE',
          `the object is ${base.size} bytes, over the text cap of ${textCap} (CLOUD_MAX_TEXT_BYTES)`,
        );
      }
      return signed(`the object is ${base.size} bytes, over the text cap of ${textCap}`);
    }
    const [bytes] = await gcpCall('storage.objects.get (media)', () => file.download());
    if (!looksLikeText(m.contentType, bytes)) {
      if (args.mode === 'text') throw new ToolError('INVALID_ARGUMENT', 'the object is not text; use mode "url"');
      return signed('the object is binary');
    }
    return { ...base, text: bytes.toString('utf8') };
  },
});
