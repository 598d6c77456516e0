import type { SecretRecord } from '../model/secret.ts';

export type VersionState = 'current' | 'grace' | 'retired' | 'unavailable';

/** Current: the latest. Grace: the one the last rotation replaced, until graceUntil. Every other version is retired. */
export function versionState(record: SecretRecord, version: string, now: Date): VersionState {
  const info = record.versions.find((v) => v.version === version);
  if (info && !info.available) return 'unavailable';
  if (version === record.currentVersion) return 'current';
  const { graceVersion, graceUntil } = record.attributes;
  if (graceVersion === version && graceUntil && Date.parse(graceUntil) > now.getTime()) return 'grace';
  return 'retired';
}

export function isExpired(record: SecretRecord, now: Date): boolean {
  const expiresAt = record.attributes.expiresAt;
  return expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime();
}

/** When rotation is next due (last change + interval), if the secret has a rotation interval. */
export function rotationDue(record: SecretRecord): string | undefined {
  const days = record.attributes.rotation?.intervalDays;
  const since = record.versions[0]?.createdAt ?? record.updatedAt;
  if (!days || !since) return undefined;
  return new Date(Date.parse(since) + days * 24 * 3600 * 1000).toISOString();
}
