import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { gcpProjectOf, type Target } from '../../safety/scope.ts';

/** A bucket's project and location, for the result and the approval prompt. */
export async function bucketTarget(ctx: CloudToolContext, bucket: string): Promise<Target> {
  const [metadata] = await gcpCall('storage.buckets.get', () => ctx.clients.gcp.storage.bucket(bucket).getMetadata());
  const m = metadata as { location?: string; projectNumber?: string | number };
  const project = await gcpProjectOf(ctx, undefined);
  return { provider: 'gcp', project, region: (m.location ?? 'unknown').toLowerCase() };
}
