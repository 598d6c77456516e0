import { readFile } from 'node:fs/promises';
import { UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { defineTool, ToolError, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { checkedFile } from '../../files/file-source.ts';
import { requireAllowed, requirePrefix } from '../../safety/allowlist.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { awsRegionOf, awsTarget } from '../../safety/scope.ts';
import { approvalSchema, awsRegionInput, targetSchema } from '../shared-schemas.ts';

/** Lambda's limit for a zip sent in the request (larger packages go through S3). */
const DIRECT_ZIP_LIMIT = 50 * 1024 * 1024;

export const lambdaUpdateFunctionCode = defineTool({
  name: 'lambdaUpdateFunctionCode',
  title: "Replace a Lambda function's code",
  description:
    'Replaces the code of a function (allowed prefix) with a zip from an allowed S3 bucket or a local file under CLOUD_FILE_ROOTS, after a human approves it. publish creates a version. Needs CLOUD_MODE=write.',
  input: z.object({
    functionName: z.string().min(1).max(170),
    s3: z.object({ bucket: z.string().min(3), key: z.string().min(1), version: z.string().optional() }).optional(),
    file: z.string().optional().describe('Absolute path of a .zip under CLOUD_FILE_ROOTS'),
    publish: z.boolean().default(false),
    region: awsRegionInput,
  }),
  output: z.object({
    functionName: z.string(),
    codeSha256: z.string().optional(),
    codeSize: z.number().optional(),
    version: z.string().optional(),
    lastUpdateStatus: z.string().optional(),
    revisionId: z.string().optional(),
    target: targetSchema,
    approval: approvalSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      requirePrefix('function', args.functionName, ctx.config.lambdaFunctionPrefixes, 'CLOUD_LAMBDA_FUNCTION_PREFIXES');
      if (!args.s3 === !args.file) throw new ToolError('INVALID_ARGUMENT', 'give exactly one of s3 or file');
      let zip: Buffer | undefined;
      if (args.s3) requireAllowed('bucket', args.s3.bucket, ctx.config.s3Buckets, 'CLOUD_S3_BUCKETS');
      else {
        const checked = await checkedFile(
          args.file as string,
          ctx.config.fileRoots,
          Math.min(DIRECT_ZIP_LIMIT, ctx.config.maxUploadBytes),
        );
        zip = await readFile(checked.path);
        if (zip.subarray(0, 4).toString('binary') !== 'PK\x03\x04')
          throw new ToolError('INVALID_ARGUMENT', `${args.file} is not a zip file`);
      }
      const region = awsRegionOf(ctx, args.region);
      const target = await awsTarget(ctx, region);
      const source = args.s3 ? `s3://${args.s3.bucket}/${args.s3.key}` : `${args.file} (${zip?.length} bytes)`;
      const approval = await authorizeMutation(ctx, {
        tool: 'lambdaUpdateFunctionCode',
        action: `replace the code of ${args.functionName} with ${source}${args.publish ? ' and publish a version' : ''}`,
        target,
        destructive: true,
      });
      const out = await awsCall('lambda:UpdateFunctionCode', () =>
        ctx.clients.aws.lambda(region).send(
          new UpdateFunctionCodeCommand({
            FunctionName: args.functionName,
            Publish: args.publish,
            ...(args.s3
              ? { S3Bucket: args.s3.bucket, S3Key: args.s3.key, ...(args.s3.version ? { S3ObjectVersion: args.s3.version } : {}) }
              : { ZipFile: zip }),
          }),
          { abortSignal: ctx.signal },
        ),
      );
      ctx.log.info({ function: args.functionName, sha256: out.CodeSha256, approval }, 'Lambda code replaced');
      return {
        functionName: args.functionName,
        codeSha256: out.CodeSha256,
        codeSize: out.CodeSize,
        version: out.Version,
        lastUpdateStatus: out.LastUpdateStatus,
        revisionId: out.RevisionId,
        target,
        approval,
      };
    }),
});
