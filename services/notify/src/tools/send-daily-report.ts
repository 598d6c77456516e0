import { defineTool, ToolError, z } from '@switchboard/shared';
import type { NotifyToolContext } from '../context.ts';
import { submit } from '../dispatch.ts';
import { dryRunSchema, idempotencyKeySchema, sendResultShape, titleSchema } from '../model.ts';
import { escapeHtml } from '../templates.ts';

interface Section {
  heading: string;
  text: string;
}

async function digest(ctx: NotifyToolContext, from: number, to: number): Promise<Section[]> {
  const store = await ctx.clients.store();
  const stats = await store.stats(from, to);
  const failures = await store.failures(from, to, 20);
  const byChannel = new Map<string, Map<string, number>>();
  for (const row of stats) {
    const line = byChannel.get(row.channel) ?? new Map<string, number>();
    line.set(row.status, (line.get(row.status) ?? 0) + row.n);
    byChannel.set(row.channel, line);
  }
  const total = stats.reduce((n, r) => n + r.n, 0);
  const lines = [...byChannel].map(([channel, counts]) => `${channel}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
  const severities = new Map<string, number>();
  for (const row of stats) severities.set(row.severity, (severities.get(row.severity) ?? 0) + row.n);
  return [
    { heading: 'Summary', text: `${total} messages to recipients.\n${lines.join('\n') || 'Nothing was sent.'}` },
    { heading: 'By severity', text: [...severities].map(([s, n]) => `${s}: ${n}`).join('\n') || 'none' },
    {
      heading: 'Failures',
      text:
        failures.length === 0 ? 'none' : failures.map((f) => `${f.channel} ${f.recipient}: ${f.title} (${f.reason})`).join('\n'),
    },
  ];
}

export const sendDailyReport = defineTool({
  name: 'sendDailyReport',
  title: 'Send the daily report',
  description:
    'Emails a daily report: by default a digest of that day’s deliveries (counts per channel, severity and status, and the failures), or the sections given. Goes to the configured report recipients unless `to` names others (allowlisted).',
  input: z.object({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
      .optional()
      .describe('The UTC day; today when unset'),
    to: z.array(z.string().min(3).max(254)).min(1).max(50).optional(),
    title: titleSchema.optional(),
    sections: z
      .array(z.object({ heading: z.string().min(1).max(200), text: z.string().max(20_000) }))
      .max(30)
      .optional()
      .describe('Given content instead of the delivery digest'),
    idempotencyKey: idempotencyKeySchema.optional(),
    dryRun: dryRunSchema,
  }),
  output: z.object(sendResultShape),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: NotifyToolContext) => {
    const to = args.to ?? ctx.config.dailyReportTo;
    if (to.length === 0) throw new ToolError('INVALID_ARGUMENT', 'no recipients: give `to` or configure NOTIFY_DAILY_REPORT_TO');
    const day = args.date ?? new Date().toISOString().slice(0, 10);
    const from = Date.parse(`${day}T00:00:00Z`);
    if (Number.isNaN(from)) throw new ToolError('INVALID_ARGUMENT', `${day} is not a date`);
    const sections = args.sections ?? (await digest(ctx, from, from + 86_400_000));
    const subject = args.title ?? `Switchboard notifications, ${day}`;
    const text = sections.map((s) => `${s.heading}\n${'-'.repeat(Math.min(60, s.heading.length))}\n${s.text}`).join('\n\n');
    const html = `<h1>${escapeHtml(subject)}</h1>${sections
      .map(
        (s) =>
          `<h2>${escapeHtml(s.heading)}</h2><pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(s.text)}</pre>`,
      )
      .join('')}`;
    const { dryRun, ...rest } = args;
    return submit(ctx, {
      tool: 'sendDailyReport',
      kind: 'report',
      severity: 'info',
      title: subject,
      tags: ['report'],
      idempotencyKey: args.idempotencyKey,
      dryRun,
      args: { ...rest, day },
      targets: to.map((recipient) => ({ channel: 'email' as const, recipient, payload: { subject, text, html } })),
    });
  },
});
