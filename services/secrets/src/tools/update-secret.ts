import { defineTool, ToolError, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';
import { checkMetadataFree } from '../lifecycle/secret-manager.ts';
import { generateValue, generatorSchema } from '../model/generator.ts';
import { previewOf } from '../model/preview.ts';
import { attributesInput, type SecretAttributes } from '../model/secret.ts';
import { secretInput, targetOf } from './shared-schemas.ts';

export const updateSecret = defineTool({
  name: 'updateSecret',
  title: 'Update a secret',
  description:
    'Adds a new version (a value given or generated) and/or changes metadata. The previous version is retired at once unless graceSeconds keeps it resolvable for a while (rotateSecret does that by default). Returns handles and a preview, never the value.',
  input: z.object({
    secret: secretInput.secret,
    value: z.string().min(1).max(65_536).optional(),
    generate: generatorSchema.optional(),
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(90 * 24 * 3600)
      .default(0)
      .describe('Keep the previous version resolvable this long'),
    ...attributesInput,
    expiresAt: attributesInput.expiresAt.or(z.null()).describe('ISO time after which resolving is refused; null clears it'),
    dryRun: z.boolean().default(false),
  }),
  output: z.object({
    handle: z.string(),
    pinnedHandle: z.string(),
    version: z.string(),
    previousVersion: z.string(),
    newVersion: z.boolean(),
    preview: z.string().optional(),
    length: z.number().int().optional(),
    graceUntil: z.string().optional(),
    changed: z.array(z.string()),
    dryRun: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  handler: async (args, ctx: SecretsToolContext) => {
    const { manager } = ctx.clients;
    const target = {};
    return manager.audited(
      ctx,
      'update',
      target,
      async () => {
        if (args.value !== undefined && args.generate !== undefined)
          throw new ToolError('INVALID_ARGUMENT', 'give value or generate, not both');
        const ref = manager.ref(args.secret);
        if (ref.version)
          throw new ToolError('INVALID_ARGUMENT', 'updateSecret changes the secret, not one version: drop #version');
        Object.assign(target, targetOf(ref));
        const record = await manager.describe(ref);
        if (record.deleted)
          throw new ToolError('NOT_FOUND', `${ref.backend}/${ref.path} is deleted; restore it first`, {
            details: { deleted: true },
          });
        const before = record.attributes;
        const next: SecretAttributes = { ...before, tags: args.tags ? [...new Set(args.tags)].sort() : before.tags };
        const changed: string[] = [];
        const set = <K extends 'description' | 'owner'>(key: K, value: string | undefined) => {
          if (value !== undefined && value !== before[key]) {
            next[key] = value;
            changed.push(key);
          }
        };
        set('description', args.description);
        set('owner', args.owner);
        if (args.tags && args.tags.join(',') !== before.tags.join(',')) changed.push('tags');
        if (args.expiresAt === null && before.expiresAt) {
          delete next.expiresAt;
          changed.push('expiresAt');
        } else if (args.expiresAt) {
          next.expiresAt = new Date(args.expiresAt).toISOString();
          changed.push('expiresAt');
        }
        if (args.rotation) {
          next.rotation = args.rotation;
          changed.push('rotation');
        }
        const value = args.value ?? (args.generate ? generateValue(args.generate) : undefined);
        if (value !== undefined) checkMetadataFree(value, next);
        else if (changed.length > 0) checkMetadataFree((await manager.backend(ref.backend).read(ref.path)).value, next);
        let version = record.currentVersion;
        let graceUntil: string | undefined;
        if (value !== undefined) {
          changed.push('value');
          if (args.graceSeconds > 0) {
            graceUntil = new Date(manager.now().getTime() + args.graceSeconds * 1000).toISOString();
            next.graceVersion = record.currentVersion;
            next.graceUntil = graceUntil;
          } else {
            delete next.graceVersion;
            delete next.graceUntil;
          }
          if (!args.dryRun) version = (await manager.backend(ref.backend).addVersion(ref.path, value, next)).version;
        } else if (changed.length > 0 && !args.dryRun) {
          await manager.backend(ref.backend).setAttributes(ref.path, next);
        }
        return {
          handle: manager.handleOf(ref.backend, ref.path),
          pinnedHandle: manager.handleOf(ref.backend, ref.path, version),
          version,
          previousVersion: record.currentVersion,
          newVersion: value !== undefined,
          ...(value !== undefined ? previewOf(value) : {}),
          ...(graceUntil ? { graceUntil } : {}),
          changed,
          dryRun: args.dryRun,
        };
      },
      (out) => ({ changed: out.changed, newVersion: out.newVersion, dryRun: out.dryRun }),
    );
  },
});
