import { defineTool, ToolError, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';
import { type Delivery, notifyRotation } from '../lifecycle/notify.ts';
import { DEFAULT_GENERATOR, generateValue, generatorSchema } from '../model/generator.ts';
import { previewOf } from '../model/preview.ts';
import { secretInput, targetOf } from './shared-schemas.ts';

export const rotateSecret = defineTool({
  name: 'rotateSecret',
  title: 'Rotate a secret',
  description:
    "Writes a newly generated version (the secret's rotation policy, or generate) and keeps the previous version resolvable for a grace period (graceSeconds, default from config) so dependents can catch up; then tells them through the configured webhooks and an MCP log notification. dryRun reports what would happen.",
  input: z.object({
    secret: secretInput.secret,
    generate: generatorSchema.optional().describe("Overrides the secret's rotation policy for this rotation"),
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(90 * 24 * 3600)
      .optional()
      .describe('How long the previous version stays resolvable'),
    notify: z.boolean().default(true).describe('Call the rotation webhooks and send an MCP notification'),
    dryRun: z.boolean().default(false),
  }),
  output: z.object({
    handle: z.string(),
    pinnedHandle: z.string().optional(),
    version: z.string().optional(),
    previousVersion: z.string(),
    graceUntil: z.string(),
    preview: z.string().optional(),
    length: z.number().int(),
    generator: z.object({ length: z.number(), charset: z.string() }),
    notified: z.array(
      z.object({ target: z.string(), ok: z.boolean(), status: z.number().optional(), error: z.string().optional() }),
    ),
    dryRun: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async (args, ctx: SecretsToolContext) => {
    const { manager } = ctx.clients;
    const target = {};
    return manager.audited(
      ctx,
      'rotate',
      target,
      async () => {
        const ref = manager.ref(args.secret);
        if (ref.version)
          throw new ToolError('INVALID_ARGUMENT', 'rotateSecret rotates the secret, not one version: drop #version');
        Object.assign(target, targetOf(ref));
        const record = await manager.describe(ref);
        if (record.deleted)
          throw new ToolError('NOT_FOUND', `${ref.backend}/${ref.path} is deleted; restore it first`, {
            details: { deleted: true },
          });
        const generator = args.generate ?? record.attributes.rotation?.generator ?? DEFAULT_GENERATOR;
        const grace = args.graceSeconds ?? ctx.config.rotationGraceSeconds;
        const graceUntil = new Date(manager.now().getTime() + grace * 1000).toISOString();
        const handle = manager.handleOf(ref.backend, ref.path);
        if (args.dryRun) {
          return {
            handle,
            previousVersion: record.currentVersion,
            graceUntil,
            length: generator.length,
            generator,
            notified: [],
            dryRun: true,
          };
        }
        const value = generateValue(generator);
        const { version } = await manager.backend(ref.backend).addVersion(ref.path, value, {
          ...record.attributes,
          graceVersion: record.currentVersion,
          graceUntil,
        });
        let notified: Delivery[] = [];
        if (args.notify) {
          const event = {
            event: 'secret.rotated' as const,
            handle,
            backend: ref.backend,
            path: ref.path,
            version,
            previousVersion: record.currentVersion,
            graceUntil,
            at: manager.now().toISOString(),
          };
          notified = await notifyRotation(ctx.config.rotationWebhooks, ctx.config.webhookSecret, event);
          await ctx.clientLog('notice', event);
        }
        return {
          handle,
          pinnedHandle: manager.handleOf(ref.backend, ref.path, version),
          version,
          previousVersion: record.currentVersion,
          graceUntil,
          ...previewOf(value),
          generator,
          notified,
          dryRun: false,
        };
      },
      (out) => ({
        ...('version' in out ? { version: out.version } : {}),
        previousVersion: out.previousVersion,
        graceUntil: out.graceUntil,
        dryRun: out.dryRun,
      }),
    );
  },
});
