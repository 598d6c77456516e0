import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { z } from '@switchboard/shared';
import type { Target } from '../context.ts';
import { iso } from '../output/rows.ts';

/**
 * Rollout state and revision history the way kubectl computes them: `rollout status` from the deployment's
 * generation, replicas and Progressing condition; history from the ReplicaSets the deployment owns, each with its
 * `deployment.kubernetes.io/revision`.
 */
export const REVISION = 'deployment.kubernetes.io/revision';
export const HASH_LABEL = 'pod-template-hash';

export const rolloutStatusSchema = z.object({
  done: z.boolean(),
  failed: z.boolean().describe('The Progressing condition says ProgressDeadlineExceeded'),
  message: z.string(),
  desired: z.number().int(),
  updated: z.number().int(),
  available: z.number().int(),
});

export type RolloutStatus = z.infer<typeof rolloutStatusSchema>;

export function rolloutStatus(d: V1Deployment): RolloutStatus {
  const name = d.metadata?.name;
  const desired = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const base = { desired, updated, available, failed: false, done: false };
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) {
    return { ...base, message: 'Waiting for deployment spec update to be observed...' };
  }
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { ...base, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
  }
  if (updated < desired) {
    return {
      ...base,
      message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...`,
    };
  }
  if ((s.replicas ?? 0) > updated) {
    return {
      ...base,
      message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...`,
    };
  }
  if (available < updated) {
    return {
      ...base,
      message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
    };
  }
  return { ...base, done: true, message: `deployment "${name}" successfully rolled out` };
}

export const revisionSchema = z.object({
  revision: z.number().int(),
  replicaSet: z.string(),
  images: z.array(z.string()),
  replicas: z.number().int(),
  current: z.boolean(),
  changeCause: z.string().optional(),
  createdAt: z.string().optional(),
});

export type Revision = z.infer<typeof revisionSchema> & { template: V1PodTemplateSpec };

const revisionOf = (rs: V1ReplicaSet) => Number(rs.metadata?.annotations?.[REVISION] ?? 0);

/** The deployment's revisions, newest first, from the ReplicaSets it controls. */
export async function revisionHistory(t: Target, d: V1Deployment): Promise<Revision[]> {
  const selector = Object.entries(d.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const sets: V1ReplicaSet[] = [];
  let token: string | undefined;
  do {
    const page = await t.call(`list replicasets of ${d.metadata?.name}`, () =>
      t.k.apps.listNamespacedReplicaSet({
        namespace: t.namespace,
        limit: 500,
        ...(selector ? { labelSelector: selector } : {}),
        ...(token ? { _continue: token } : {}),
      }),
    );
    sets.push(...page.items);
    token = page.metadata?._continue;
  } while (token);
  const current = Number(d.metadata?.annotations?.[REVISION] ?? 0);
  return sets
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === d.metadata?.uid && o.controller))
    .map((rs) => {
      const cause = rs.metadata?.annotations?.['kubernetes.io/change-cause'];
      const created = iso(rs.metadata?.creationTimestamp);
      return {
        revision: revisionOf(rs),
        replicaSet: rs.metadata?.name ?? '',
        images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
        replicas: rs.status?.replicas ?? 0,
        current: revisionOf(rs) === current,
        ...(cause ? { changeCause: cause } : {}),
        ...(created ? { createdAt: created } : {}),
        template: rs.spec?.template ?? {},
      };
    })
    .sort((a, b) => b.revision - a.revision);
}

/** A ReplicaSet's pod template as the deployment would carry it: without the pod-template-hash label. */
export function deploymentTemplateOf(template: V1PodTemplateSpec): V1PodTemplateSpec {
  const copy = JSON.parse(JSON.stringify(template)) as V1PodTemplateSpec;
  if (copy.metadata?.labels) delete copy.metadata.labels[HASH_LABEL];
  return copy;
}

/** Whether two templates are the same, whatever order their keys are in. */
export function sameTemplate(a: V1PodTemplateSpec, b: V1PodTemplateSpec): boolean {
  const canonical = (value: unknown) =>
    JSON.stringify(value, (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
        ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)))
        : v,
    );
  return canonical(deploymentTemplateOf(a)) === canonical(deploymentTemplateOf(b));
}
