import { defineTool, ToolError, z } from '@switchboard/shared';
import { attachmentInput, loadAttachments } from '../attachments.ts';
import type { EmailPayload } from '../channels/channel.ts';
import type { NotifyToolContext } from '../context.ts';
import { submit } from '../dispatch.ts';
import { dryRunSchema, idempotencyKeySchema, sendResultShape, severitySchema, titleSchema } from '../model.ts';
import { renderTemplate } from '../templates.ts';

export const emailContent = {
  subject: titleSchema.optional().describe('Required unless a template gives it'),
  text: z.string().max(200_000).optional(),
  html: z.string().max(500_000).optional(),
  template: z.string().min(1).optional().describe('A configured template name; its {{placeholders}} are filled from variables'),
  variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(10_000)).optional(),
};

/** The email a request describes: a template (escaped into its HTML) or subject + text and/or HTML. */
export function emailPayload(
  ctx: NotifyToolContext,
  args: {
    subject?: string | undefined;
    text?: string | undefined;
    html?: string | undefined;
    template?: string | undefined;
    variables?: Record<string, string> | undefined;
  },
): EmailPayload {
  if (args.template) {
    const template = ctx.config.templates[args.template];
    if (!template)
      throw new ToolError(
        'NOT_FOUND',
        `no template named ${args.template}; configured: ${Object.keys(ctx.config.templates).join(', ') || 'none'}`,
      );
    const rendered = renderTemplate(args.template, template, args.variables ?? {});
    return { ...rendered, ...(args.subject ? { subject: args.subject } : {}) };
  }
  if (!args.subject) throw new ToolError('INVALID_ARGUMENT', 'subject is required without a template');
  if (args.text === undefined && args.html === undefined)
    throw new ToolError('INVALID_ARGUMENT', 'give text, html or a template');
  return {
    subject: args.subject,
    ...(args.text !== undefined ? { text: args.text } : {}),
    ...(args.html !== undefined ? { html: args.html } : {}),
  };
}

export const sendEmail = defineTool({
  name: 'sendEmail',
  title: 'Send an email',
  description:
    'Sends an email over SMTP to allowlisted addresses: text and/or HTML, or a configured template, with attachments (base64, or files under the configured roots). Each address gets its own message and status.',
  input: z.object({
    to: z.array(z.string().min(3).max(254)).min(1).max(50),
    ...emailContent,
    attachments: z.array(attachmentInput).max(20).default([]),
    severity: severitySchema.default('info'),
    idempotencyKey: idempotencyKeySchema.optional(),
    dryRun: dryRunSchema,
  }),
  output: z.object(sendResultShape),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: NotifyToolContext) => {
    const payload = emailPayload(ctx, args);
    const attachments = await loadAttachments(args.attachments, ctx.config.attachmentRoots, ctx.config.maxAttachmentBytes);
    if (attachments.length > 0) payload.attachments = attachments;
    const { dryRun, ...rest } = args;
    return submit(ctx, {
      tool: 'sendEmail',
      kind: 'email',
      severity: args.severity,
      title: payload.subject,
      tags: [],
      idempotencyKey: args.idempotencyKey,
      dryRun,
      args: rest,
      targets: args.to.map((to) => ({ channel: 'email' as const, recipient: to, payload })),
    });
  },
});
