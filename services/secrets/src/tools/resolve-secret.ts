import { defineTool, SEAL_ALGORITHM, seal, ToolError, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';
import { isHandle } from '../model/handle.ts';
import { targetOf } from './shared-schemas.ts';

export const resolveSecret = defineTool({
  name: 'resolveSecret',
  title: 'Resolve a handle (service to service)',
  description:
    "For Switchboard services, not models: resolves a handle for the calling service (identified by its bearer token's name) when the resolve policy allows that caller the path, and returns the value sealed to the caller's one-time X25519 key (recipientPublicKey), so no readable value is ever in the result. Default deny.",
  input: z.object({
    handle: z.string().min(1).max(400).describe('secret://<backend>/<path>[#version]'),
    recipientPublicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a raw X25519 public key, 32 bytes as base64url'),
    purpose: z
      .string()
      .regex(/^[A-Za-z0-9 ._:/=-]{1,100}$/)
      .optional()
      .describe('What the value is for (env:PGPASSWORD, ssh:password); kept in the audit log'),
  }),
  output: z.object({
    handle: z.string().describe('The exact version resolved; the envelope is bound to this string'),
    backend: z.string(),
    path: z.string(),
    version: z.string(),
    length: z.number().int(),
    expiresAt: z.string().optional(),
    sealed: z.object({
      alg: z.literal(SEAL_ALGORITHM),
      epk: z.string(),
      iv: z.string(),
      ciphertext: z.string(),
      tag: z.string(),
    }),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: SecretsToolContext) => {
    const { manager, policy } = ctx.clients;
    const target = {};
    let allowedBy: string | undefined;
    return manager.audited(
      ctx,
      'resolve',
      target,
      async () => {
        if (!isHandle(args.handle))
          throw new ToolError('INVALID_ARGUMENT', 'resolveSecret takes a handle secret://<backend>/<path>[#version]');
        const ref = manager.ref(args.handle);
        Object.assign(target, targetOf(ref));
        allowedBy = policy.match(ctx.caller.id, ref.backend, ref.path);
        if (!allowedBy) {
          throw new ToolError(
            'PERMISSION_DENIED',
            `caller "${ctx.caller.id}" may not resolve ${ref.backend}/${ref.path}: no resolvePolicy glob allows it (default deny)`,
            { details: { caller: ctx.caller.id, backend: ref.backend, path: ref.path, reason: 'policy' } },
          );
        }
        const { value, record } = await manager.readResolvable(ref);
        const handle = manager.handleOf(ref.backend, ref.path, value.version);
        Object.assign(target, { version: value.version });
        const recipient = Buffer.from(args.recipientPublicKey, 'base64url');
        // Hex never matches a credential shape; re-seal in the (astronomically rare) case a registered value appears.
        for (let attempt = 0; attempt < 5; attempt++) {
          const sealed = seal(recipient, handle, value.value);
          const text = JSON.stringify(sealed);
          if (ctx.redactor.redactString(text) !== text) continue;
          return {
            handle,
            backend: ref.backend,
            path: ref.path,
            version: value.version,
            length: [...value.value].length,
            ...(record.attributes.expiresAt ? { expiresAt: record.attributes.expiresAt } : {}),
            sealed,
          };
        }
        throw new ToolError('INTERNAL', 'the sealed value could not be made to pass the redactor; try again');
      },
      () => ({ allowedBy, ...(args.purpose ? { purpose: args.purpose } : {}) }),
    );
  },
});
