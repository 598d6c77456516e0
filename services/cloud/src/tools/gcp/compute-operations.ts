import { createHash, randomUUID } from 'node:crypto';
import { ToolError, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { idempotencyKeyOf } from '../../safety/mutation.ts';

const OPERATION_WAIT_MS = 120_000;

/** Compute's requestId (a UUID) makes a retried start/stop a no-op: derived from the workflow step's key when there is one. */
export function requestIdOf(ctx: CloudToolContext, what: string): string {
  const key = idempotencyKeyOf(ctx);
  if (!key) return randomUUID();
  const hex = createHash('sha256').update(`${key}:${what}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface ZoneOperation {
  name?: string | null;
  status?: string | number | null;
  error?: { errors?: { code?: string | null; message?: string | null }[] | null } | null;
  httpErrorMessage?: string | null;
}

export const operationOutput = z.object({ name: z.string(), status: z.string() });

/** Waits for a zone operation with zoneOperations.wait (the call Google's samples use), up to two minutes. */
export async function waitZoneOperation(
  ctx: CloudToolContext,
  project: string,
  zone: string,
  operation: ZoneOperation,
): Promise<{ name: string; status: string }> {
  let current = operation;
  const deadline = Date.now() + OPERATION_WAIT_MS;
  while (String(current.status) !== 'DONE') {
    if (Date.now() > deadline)
      throw new ToolError('TIMEOUT', `operation ${current.name} is still ${current.status} after ${OPERATION_WAIT_MS} ms`);
    if (ctx.signal.aborted) throw new ToolError('CANCELLED', `the call was cancelled; operation ${current.name} goes on`);
    const [next] = await gcpCall('compute.zoneOperations.wait', async () =>
      (await ctx.clients.gcp.zoneOperations()).wait({ project, zone, operation: current.name as string }),
    );
    current = next as ZoneOperation;
  }
  const failure = current.error?.errors?.[0];
  if (failure) {
    throw new ToolError('DEPENDENCY_UNAVAILABLE', `operation ${current.name} failed: ${failure.code}: ${failure.message}`, {
      details: { provider: 'gcp', operation: current.name, reason: failure.code },
    });
  }
  return { name: current.name ?? '', status: 'DONE' };
}
