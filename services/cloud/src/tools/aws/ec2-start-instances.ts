import { StartInstancesCommand } from '@aws-sdk/client-ec2';
import { defineTool, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { authorizeMutation } from '../../safety/mutation.ts';
import { awsRegionOf, awsTarget } from '../../safety/scope.ts';
import { approvalSchema, awsRegionInput, targetSchema } from '../shared-schemas.ts';
import { instanceIds, stateChange, stateChangeOf } from './ec2-rows.ts';

export const ec2StartInstances = defineTool({
  name: 'ec2StartInstances',
  title: 'Start EC2 instances',
  description: "Starts stopped EC2 instances; returns each one's previous and current state. Needs CLOUD_MODE=write.",
  input: z.object({ instanceIds, region: awsRegionInput }),
  output: z.object({ instances: z.array(stateChange), target: targetSchema, approval: approvalSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      const region = awsRegionOf(ctx, args.region);
      const target = await awsTarget(ctx, region);
      const approval = await authorizeMutation(ctx, {
        tool: 'ec2StartInstances',
        action: `start ${args.instanceIds.join(', ')}`,
        target,
        destructive: false,
      });
      const out = await awsCall('ec2:StartInstances', () =>
        ctx.clients.aws
          .ec2(region)
          .send(new StartInstancesCommand({ InstanceIds: args.instanceIds }), { abortSignal: ctx.signal }),
      );
      return { instances: (out.StartingInstances ?? []).map(stateChangeOf), target, approval };
    }),
});
