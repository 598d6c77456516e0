import { defineTool, SECRET_VALUE_MARKER, ToolError, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';
import { versionState } from '../lifecycle/version-state.ts';
import { previewOf } from '../model/preview.ts';
import { requireApproval } from '../safety/approval.ts';
import { secretInput, targetOf, versionStateSchema } from './shared-schemas.ts';

export const revealSecret = defineTool({
  name: 'revealSecret',
  title: 'Reveal a secret value (human approval)',
  description:
    "The only tool that returns a secret's value: it first asks the human through an elicitation prompt naming the secret, version and caller, and fails closed (APPROVAL_REQUIRED) when the client cannot prompt. The value comes back as it is (the result discloses `value` on purpose); the result is marked (sensitive.marker) so workflow runs seal and mask it. Prefer handles: services resolve them without any value entering the conversation.",
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
    value: z.string().describe('The value itself, as stored'),
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
  // The approved value is the one thing this tool exists to return: the kit's redactor would mask credential-shaped
  // values (and any the process registered), so the field is disclosed on purpose; nothing else in the result is.
  discloses: ['value'],
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
        const { preview, length } = previewOf(value.value);
        return {
          handle,
          backend: ref.backend,
          path: ref.path,
          version: value.version,
          state: versionState(current, value.version, manager.now()),
          value: value.value,
          length,
          approval: 'accepted' as const,
          sensitive: { marker: SECRET_VALUE_MARKER, fields: ['value'], handle, preview },
        };
      },
      (out) => ({ approval: out.approval, ...(args.reason ? { reason: args.reason } : {}) }),
    );
  },
});
