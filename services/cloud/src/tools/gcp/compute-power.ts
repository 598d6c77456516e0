import { defineTool, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { gcpProjectOf, gcpZoneOf } from '../../safety/scope.ts';
import { approvalSchema, gcpProjectInput, gcpZoneInput, targetSchema } from '../shared-schemas.ts';
import { operationOutput, requestIdOf, waitZoneOperation } from './compute-operations.ts';

export interface ComputePowerOptions {
  name: string;
  title: string;
  description: string;
  verb: 'start' | 'stop';
  /** Destructive calls ask a human first (stopping loses local SSD data and interrupts the VM). */
  destructive: boolean;
}

/**
 * Starts or stops one VM: project and zone within the allowlists, approval when destructive, the zone operation
 * waited for, and a request id derived from the workflow key so a retried call reuses the operation.
 */
export function defineComputePowerTool(options: ComputePowerOptions) {
  const { name, verb, destructive } = options;
  return defineTool({
    name,
    title: options.title,
    description: options.description,
    input: z.object({
      instance: z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/),
      project: gcpProjectInput,
      zone: gcpZoneInput,
    }),
    output: z.object({ instance: z.string(), operation: operationOutput, target: targetSchema, approval: approvalSchema }),
    annotations: { readOnlyHint: false, destructiveHint: destructive, idempotentHint: true, openWorldHint: true },
    // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
    handler: (args, ctx: CloudToolContext) =>
      ctx.idempotent(async () => {
        const project = await gcpProjectOf(ctx, args.project);
        const { zone, region } = gcpZoneOf(ctx, args.zone);
        const target = { provider: 'gcp' as const, project, region, zone };
        const approval = await authorizeMutation(ctx, {
          tool: name,
          action: `${verb} instance ${args.instance}`,
          target,
          destructive,
        });
        const [operation] = await gcpCall(`compute.instances.${verb}`, async () =>
          (await ctx.clients.gcp.instances())[verb]({
            project,
            zone,
            instance: args.instance,
            requestId: requestIdOf(ctx, `${verb}:${args.instance}`),
          }),
        );
        const done = await waitZoneOperation(ctx, project, zone, operation.latestResponse as never);
        ctx.log.info({ instance: args.instance, zone, approval }, `Compute instance ${verb}`);
        return { instance: args.instance, operation: done, target, approval };
      }),
  });
}
