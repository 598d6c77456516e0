import { defineTool, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { gcpProjectOf, gcpZoneOf } from '../../safety/scope.ts';
import { approvalSchema, gcpProjectInput, gcpZoneInput, targetSchema } from '../shared-schemas.ts';
import { operationOutput, requestIdOf, waitZoneOperation } from './compute-operations.ts';

export const computeStartInstance = defineTool({
  name: 'computeStartInstance',
  title: 'Start a Compute Engine instance',
  description: 'Starts a stopped VM instance and waits for the operation. Needs CLOUD_MODE=write.',
  input: z.object({
    instance: z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/),
    project: gcpProjectInput,
    zone: gcpZoneInput,
  }),
  output: z.object({ instance: z.string(), operation: operationOutput, target: targetSchema, approval: approvalSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      const project = await gcpProjectOf(ctx, args.project);
      const { zone, region } = gcpZoneOf(ctx, args.zone);
      const target = { provider: 'gcp' as const, project, region, zone };
      const approval = await authorizeMutation(ctx, {
        tool: 'computeStartInstance',
        action: `start instance ${args.instance}`,
        target,
        destructive: false,
      });
      const [operation] = await gcpCall('compute.instances.start', async () =>
        (await ctx.clients.gcp.instances()).start({
          project,
          zone,
          instance: args.instance,
          requestId: requestIdOf(ctx, `start:${args.instance}`),
        }),
      );
      const done = await waitZoneOperation(ctx, project, zone, operation.latestResponse as never);
      ctx.log.info({ instance: args.instance, zone, approval }, 'Compute instance start');
      return { instance: args.instance, operation: done, target, approval };
    }),
});
