import { z } from '@switchboard/shared';
import type { SecretRef } from '../model/handle.ts';

export const secretInput = {
  secret: z
    .string()
    .min(1)
    .max(400)
    .describe('A handle secret://<backend>/<path>[#version], or a path such as db/orders/password in the default backend'),
  version: z.string().min(1).max(64).optional().describe('A version id; default the current version'),
};

export const versionStateSchema = z.enum(['current', 'grace', 'retired', 'unavailable']);

export const deletionSchema = z.object({ deletedAt: z.string(), recoverUntil: z.string() });

export const summarySchema = z.object({
  handle: z.string(),
  backend: z.string(),
  path: z.string(),
  description: z.string().optional(),
  owner: z.string().optional(),
  tags: z.array(z.string()),
  currentVersion: z.string().optional(),
  updatedAt: z.string().optional(),
  expiresAt: z.string().optional(),
  deleted: deletionSchema.optional(),
});

/** Where a mutation landed, as a target the audit line can name. */
export function targetOf(ref: SecretRef | undefined): { backend?: string; path?: string; version?: string } {
  return ref ? { backend: ref.backend, path: ref.path, ...(ref.version ? { version: ref.version } : {}) } : {};
}
