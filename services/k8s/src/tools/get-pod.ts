import type { V1ContainerState, V1EnvVar } from '@kubernetes/client-node';
import { defineTool, z } from '@switchboard/shared';
import { callOptions, type K8sToolContext, target } from '../context.ts';
import { iso, podRow, podRowSchema } from '../output/rows.ts';
import { maskObject } from '../secrets/masking.ts';
import { contextField, nameField, namespaceField } from './shared-schemas.ts';

const containerSchema = z.object({
  name: z.string(),
  image: z.string(),
  ready: z.boolean(),
  restarts: z.number().int(),
  state: z.string().describe('running, waiting: <reason>, terminated: <reason> (exit N)'),
  lastTermination: z.string().optional(),
  ports: z.array(z.string()),
  env: z
    .array(z.object({ name: z.string(), value: z.string().optional(), from: z.string().optional() }))
    .describe('Secret-backed and credential-like values are masked'),
});

export const getPod = defineTool({
  name: 'getPod',
  title: 'Describe a pod',
  description:
    'One pod, described: status row, IPs, node, owner, labels, conditions and each container (image, state, restarts, ports, env with secret values masked). getResource returns the raw object.',
  input: z.object({ context: contextField, namespace: namespaceField, name: nameField }),
  output: z.object({
    pod: podRowSchema,
    podIP: z.string().optional(),
    hostIP: z.string().optional(),
    qosClass: z.string().optional(),
    owner: z.string().optional().describe('Kind/name of the controller'),
    labels: z.record(z.string(), z.string()),
    startedAt: z.string().optional(),
    conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional() })),
    containers: z.array(containerSchema),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const t = target(ctx, args, 'read');
    const raw = await t.call(`read pod ${args.name}`, () =>
      t.k.core.readNamespacedPod({ name: args.name, namespace: t.namespace }),
    );
    await ctx.clients.secrets.prime(t.k, t.namespace, callOptions(ctx));
    const pod = maskObject(raw, ctx.redactor);
    const statuses = pod.status?.containerStatuses ?? [];
    const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
    const describe = (state: V1ContainerState | undefined): string => {
      if (!state) return 'unknown';
      if (state.running) return 'running';
      if (state.waiting) return `waiting: ${state.waiting.reason ?? ''}`;
      if (state.terminated) return `terminated: ${state.terminated.reason ?? ''} (exit ${state.terminated.exitCode})`;
      return 'unknown';
    };
    return {
      pod: podRow(pod as never),
      ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
      ...(pod.status?.hostIP ? { hostIP: pod.status.hostIP } : {}),
      ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}),
      ...(owner ? { owner: `${owner.kind}/${owner.name}` } : {}),
      labels: pod.metadata?.labels ?? {},
      ...(iso(pod.status?.startTime) ? { startedAt: iso(pod.status?.startTime) } : {}),
      conditions: (pod.status?.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        ...(c.reason ? { reason: c.reason } : {}),
      })),
      containers: (pod.spec?.containers ?? []).map((c) => {
        const s = statuses.find((x) => x.name === c.name);
        return {
          name: c.name,
          image: c.image ?? '',
          ready: Boolean(s?.ready),
          restarts: s?.restartCount ?? 0,
          state: describe(s?.state),
          ...(s?.lastState?.terminated ? { lastTermination: describe(s.lastState) } : {}),
          ports: (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`),
          env: (c.env ?? []).map((e: V1EnvVar) => {
            const from = e.valueFrom?.secretKeyRef
              ? `secret ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`
              : e.valueFrom?.configMapKeyRef
                ? `configmap ${e.valueFrom.configMapKeyRef.name}/${e.valueFrom.configMapKeyRef.key}`
                : e.valueFrom?.fieldRef
                  ? `field ${e.valueFrom.fieldRef.fieldPath}`
                  : undefined;
            return { name: e.name, ...(e.value !== undefined ? { value: String(e.value) } : {}), ...(from ? { from } : {}) };
          }),
        };
      }),
    };
  },
});
