import { createHash } from 'node:crypto';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { defineTool, ToolError, z } from '@switchboard/shared';
import { awsError } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { requireAllowed } from '../../safety/allowlist.ts';
import { authorizeMutation, idempotencyKeyOf } from '../../safety/mutation.ts';
import { awsRegionOf, awsTarget } from '../../safety/scope.ts';
import { approvalSchema, awsRegionInput, targetSchema } from '../shared-schemas.ts';
import { instanceRow, instanceRowOf } from './ec2-rows.ts';

function requireListed(kind: string, value: string, list: readonly string[], setting: string): void {
  if (list.length === 0) {
    throw new ToolError('POLICY_VIOLATION', `ec2RunInstances is off: no ${kind}s are allowed (${setting} is empty)`, {
      details: { kind, name: value, setting },
    });
  }
  requireAllowed(kind, value, list, setting);
}

export const ec2RunInstances = defineTool({
  name: 'ec2RunInstances',
  title: 'Launch EC2 instances',
  description:
    "Launches instances of an allowed AMI (CLOUD_EC2_AMIS) and instance type (CLOUD_EC2_INSTANCE_TYPES), at most CLOUD_EC2_MAX_COUNT, with the required tags (CLOUD_EC2_REQUIRED_TAGS). Idempotent per clientToken (a workflow step's key by default). dryRun asks EC2 whether it would succeed. Needs CLOUD_MODE=write.",
  input: z.object({
    imageId: z.string().regex(/^ami-[0-9a-f]{8,17}$/),
    instanceType: z.string().min(1),
    count: z.number().int().min(1).default(1),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)),
    subnetId: z.string().optional(),
    securityGroupIds: z.array(z.string()).max(5).optional(),
    keyName: z.string().optional(),
    clientToken: z.string().min(1).max(64).optional().describe('Idempotency token: the same token never launches twice'),
    dryRun: z.boolean().default(false),
    region: awsRegionInput,
  }),
  output: z.object({
    dryRun: z.boolean(),
    instances: z.array(instanceRow),
    reservationId: z.string().optional(),
    clientToken: z.string().optional(),
    target: targetSchema,
    approval: approvalSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      const config = ctx.config;
      requireListed('AMI', args.imageId, config.ec2Amis, 'CLOUD_EC2_AMIS');
      requireListed('instance type', args.instanceType, config.ec2InstanceTypes, 'CLOUD_EC2_INSTANCE_TYPES');
      if (args.count > config.ec2MaxCount) {
        throw new ToolError(
          'POLICY_VIOLATION',
          `count ${args.count} is over the cap of ${config.ec2MaxCount} (CLOUD_EC2_MAX_COUNT)`,
        );
      }
      const missing = config.ec2RequiredTags.filter((tag) => !args.tags[tag]);
      if (missing.length > 0) {
        throw new ToolError('INVALID_ARGUMENT', `tags must include ${missing.join(', ')} (CLOUD_EC2_REQUIRED_TAGS)`);
      }
      const region = awsRegionOf(ctx, args.region);
      const target = await awsTarget(ctx, region);
      const key = idempotencyKeyOf(ctx);
      const clientToken = args.clientToken ?? (key ? createHash('sha256').update(key).digest('hex').slice(0, 64) : undefined);
      const approval = await authorizeMutation(ctx, {
        tool: 'ec2RunInstances',
        action: `launch ${args.count} x ${args.instanceType} from ${args.imageId}`,
        target,
        destructive: false,
      });
      const tagList = Object.entries(args.tags).map(([Key, Value]) => ({ Key, Value }));
      try {
        const out = await ctx.clients.aws.ec2(region).send(
          new RunInstancesCommand({
            ImageId: args.imageId,
            InstanceType: args.instanceType as never,
            MinCount: args.count,
            MaxCount: args.count,
            TagSpecifications: [
              { ResourceType: 'instance', Tags: tagList },
              { ResourceType: 'volume', Tags: tagList },
            ],
            ...(args.subnetId ? { SubnetId: args.subnetId } : {}),
            ...(args.securityGroupIds ? { SecurityGroupIds: args.securityGroupIds } : {}),
            ...(args.keyName ? { KeyName: args.keyName } : {}),
            ...(clientToken ? { ClientToken: clientToken } : {}),
            DryRun: args.dryRun,
          }),
          { abortSignal: ctx.signal },
        );
        ctx.log.info({ count: args.count, type: args.instanceType, reservation: out.ReservationId }, 'EC2 instances launched');
        return {
          dryRun: false,
          instances: (out.Instances ?? []).map(instanceRowOf),
          reservationId: out.ReservationId,
          clientToken,
          target,
          approval,
        };
      } catch (error) {
        // EC2 answers a dry run that would have succeeded with the error DryRunOperation.
        if ((error as { name?: string }).name === 'DryRunOperation') {
          return { dryRun: true, instances: [], clientToken, target, approval };
        }
        throw awsError(error, 'ec2:RunInstances');
      }
    }),
});
