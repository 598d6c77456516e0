import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { defineTool, z } from '@switchboard/shared';
import { awsCall } from '../../aws/errors.ts';
import type { CloudToolContext } from '../../context.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { awsRegionOf } from '../../safety/scope.ts';
import { awsRegionInput } from '../shared-schemas.ts';
import { instanceIds, instanceRow, instanceRowOf } from './ec2-rows.ts';

export const ec2ListInstances = defineTool({
  name: 'ec2ListInstances',
  title: 'List EC2 instances',
  description:
    'Lists EC2 instances as compact rows (id, Name tag, state, type, zone, IPs), filtered with EC2 filters such as {"name":"instance-state-name","values":["running"]} or {"name":"tag:env","values":["prod"]}. Paged with EC2\'s NextToken.',
  input: z.object({
    filters: z
      .array(z.object({ name: z.string().min(1), values: z.array(z.string()).min(1).max(200) }))
      .max(50)
      .optional(),
    instanceIds: instanceIds.optional(),
    region: awsRegionInput,
    ...listInput(25, 1000),
  }),
  output: z.object({ region: z.string(), ...listOutput(instanceRow) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const region = awsRegionOf(ctx, args.region);
    const ec2 = ctx.clients.aws.ec2(region);
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['ec2ListInstances', region, args.filters, args.instanceIds],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 1000,
      fetch: async (token, size) => {
        const out = await awsCall('ec2:DescribeInstances', () =>
          ec2.send(
            new DescribeInstancesCommand({
              ...(args.filters ? { Filters: args.filters.map((f) => ({ Name: f.name, Values: f.values })) } : {}),
              // EC2 refuses MaxResults together with InstanceIds.
              ...(args.instanceIds ? { InstanceIds: args.instanceIds } : { MaxResults: Math.max(5, size) }),
              ...(token ? { NextToken: token } : {}),
            }),
            { abortSignal: ctx.signal },
          ),
        );
        const items = (out.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map(instanceRowOf));
        return { items, next: out.NextToken };
      },
    });
    return { region, ...page, count: page.items.length };
  },
});
