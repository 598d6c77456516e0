import { defineTool, z } from '@switchboard/shared';
import type { NotifyToolContext } from '../context.ts';

export const checkVerificationCode = defineTool({
  name: 'checkVerificationCode',
  title: 'Check a verification code',
  description:
    'Checks the code a person read from their SMS or email against a verificationId from sendVerificationCode. Each check counts against the attempt limit; a correct code is used up; expired codes fail.',
  input: z.object({
    verificationId: z.string().regex(/^vrf_[A-Za-z0-9]{20,40}$/),
    code: z.string().regex(/^\d{4,10}$/, 'the digits of the code'),
  }),
  output: z.object({
    valid: z.boolean(),
    reason: z.enum(['not_found', 'expired', 'used', 'too_many_attempts', 'mismatch']).optional(),
    attemptsRemaining: z.number().int(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  handler: async (args, ctx: NotifyToolContext) => {
    const verifications = await ctx.clients.verifications();
    const result = await verifications.check(args.verificationId, args.code, ctx.caller.id);
    ctx.log.info(
      { verification_id: args.verificationId, valid: result.valid, reason: result.valid ? undefined : result.reason },
      'verification checked',
    );
    return result;
  },
});
