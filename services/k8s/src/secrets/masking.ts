import type { Redactor } from '@switchboard/shared';

/**
 * Secret values never leave this service. Secret objects are returned with each value replaced by its length;
 * every value seen (decoded and base64) is registered with the process redactor, so any later output that
 * echoes it (events, logs, exec, apply results) has it replaced too. Env values with credential-like names are
 * masked in pod templates. Managed fields and the last-applied annotation (a copy of the object) are dropped.
 */
type Json = Record<string, unknown>;

export const SECRET_ENV_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export const masked = (bytes: number) => `[masked: ${bytes} bytes]`;

/** Registers the values of a Secret's data/stringData with the redactor. */
export function registerSecretValues(secret: Json, redactor: Redactor): void {
  const values: string[] = [];
  for (const [field, decode] of [
    ['data', true],
    ['stringData', false],
  ] as const) {
    const data = secret[field];
    if (!data || typeof data !== 'object') continue;
    for (const raw of Object.values(data as Record<string, unknown>)) {
      if (typeof raw !== 'string') continue;
      const value = decode ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      values.push(value, decode ? raw : Buffer.from(raw).toString('base64'));
      const trimmed = value.trim();
      if (trimmed !== value) values.push(trimmed);
      for (const line of value.split(/\r?\n/)) if (line.trim().length >= 8) values.push(line.trim());
    }
  }
  redactor.register(...values);
}

function maskEnv(containers: unknown): void {
  if (!Array.isArray(containers)) return;
  for (const container of containers as Json[]) {
    for (const env of (container?.env ?? []) as Json[]) {
      if (typeof env?.value === 'string' && typeof env.name === 'string' && SECRET_ENV_NAME.test(env.name) && env.value !== '') {
        env.value = masked(Buffer.byteLength(env.value));
      }
    }
  }
}

function podSpecs(object: Json): Json[] {
  const spec = object.spec as Json | undefined;
  if (!spec) return [];
  const template = (spec.template as Json | undefined)?.spec as Json | undefined;
  const jobTemplate = ((spec.jobTemplate as Json | undefined)?.spec as Json | undefined)?.template as Json | undefined;
  return [spec, template, jobTemplate?.spec as Json | undefined].filter((s): s is Json => Boolean(s));
}

/** A JSON copy of any object, safe to show (see the module comment); registers Secret values it sees. */
export function maskObject<T>(object: T, redactor: Redactor): T {
  const copy = JSON.parse(JSON.stringify(object)) as Json;
  const metadata = copy.metadata as Json | undefined;
  if (metadata) {
    delete metadata.managedFields;
    const annotations = metadata.annotations as Record<string, string> | undefined;
    if (annotations?.[LAST_APPLIED]) annotations[LAST_APPLIED] = masked(Buffer.byteLength(annotations[LAST_APPLIED]));
  }
  if (copy.kind === 'Secret') {
    registerSecretValues(copy, redactor);
    for (const field of ['data', 'stringData']) {
      const data = copy[field] as Record<string, string> | undefined;
      if (!data) continue;
      copy[field] = Object.fromEntries(
        Object.entries(data).map(([k, v]) => [
          k,
          masked(field === 'data' ? Buffer.from(String(v), 'base64').length : Buffer.byteLength(String(v))),
        ]),
      );
    }
  }
  for (const spec of podSpecs(copy)) {
    maskEnv(spec.containers);
    maskEnv(spec.initContainers);
  }
  return copy as T;
}

/** The names of the Secrets a pod reads (env, envFrom, volumes, projected volumes, image pull secrets). */
export function secretsReferencedBy(pod: Json): string[] {
  const names = new Set<string>();
  const spec = (pod.spec ?? {}) as Json;
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    for (const c of (list ?? []) as Json[]) {
      for (const e of (c.envFrom ?? []) as Json[]) {
        const ref = e.secretRef as { name?: string } | undefined;
        if (ref?.name) names.add(ref.name);
      }
      for (const e of (c.env ?? []) as Json[]) {
        const ref = (e.valueFrom as Json | undefined)?.secretKeyRef as { name?: string } | undefined;
        if (ref?.name) names.add(ref.name);
      }
    }
  }
  for (const v of (spec.volumes ?? []) as Json[]) {
    const secret = v.secret as { secretName?: string } | undefined;
    if (secret?.secretName) names.add(secret.secretName);
    for (const source of ((v.projected as Json | undefined)?.sources ?? []) as Json[]) {
      const s = source.secret as { name?: string } | undefined;
      if (s?.name) names.add(s.name);
    }
  }
  for (const ref of (spec.imagePullSecrets ?? []) as { name?: string }[]) if (ref.name) names.add(ref.name);
  return [...names];
}
