import { Watch } from '@kubernetes/client-node';
import { defineTool, ToolError, z } from '@switchboard/shared';
import { type K8sToolContext, type Target, target } from '../context.ts';
import { REVISION, rolloutStatus, rolloutStatusSchema } from '../deployments/rollout.ts';
import { WRITE_TIER } from '../policy/approval.ts';
import { contextField, deploymentKindField, nameField, namespaceField } from './shared-schemas.ts';

/** Resolves on the next change to the deployment (a watch from `resourceVersion`), at the deadline, or on abort. */
function nextChange(
  t: Target,
  name: string,
  resourceVersion: string | undefined,
  waitMs: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    let controller: AbortController | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      controller?.abort();
      resolve();
    };
    const timer = setTimeout(finish, waitMs);
    signal.addEventListener('abort', finish, { once: true });
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(t.namespace)}/deployments`;
    new Watch(t.k.kubeConfig)
      .watch(
        path,
        {
          fieldSelector: `metadata.name=${name}`,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
          ...(resourceVersion ? { resourceVersion } : {}),
        },
        (type) => {
          if (type !== 'BOOKMARK') finish();
        },
        () => setTimeout(finish, 250),
      )
      .then(
        (c) => {
          controller = c;
          if (settled) c.abort();
        },
        () => setTimeout(finish, 250),
      );
  });
}

export const waitForRollout = defineTool({
  name: 'waitForRollout',
  title: 'Wait for a rollout',
  description:
    'Follows a deployment rollout (a watch, not polling) until every replica is updated and available, sending progress notifications (updated of desired). Fails with TIMEOUT when timeoutSeconds passes or the deployment reports ProgressDeadlineExceeded (then details.failed is true); a workflow can then roll back.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    name: nameField,
    kind: deploymentKindField,
    timeoutSeconds: z.number().int().min(1).max(3600).default(300),
  }),
  output: z.object({
    name: z.string(),
    namespace: z.string(),
    revision: z.number().int(),
    status: rolloutStatusSchema,
    waitedMs: z.number().int(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  ...WRITE_TIER,
  handler: async (args, ctx: K8sToolContext) => {
    const t = target(ctx, args, 'read');
    const started = Date.now();
    const deadline = started + args.timeoutSeconds * 1000;
    const read = () =>
      t.call(`read deployment ${args.name}`, () =>
        t.k.apps.readNamespacedDeployment({ name: args.name, namespace: t.namespace }),
      );
    let d = await read();
    let status = rolloutStatus(d);
    let reported = '';
    for (;;) {
      if (status.message !== reported) {
        reported = status.message;
        await ctx.progress(status.available, status.desired, status.message);
      }
      if (status.done || status.failed || Date.now() >= deadline || ctx.signal.aborted) break;
      await nextChange(t, args.name, d.metadata?.resourceVersion, Math.min(deadline - Date.now(), 30_000), ctx.signal);
      d = await read();
      status = rolloutStatus(d);
    }
    if (ctx.signal.aborted) throw new ToolError('CANCELLED', 'the call was cancelled');
    const revision = Number(d.metadata?.annotations?.[REVISION] ?? 0);
    if (status.failed) {
      throw new ToolError('TIMEOUT', `${status.message} (revision ${revision})`, {
        retryable: false,
        details: { failed: true, revision, status },
      });
    }
    if (!status.done) {
      throw new ToolError(
        'TIMEOUT',
        `deployment ${args.name} did not finish rolling out within ${args.timeoutSeconds} s: ${status.message}`,
        {
          details: { failed: false, revision, status },
        },
      );
    }
    return { name: args.name, namespace: t.namespace, revision, status, waitedMs: Date.now() - started };
  },
});
