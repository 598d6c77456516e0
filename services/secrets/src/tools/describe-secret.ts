import { defineTool, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';
import { rotationDue, versionState } from '../lifecycle/version-state.ts';
import type { SecretRef } from '../model/handle.ts';
import { deletionSchema, secretInput, summarySchema, targetOf, versionStateSchema } from './shared-schemas.ts';

export const describeSecret = defineTool({
  name: 'describeSecret',
  title: 'Describe a secret (metadata and versions)',
  description:
    'Metadata of one secret and its versions, newest first, each with its state: current, grace (the version the last rotation replaced, resolvable until graceUntil), retired, or unavailable. Never the value.',
  input: z.object({ secret: secretInput.secret }),
  output: summarySchema.extend({
    createdAt: z.string().optional(),
    rotation: z
      .object({ intervalDays: z.number().optional(), generator: z.object({ length: z.number(), charset: z.string() }) })
      .optional(),
    rotationDue: z.string().optional(),
    graceVersion: z.string().optional(),
    graceUntil: z.string().optional(),
    versions: z.array(
      z.object({
        version: z.string(),
        createdAt: z.string().optional(),
        state: versionStateSchema,
        stages: z.array(z.string()).optional(),
      }),
    ),
    deleted: deletionSchema.optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: SecretsToolContext) => {
    const { manager } = ctx.clients;
    let ref: SecretRef | undefined;
    const target = {};
    return manager.audited(ctx, 'describe', target, async () => {
      ref = manager.ref(args.secret);
      Object.assign(target, targetOf(ref));
      const record = await manager.describe(ref);
      const now = manager.now();
      const a = record.attributes;
      const due = rotationDue(record);
      return {
        handle: manager.handleOf(ref.backend, ref.path),
        backend: ref.backend,
        path: ref.path,
        ...(a.description ? { description: a.description } : {}),
        ...(a.owner ? { owner: a.owner } : {}),
        tags: a.tags,
        currentVersion: record.currentVersion,
        ...(record.createdAt ? { createdAt: record.createdAt } : {}),
        ...(record.updatedAt ? { updatedAt: record.updatedAt } : {}),
        ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}),
        ...(a.rotation ? { rotation: a.rotation } : {}),
        ...(due ? { rotationDue: due } : {}),
        ...(a.graceVersion ? { graceVersion: a.graceVersion } : {}),
        ...(a.graceUntil ? { graceUntil: a.graceUntil } : {}),
        versions: record.versions.map((v) => ({
          version: v.version,
          ...(v.createdAt ? { createdAt: v.createdAt } : {}),
          state: versionState(record, v.version, now),
          ...(v.stages?.length ? { stages: v.stages } : {}),
        })),
        ...(record.deleted ? { deleted: record.deleted } : {}),
      };
    });
  },
});
