import { ToolError, z } from '@switchboard/shared';
import { type GeneratorPolicy, generatorSchema } from './generator.ts';

/** What Switchboard keeps about a secret beside its value; backends store it in their native metadata. */
export interface SecretAttributes {
  description?: string;
  owner?: string;
  tags: string[];
  /** ISO time after which resolving the secret is refused. */
  expiresAt?: string;
  /** How rotateSecret generates the next value, and how often rotation is due. */
  rotation?: { intervalDays?: number; generator: GeneratorPolicy };
  /** The version replaced by the last rotation, resolvable until graceUntil. */
  graceVersion?: string;
  graceUntil?: string;
  /** When a later version replaced it (any earlier version than current, outside grace, is retired). */
}

export interface VersionInfo {
  version: string;
  createdAt?: string;
  /** Backend-native labels (AWS version stages such as AWSCURRENT, AWSPREVIOUS). */
  stages?: string[];
  /** Whether the backend still holds the value (false: destroyed/deleted version). */
  available: boolean;
}

export interface SecretDeletion {
  deletedAt: string;
  /** After this time the secret is purged and cannot be restored. */
  recoverUntil: string;
}

export interface SecretRecord {
  path: string;
  attributes: SecretAttributes;
  createdAt?: string;
  updatedAt?: string;
  currentVersion: string;
  /** Newest first. */
  versions: VersionInfo[];
  deleted?: SecretDeletion;
}

/** A list entry: a backend may leave attributes out (Vault lists keys only); the manager then describes it. */
export interface SecretListing {
  path: string;
  attributes?: SecretAttributes;
  updatedAt?: string;
  currentVersion?: string;
  deleted?: SecretDeletion;
}

export interface SecretValue {
  version: string;
  value: string;
  createdAt?: string;
}

export const TAG = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._:-]{0,62}$/, 'a tag is 1-63 lower-case letters, digits, ".", "_", ":" or "-"');

export const attributesInput = {
  description: z.string().max(500).optional(),
  owner: z.string().min(1).max(100).optional(),
  tags: z.array(TAG).max(20).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional().describe('ISO 8601 time after which resolving is refused'),
  rotation: z
    .object({
      intervalDays: z.number().int().min(1).max(3650).optional().describe('Rotation is due this many days after the last'),
      generator: generatorSchema.prefault({}),
    })
    .optional()
    .describe('How rotateSecret generates the next value'),
};

/**
 * The flat string map backends store (Vault custom_metadata, Azure and AWS tags, KeePass fields). Keys are short
 * and portable: letters, dots; values are at most 256 characters (AWS and Azure tag value limits).
 */
export const ATTRIBUTE_PREFIX = 'sb.';

export function encodeAttributes(attributes: SecretAttributes): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '') out[`${ATTRIBUTE_PREFIX}${key}`] = value;
  };
  put('description', attributes.description);
  put('owner', attributes.owner);
  put('tags', attributes.tags.length > 0 ? attributes.tags.join(',') : undefined);
  put('expiresAt', attributes.expiresAt);
  put('rotation', attributes.rotation ? JSON.stringify(attributes.rotation) : undefined);
  put('graceVersion', attributes.graceVersion);
  put('graceUntil', attributes.graceUntil);
  for (const [key, value] of Object.entries(out)) {
    if (value.length > 256) {
      throw new ToolError('INVALID_ARGUMENT', `${key.slice(ATTRIBUTE_PREFIX.length)} is longer than 256 characters once stored`);
    }
  }
  return out;
}

export function decodeAttributes(map: Readonly<Record<string, string | undefined>> | undefined): SecretAttributes {
  const get = (key: string) => {
    const value = map?.[`${ATTRIBUTE_PREFIX}${key}`];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const attributes: SecretAttributes = { tags: get('tags')?.split(',').filter(Boolean) ?? [] };
  const description = get('description');
  if (description !== undefined) attributes.description = description;
  const owner = get('owner');
  if (owner !== undefined) attributes.owner = owner;
  const expiresAt = get('expiresAt');
  if (expiresAt !== undefined) attributes.expiresAt = expiresAt;
  const rotation = get('rotation');
  if (rotation !== undefined) {
    try {
      attributes.rotation = JSON.parse(rotation);
    } catch {}
  }
  const graceVersion = get('graceVersion');
  if (graceVersion !== undefined) attributes.graceVersion = graceVersion;
  const graceUntil = get('graceUntil');
  if (graceUntil !== undefined) attributes.graceUntil = graceUntil;
  return attributes;
}

/** Keys of a native metadata map that are not ours (kept as they are when we rewrite ours). */
export function foreignEntries(map: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([key]) => !key.startsWith(ATTRIBUTE_PREFIX)));
}
