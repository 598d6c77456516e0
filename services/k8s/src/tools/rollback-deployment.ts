import { defineTool, ToolError, z } from '@switchboard/shared';
import { retryOnConflict } from '../cluster/retry-on-conflict.ts';
import { type K8sToolContext, target } from '../context.ts';
import { deploymentTemplateOf, REVISION, revisionHistory, sameTemplate } from '../deployments/rollout.ts';
import { contextField, deploymentKindField, nameField, namespaceField } from './shared-schemas.ts';

export const rollbackDeployment = defineTool({
  name: 'rollbackDeployment',
  title: 'Roll a deployment back',
  description:
    "Like `kubectl rollout undo`: puts the pod template of an earlier revision (default: the one before the current) back on the deployment, read from its ReplicaSet history; the controller then makes that ReplicaSet the newest revision. The write is guarded by the deployment's resourceVersion.",
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    name: nameField,
    kind: deploymentKindField,
    toRevision: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Revision to return to (getDeployment lists them); default: the previous one'),
    dryRun: z.boolean().default(false),
  }),
  output: z.object({
    name: z.string(),
    namespace: z.string(),
    fromRevision: z.number().int(),
    toRevision: z.number().int(),
    images: z.array(z.string()),
    skipped: z.boolean().describe('The current template already equals that revision'),
    dryRun: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  handler: async (args, ctx: K8sToolContext) => {
    const t = target(ctx, args, 'write');
    return ctx.idempotent(() =>
      retryOnConflict(async () => {
        const d = await t.call(`read deployment ${args.name}`, () =>
          t.k.apps.readNamespacedDeployment({ name: args.name, namespace: t.namespace }),
        );
        if (d.spec?.paused) throw new ToolError('CONFLICT', `deployment ${args.name} is paused; resume it before rolling back`);
        const current = Number(d.metadata?.annotations?.[REVISION] ?? 0);
        const history = await revisionHistory(t, d);
        const wanted = args.toRevision ?? history.find((r) => r.revision < current)?.revision;
        const chosen = history.find((r) => r.revision === wanted);
        if (!chosen) {
          const known = history.map((r) => r.revision).join(', ') || 'none';
          throw new ToolError(
            'NOT_FOUND',
            args.toRevision
              ? `unable to find revision ${args.toRevision} of deployment ${args.name} (history: ${known})`
              : `deployment ${args.name} has no previous revision to roll back to (history: ${known})`,
          );
        }
        const template = deploymentTemplateOf(chosen.template);
        const base = {
          name: args.name,
          namespace: t.namespace,
          fromRevision: current,
          toRevision: chosen.revision,
          images: chosen.images,
          dryRun: args.dryRun,
        };
        if (sameTemplate(template, d.spec?.template ?? {})) return { ...base, skipped: true };
        await t.call(`roll back ${args.name}`, () =>
          t.k.apps.replaceNamespacedDeployment({
            name: args.name,
            namespace: t.namespace,
            fieldManager: ctx.config.fieldManager,
            ...(args.dryRun ? { dryRun: 'All' } : {}),
            body: { ...d, spec: { ...(d.spec as NonNullable<typeof d.spec>), template } },
          }),
        );
        return { ...base, skipped: false };
      }),
    );
  },
});
