import { defineTool, ToolError, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall, gcpError } from '../../gcp/errors.ts';
import { requireAllowed, requirePrefix } from '../../safety/allowlist.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { gcpProjectOf, gcpRegionOf } from '../../safety/scope.ts';
import { approvalSchema, gcpProjectInput, gcpRegionInput, targetSchema } from '../shared-schemas.ts';
import { type CloudFunction, FUNCTION_ID, functionRow, functionRowOf } from './functions-rows.ts';

const DEPLOY_WAIT_MS = 10 * 60_000;

export const functionsDeploy = defineTool({
  name: 'functionsDeploy',
  title: 'Deploy a Cloud Function',
  description:
    'Creates or updates an HTTP Cloud Function (2nd gen) from a source zip in an allowed bucket, and waits for the deployment. Replacing an existing function asks a human first. Needs CLOUD_MODE=write.',
  input: z.object({
    name: z.string().regex(FUNCTION_ID),
    runtime: z
      .string()
      .regex(/^[a-z]+[0-9]*$/)
      .describe('e.g. nodejs22, python312'),
    entryPoint: z.string().min(1),
    source: z.object({ bucket: z.string().min(3), object: z.string().min(1), generation: z.string().regex(/^\d+$/).optional() }),
    environmentVariables: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string()).optional(),
    memory: z
      .string()
      .regex(/^\d+(Mi|Gi|M|G)$/)
      .optional()
      .describe('e.g. 256Mi'),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
    maxInstances: z.number().int().min(1).max(1000).optional(),
    project: gcpProjectInput,
    region: gcpRegionInput,
  }),
  output: z.object({
    created: z.boolean(),
    operation: z.string(),
    function: functionRow,
    target: targetSchema,
    approval: approvalSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      requirePrefix('function', args.name, ctx.config.gcpFunctionPrefixes, 'CLOUD_GCP_FUNCTION_PREFIXES');
      requireAllowed('bucket', args.source.bucket, ctx.config.gcsBuckets, 'CLOUD_GCS_BUCKETS');
      const project = await gcpProjectOf(ctx, args.project);
      const region = gcpRegionOf(ctx, args.region);
      const target = { provider: 'gcp' as const, project, region };
      const parent = `projects/${project}/locations/${region}`;
      const name = `${parent}/functions/${args.name}`;
      const functions = await ctx.clients.gcp.functions();
      let exists = true;
      try {
        await functions.getFunction({ name });
      } catch (error) {
        const mapped = gcpError(error, 'cloudfunctions.functions.get');
        if (mapped.code !== 'NOT_FOUND') throw mapped;
        exists = false;
      }
      const source = `gs://${args.source.bucket}/${args.source.object}`;
      const approval = await authorizeMutation(ctx, {
        tool: 'functionsDeploy',
        action: `${exists ? 'replace' : 'create'} function ${args.name} (${args.runtime}, ${args.entryPoint}) from ${source}`,
        target,
        destructive: exists,
      });
      const fn = {
        name,
        environment: 'GEN_2' as const,
        buildConfig: {
          runtime: args.runtime,
          entryPoint: args.entryPoint,
          source: {
            storageSource: {
              bucket: args.source.bucket,
              object: args.source.object,
              ...(args.source.generation ? { generation: args.source.generation } : {}),
            },
          },
        },
        serviceConfig: {
          ...(args.environmentVariables ? { environmentVariables: args.environmentVariables } : {}),
          ...(args.memory ? { availableMemory: args.memory } : {}),
          ...(args.timeoutSeconds ? { timeoutSeconds: args.timeoutSeconds } : {}),
          ...(args.maxInstances ? { maxInstanceCount: args.maxInstances } : {}),
        },
      };
      const [operation] = exists
        ? await gcpCall('cloudfunctions.functions.patch', () =>
            functions.updateFunction({ function: fn, updateMask: { paths: ['build_config', 'service_config'] } }),
          )
        : await gcpCall('cloudfunctions.functions.create', () =>
            functions.createFunction({ parent, function: fn, functionId: args.name }),
          );
      const deployed = await Promise.race([
        gcpCall('cloudfunctions.operations.get', () => operation.promise()),
        new Promise<never>((_, reject) =>
          setTimeout(
            () =>
              reject(
                new ToolError('TIMEOUT', `deployment ${operation.name} is still running after ${DEPLOY_WAIT_MS} ms; it goes on`),
              ),
            DEPLOY_WAIT_MS,
          ).unref(),
        ),
      ]);
      const result = deployed[0] as CloudFunction;
      ctx.log.info({ function: args.name, created: !exists, approval }, 'Cloud Function deployed');
      return { created: !exists, operation: operation.name ?? '', function: functionRowOf(result), target, approval };
    }),
});
