import { defineTool, z } from '@switchboard/shared';
import type { NotifyToolContext } from '../context.ts';
import { submit } from '../dispatch.ts';
import { dryRunSchema, idempotencyKeySchema, sendResultShape, severitySchema } from '../model.ts';

export const sendSlackMessage = defineTool({
  name: 'sendSlackMessage',
  title: 'Post a Slack message',
  description:
    'Posts to an allowlisted Slack channel (#name or id) with chat.postMessage: text, optional Block Kit blocks, optional thread reply (threadTs).',
  input: z.object({
    channel: z.string().min(2).max(90),
    text: z.string().min(1).max(40_000).describe('Plain text; also the notification fallback when blocks are given'),
    blocks: z.array(z.record(z.string(), z.unknown())).max(50).optional().describe('Block Kit blocks'),
    threadTs: z
      .string()
      .regex(/^\d{10}\.\d{6}$/, 'a Slack ts such as 1700000000.000100')
      .optional(),
    severity: severitySchema.default('info'),
    idempotencyKey: idempotencyKeySchema.optional(),
    dryRun: dryRunSchema,
  }),
  output: z.object(sendResultShape),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: NotifyToolContext) => {
    const { dryRun, ...rest } = args;
    return submit(ctx, {
      tool: 'sendSlackMessage',
      kind: 'slack',
      severity: args.severity,
      title: args.text.slice(0, 80).replace(/\s+/g, ' '),
      tags: [],
      idempotencyKey: args.idempotencyKey,
      dryRun,
      args: rest,
      targets: [
        {
          channel: 'slack',
          recipient: args.channel,
          payload: {
            text: args.text,
            ...(args.blocks ? { blocks: args.blocks } : {}),
            ...(args.threadTs ? { threadTs: args.threadTs } : {}),
          },
        },
      ],
    });
  },
});
