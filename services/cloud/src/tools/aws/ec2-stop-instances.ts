import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { defineTool, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { awsRegionOf, awsTarget } from '../../safety/scope.ts';
import { approvalSchema, awsRegionInput, targetSchema } from '../shared-schemas.ts';
import { instanceIds, stateChange, stateChangeOf } from './ec2-rows.ts';

export const ec2StopInstances = defineTool({
  name: 'ec2StopInstances',
  title: 'Stop EC2 instances',
  description:
    'Stops running EC2 instances (instance-store data is lost; force skips the guest shutdown) after a human approves it. Needs CLOUD_MODE=write.',
  input: z.object({
    instanceIds,
    force: z.boolean().default(false),
    hibernate: z.boolean().default(false),
    region: awsRegionInput,
  }),
  output: z.object({ instances: z.array(stateChange), target: targetSchema, approval: approvalSchema }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      const region = awsRegionOf(ctx, args.region);
      const target = await awsTarget(ctx, region);
      const approval = await authorizeMutation(ctx, {
        tool: 'ec2StopInstances',
        action: `${args.force ? 'force-' : ''}stop ${args.instanceIds.join(', ')}${args.hibernate ? ' (hibernate)' : ''}`,
        target,
        destructive: true,
      });
      const out = await awsCall('ec2:StopInstances', () =>
        ctx.clients.aws
          .ec2(region)
          .send(new StopInstancesCommand({ InstanceIds: args.instanceIds, Force: args.force, Hibernate: args.hibernate }), {
            abortSignal: ctx.signal,
          }),
      );
      return { instances: (out.StoppingInstances ?? []).map(stateChangeOf), target, approval };
    }),
});
