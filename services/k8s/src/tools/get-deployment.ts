import { defineTool, z } from '@switchboard/shared';
import { type K8sToolContext, target } from '../context.ts';
import { REVISION, revisionHistory, revisionSchema, rolloutStatus, rolloutStatusSchema } from '../deployments/rollout.ts';
import { deploymentRow, deploymentRowSchema } from '../output/rows.ts';
import { contextField, nameField, namespaceField } from './shared-schemas.ts';

export const getDeployment = defineTool({
  name: 'getDeployment',
  title: 'Describe a deployment',
  description:
    'One deployment: status row, strategy, selector, conditions, rollout status (as `kubectl rollout status` computes it) and revision history from its ReplicaSets, newest first (rollbackDeployment takes a revision).',
  input: z.object({ context: contextField, namespace: namespaceField, name: nameField }),
  output: z.object({
    deployment: deploymentRowSchema,
    revision: z.number().int(),
    strategy: z.string(),
    selector: z.record(z.string(), z.string()),
    paused: z.boolean(),
    conditions: z.array(
      z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() }),
    ),
    rollout: rolloutStatusSchema,
    history: z.array(revisionSchema),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const t = target(ctx, args, 'read');
    const d = await t.call(`read deployment ${args.name}`, () =>
      t.k.apps.readNamespacedDeployment({ name: args.name, namespace: t.namespace }),
    );
    const history = await revisionHistory(t, d);
    return {
      deployment: deploymentRow(d as never),
      revision: Number(d.metadata?.annotations?.[REVISION] ?? 0),
      strategy: d.spec?.strategy?.type ?? 'RollingUpdate',
      selector: d.spec?.selector?.matchLabels ?? {},
      paused: Boolean(d.spec?.paused),
      conditions: (d.status?.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.message ? { message: c.message } : {}),
      })),
      rollout: rolloutStatus(d),
      history: history.slice(0, 20).map(({ template: _t, ...rest }) => rest),
    };
  },
});
