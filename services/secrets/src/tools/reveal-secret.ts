import { defineTool, type Redactor, ToolError, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';
import { versionState } from '../lifecycle/version-state.ts';
import { previewOf } from '../model/preview.ts';
import { requireApproval } from '../safety/approval.ts';
import { secretInput, targetOf, versionStateSchema } from './shared-schemas.ts';

/** The mark on a result that carries a secret value; the workflow engine seals such outputs and masks them. */
export const SECRET_VALUE_MARKER = 'io.switchboard/secret-value' as const;

/**
 * The value as the kit's redactor will let it through: as text when nothing in it looks like a credential shape,
 * else base64, else hex (which no shape matches). The encoding is named, so the human or client can decode.
 */
export function encodeForOutput(value: string, redactor: Redactor): { value: string; encoding: 'utf8' | 'base64' | 'hex' } {
  if (redactor.redactString(value) === value) return { value, encoding: 'utf8' };
  const base64 = Buffer.from(value, 'utf8').toString('base64');
  if (redactor.redactString(base64) === base64) return { value: base64, encoding: 'base64' };
  const hex = Buffer.from(value, 'utf8').toString('hex');
  if (redactor.redactString(hex) === hex) return { value: hex, encoding: 'hex' };
  throw new ToolError('INTERNAL', 'the value cannot be shown without the redactor altering it');
}

export const revealSecret = defineTool({
  name: 'revealSecret',
  title: 'Reveal a secret value (human approval)',
  description:
    "The only tool that returns a secret's value: it first asks the human through an elicitation prompt naming the secret, version and caller, and fails closed (APPROVAL_REQUIRED) when the client cannot prompt. The result is marked (sensitive.marker) so workflow runs seal and mask it. Prefer handles: services resolve them without any value entering the conversation.",
  input: z.object({
    ...secretInput,
    reason: z.string().max(200).optional().describe('Shown to the human and kept in the audit log'),
  }),
  output: z.object({
    handle: z.string(),
    backend: z.string(),
    path: z.string(),
    version: z.string(),
    state: versionStateSchema,
    value: z.string(),
    encoding: z.enum(['utf8', 'base64', 'hex']).describe('utf8 unless the value looks like a credential the redactor would mask'),
    length: z.number().int(),
    approval: z.enum(['accepted']),
    sensitive: z.object({
      marker: z.literal(SECRET_VALUE_MARKER),
      fields: z.array(z.string()).describe('Fields of this result that hold secret material'),
      handle: z.string(),
      preview: z.string(),
    }),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  handler: async (args, ctx: SecretsToolContext) => {
    const { manager } = ctx.clients;
    const target = {};
    return manager.audited(
      ctx,
      'reveal',
      target,
      async () => {
        const ref = manager.ref(args.secret, args.version);
        Object.assign(target, targetOf(ref));
        const record = await manager.describe(ref);
        const version = ref.version ?? record.currentVersion;
        const handle = manager.handleOf(ref.backend, ref.path, version);
        if (ctx.config.revealMode === 'deny') {
          throw new ToolError('POLICY_VIOLATION', `revealing values is turned off (revealMode deny); ${handle} stays a handle`, {
            details: { approval: 'denied_by_mode' },
          });
        }
        await requireApproval(ctx, {
          action: `show the value of ${handle} to the model and the client`,
          facts: {
            secret: `${ref.backend}/${ref.path}`,
            version: `${version} (${versionState(record, version, manager.now())})`,
            caller: `${ctx.caller.id} (${ctx.caller.kind})`,
            ...(args.reason ? { reason: args.reason } : {}),
          },
          mode: 'ask',
          setting: 'revealMode (SECRETS_REVEAL_MODE)',
        });
        Object.assign(target, { version });
        const { value, record: current } = await manager.readResolvable({ ...ref, version }, { allowRetired: true });
        const shown = encodeForOutput(value.value, ctx.redactor);
        const { preview, length } = previewOf(value.value);
        return {
          handle,
          backend: ref.backend,
          path: ref.path,
          version: value.version,
          state: versionState(current, value.version, manager.now()),
          ...shown,
          length,
          approval: 'accepted' as const,
          sensitive: { marker: SECRET_VALUE_MARKER, fields: ['value'], handle, preview },
        };
      },
      (out) => ({ approval: out.approval, encoding: out.encoding, ...(args.reason ? { reason: args.reason } : {}) }),
    );
  },
});
