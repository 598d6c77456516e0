import type { Instance, InstanceStateChange } from '@aws-sdk/client-ec2';
import { z } from '@switchboard/shared';
import { isoOf } from '../shared-schemas.ts';

export const instanceRow = z.object({
  instanceId: z.string(),
  name: z.string().optional(),
  state: z.string().optional(),
  type: z.string().optional(),
  zone: z.string().optional(),
  privateIp: z.string().optional(),
  publicIp: z.string().optional(),
  imageId: z.string().optional(),
  launchTime: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

export const stateChange = z.object({
  instanceId: z.string(),
  previousState: z.string().optional(),
  currentState: z.string().optional(),
});

const MAX_TAGS = 10;

/** A compact row: the fields an operator reads first; tags capped at ten. */
export function instanceRowOf(instance: Instance): z.infer<typeof instanceRow> {
  const tags = Object.fromEntries((instance.Tags ?? []).slice(0, MAX_TAGS).map((t) => [t.Key ?? '', t.Value ?? '']));
  return {
    instanceId: instance.InstanceId ?? '',
    name: tags.Name,
    state: instance.State?.Name,
    type: instance.InstanceType,
    zone: instance.Placement?.AvailabilityZone,
    privateIp: instance.PrivateIpAddress,
    publicIp: instance.PublicIpAddress,
    imageId: instance.ImageId,
    launchTime: isoOf(instance.LaunchTime),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
  };
}

export function stateChangeOf(change: InstanceStateChange): z.infer<typeof stateChange> {
  return {
    instanceId: change.InstanceId ?? '',
    previousState: change.PreviousState?.Name,
    currentState: change.CurrentState?.Name,
  };
}

export const instanceIds = z
  .array(z.string().regex(/^i-[0-9a-f]{8,17}$/, 'an instance id such as i-0123456789abcdef0'))
  .min(1)
  .max(50);
