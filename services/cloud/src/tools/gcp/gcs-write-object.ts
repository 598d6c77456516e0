import { defineTool, ToolError, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { uploadBody } from '../../files/upload-body.ts';
import { gcpCall, gcpError } from '../../gcp/errors.ts';
import { requireAllowed } from '../../safety/allowlist.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { approvalSchema, targetSchema, uploadSource } from '../shared-schemas.ts';
import { bucketTarget } from './gcs-target.ts';

export const gcsWriteObject = defineTool({
  name: 'gcsWriteObject',
  title: 'Upload a Cloud Storage object',
  description:
    'Uploads text, base64 or a local file (under CLOUD_FILE_ROOTS) to an allowed bucket with a resumable upload (the client checks the CRC32C/MD5 the server reports). Without overwrite the write is conditional on the object not existing; overwriting asks a human first and is conditional on the generation approved. Needs CLOUD_MODE=write.',
  input: z.object({
    bucket: z.string().min(3),
    object: z.string().min(1).max(1024),
    ...uploadSource,
    contentType: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    overwrite: z.boolean().default(false),
  }),
  output: z.object({
    bucket: z.string(),
    object: z.string(),
    uri: z.string(),
    size: z.number(),
    generation: z.string().optional(),
    md5Hash: z.string().optional(),
    crc32c: z.string().optional(),
    overwrote: z.boolean(),
    target: targetSchema,
    approval: approvalSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      requireAllowed('bucket', args.bucket, ctx.config.gcsBuckets, 'CLOUD_GCS_BUCKETS');
      const body = await uploadBody(args, ctx.config.fileRoots, ctx.config.maxUploadBytes);
      const target = await bucketTarget(ctx, args.bucket);
      const file = ctx.clients.gcp.storage.bucket(args.bucket).file(args.object);
      let generation: string | undefined;
      try {
        const [m] = await file.getMetadata();
        generation = String((m as { generation?: string | number }).generation);
      } catch (error) {
        const mapped = gcpError(error, 'storage.objects.get');
        if (mapped.code !== 'NOT_FOUND') throw mapped;
      }
      const uri = `gs://${args.bucket}/${args.object}`;
      if (generation && !args.overwrite)
        throw new ToolError('CONFLICT', `${uri} already exists; pass overwrite: true to replace it`);
      const approval = await authorizeMutation(ctx, {
        tool: 'gcsWriteObject',
        action: `${generation ? `overwrite generation ${generation} of` : 'create'} ${uri} (${body.size} bytes)`,
        target,
        destructive: generation !== undefined,
      });
      // The session is created first (with the precondition), then the bytes go to its URI. With a custom endpoint,
      // @google-cloud/storage authenticates only the createResumableUpload path (its save() path drops
      // useAuthWithCustomEndpoint), and the session URI needs no token of its own.
      const precondition = { ifGenerationMatch: generation ? Number(generation) : 0 };
      const [session] = await gcpCall('storage.objects.insert (resumable session)', () =>
        file.createResumableUpload({
          metadata: {
            ...(args.contentType ? { contentType: args.contentType } : {}),
            ...(args.metadata ? { metadata: args.metadata } : {}),
          },
          preconditionOpts: precondition,
        }),
      );
      await gcpCall('storage.objects.insert (resumable upload)', () =>
        file.save(body.bytes, {
          resumable: true,
          uri: session,
          validation: 'crc32c',
          ...(args.contentType ? { contentType: args.contentType } : {}),
          preconditionOpts: precondition,
        }),
      );
      const m = file.metadata as { generation?: string | number; md5Hash?: string; crc32c?: string; size?: string | number };
      ctx.log.info({ bucket: args.bucket, object: args.object, size: body.size, approval }, 'GCS object written');
      return {
        bucket: args.bucket,
        object: args.object,
        uri,
        size: Number(m.size ?? body.size),
        generation: m.generation === undefined ? undefined : String(m.generation),
        md5Hash: m.md5Hash,
        crc32c: m.crc32c,
        overwrote: generation !== undefined,
        target,
        approval,
      };
    }),
});
