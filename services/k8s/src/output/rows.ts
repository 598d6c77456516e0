import { z } from '@switchboard/shared';

/**
 * Compact rows for list tools (what `kubectl get` prints, not the object): a pod is a few dozen bytes, so the
 * default page of listPods stays far below the output cap.
 */
// biome-ignore lint/suspicious/noExplicitAny: rows read API objects (typed models or plain JSON) field by field.
type Json = Record<string, any>;

const time = (value: unknown): number | undefined => {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  return undefined;
};

export function iso(value: unknown): string | undefined {
  const t = time(value);
  return t === undefined || Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** `3d4h`, `12m`, `40s`, like kubectl's AGE column. */
export function age(value: unknown, now = Date.now()): string {
  const t = time(value);
  if (t === undefined || Number.isNaN(t)) return '';
  let s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  if (d > 0) return h > 0 && d < 10 ? `${d}d${h}h` : `${d}d`;
  if (h > 0) return m > 0 && h < 10 ? `${h}h${m}m` : `${h}h`;
  return `${m}m`;
}

export const podRowSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  phase: z
    .string()
    .describe('Pending, Running, Succeeded, Failed, Unknown; or the waiting reason (CrashLoopBackOff, ImagePullBackOff)'),
  ready: z.string().describe('ready containers / containers'),
  restarts: z.number().int(),
  node: z.string().optional(),
  age: z.string(),
});

export function podRow(pod: Json): z.infer<typeof podRowSchema> {
  const statuses = (pod.status?.containerStatuses ?? []) as Json[];
  const containers = (pod.spec?.containers ?? []) as Json[];
  const waiting = statuses
    .map((s) => s.state?.waiting?.reason)
    .find((r) => r && r !== 'ContainerCreating' && r !== 'PodInitializing');
  return {
    name: pod.metadata?.name,
    namespace: pod.metadata?.namespace,
    phase: pod.metadata?.deletionTimestamp ? 'Terminating' : (waiting ?? pod.status?.phase ?? 'Unknown'),
    ready: `${statuses.filter((s) => s.ready).length}/${containers.length}`,
    restarts: statuses.reduce((n, s) => n + Number(s.restartCount ?? 0), 0),
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    age: age(pod.metadata?.creationTimestamp),
  };
}

export const deploymentRowSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  ready: z.string(),
  upToDate: z.number().int(),
  available: z.number().int(),
  images: z.array(z.string()),
  age: z.string(),
});

export function deploymentRow(d: Json): z.infer<typeof deploymentRowSchema> {
  return {
    name: d.metadata?.name,
    namespace: d.metadata?.namespace,
    ready: `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
    upToDate: d.status?.updatedReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
    images: ((d.spec?.template?.spec?.containers ?? []) as Json[]).map((c) => String(c.image)),
    age: age(d.metadata?.creationTimestamp),
  };
}

export const serviceRowSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  type: z.string(),
  clusterIP: z.string().optional(),
  externalIP: z.string().optional(),
  ports: z.string().describe('port[:nodePort]/protocol, comma-separated'),
  selector: z.string().optional(),
  age: z.string(),
});

export function serviceRow(s: Json): z.infer<typeof serviceRowSchema> {
  const ingress = (s.status?.loadBalancer?.ingress ?? []) as Json[];
  const external = [...(s.spec?.externalIPs ?? []), ...ingress.map((i) => i.ip ?? i.hostname)].filter(Boolean);
  const selector = Object.entries((s.spec?.selector ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return {
    name: s.metadata?.name,
    namespace: s.metadata?.namespace,
    type: s.spec?.type ?? 'ClusterIP',
    ...(s.spec?.clusterIP ? { clusterIP: s.spec.clusterIP } : {}),
    ...(external.length > 0 ? { externalIP: external.join(',') } : {}),
    ports: ((s.spec?.ports ?? []) as Json[])
      .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
      .join(','),
    ...(selector ? { selector } : {}),
    age: age(s.metadata?.creationTimestamp),
  };
}

export const nodeRowSchema = z.object({
  name: z.string(),
  status: z.string(),
  roles: z.string(),
  version: z.string().optional(),
  internalIP: z.string().optional(),
  cpu: z.string().optional().describe('allocatable'),
  memory: z.string().optional().describe('allocatable'),
  age: z.string(),
});

export function nodeRow(n: Json): z.infer<typeof nodeRowSchema> {
  const ready = ((n.status?.conditions ?? []) as Json[]).find((c) => c.type === 'Ready');
  const roles = Object.keys(n.metadata?.labels ?? {})
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length));
  const ip = ((n.status?.addresses ?? []) as Json[]).find((a) => a.type === 'InternalIP')?.address;
  return {
    name: n.metadata?.name,
    status: `${ready?.status === 'True' ? 'Ready' : 'NotReady'}${n.spec?.unschedulable ? ',SchedulingDisabled' : ''}`,
    roles: roles.join(',') || '<none>',
    ...(n.status?.nodeInfo?.kubeletVersion ? { version: n.status.nodeInfo.kubeletVersion } : {}),
    ...(ip ? { internalIP: ip } : {}),
    ...(n.status?.allocatable?.cpu ? { cpu: n.status.allocatable.cpu } : {}),
    ...(n.status?.allocatable?.memory ? { memory: n.status.allocatable.memory } : {}),
    age: age(n.metadata?.creationTimestamp),
  };
}

export const eventRowSchema = z.object({
  type: z.string(),
  reason: z.string(),
  object: z.string().describe('Kind/name of the object the event is about'),
  message: z.string(),
  count: z.number().int(),
  lastSeen: z.string().optional(),
  age: z.string(),
});

export function eventTime(e: Json): number {
  return (
    time(e.lastTimestamp) ??
    time(e.eventTime) ??
    time(e.series?.lastObservedTime) ??
    time(e.firstTimestamp) ??
    time(e.metadata?.creationTimestamp) ??
    0
  );
}

export function eventRow(e: Json): z.infer<typeof eventRowSchema> {
  const last = eventTime(e);
  return {
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
    message: String(e.message ?? '').slice(0, 500),
    count: Number(e.count ?? e.series?.count ?? 1),
    ...(last ? { lastSeen: new Date(last).toISOString() } : {}),
    age: age(last || undefined),
  };
}
