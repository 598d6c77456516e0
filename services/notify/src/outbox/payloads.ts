import type { EmailPayload, Payload, SlackPayload, SmsPayload, WebhookPayload } from '../channels/channel.ts';
import type { Channel, Severity } from '../model.ts';
import { escapeHtml } from '../templates.ts';

/** Twilio refuses bodies over 1600 characters. */
export const SMS_MAX = 1600;

export interface NotificationContent {
  severity: Severity;
  title: string;
  body: string;
  tags: string[];
  dedupeKey?: string | undefined;
}

const LABEL: Record<Severity, string> = { info: 'INFO', warning: 'WARNING', error: 'ERROR', critical: 'CRITICAL' };

export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The message a notification becomes on each channel. */
export function renderNotification(channel: Channel, n: NotificationContent): Payload {
  const heading = `[${LABEL[n.severity]}] ${n.title}`;
  const tagLine = n.tags.length > 0 ? `Tags: ${n.tags.join(', ')}` : '';
  switch (channel) {
    case 'email':
      return {
        subject: heading,
        text: [n.body, tagLine].filter(Boolean).join('\n\n'),
        html: `<h2>${escapeHtml(heading)}</h2><pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(n.body)}</pre>${
          tagLine ? `<p><small>${escapeHtml(tagLine)}</small></p>` : ''
        }`,
      } satisfies EmailPayload;
    case 'sms':
      return { body: truncate(n.body ? `${heading}: ${n.body}` : heading, SMS_MAX) } satisfies SmsPayload;
    case 'slack':
      return {
        text: truncate(`${heading}\n${n.body}`, 3000),
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: truncate(heading, 150) } },
          ...(n.body ? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeSlack(n.body), 3000) } }] : []),
          ...(n.tags.length > 0 ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(tagLine) }] }] : []),
        ],
      } satisfies SlackPayload;
    case 'webhook':
      return {
        title: n.title,
        body: n.body,
        tags: n.tags,
        ...(n.dedupeKey ? { dedupeKey: n.dedupeKey } : {}),
      } satisfies WebhookPayload;
  }
}

/** A message the dedupe window folded others into says how many it stands for. */
export function withCount(channel: Channel, payload: Payload, count: number): Payload {
  if (count <= 1) return payload;
  const mark = `(×${count}) `;
  switch (channel) {
    case 'email': {
      const p = payload as EmailPayload;
      return { ...p, subject: `${mark}${p.subject}` };
    }
    case 'sms': {
      const p = payload as SmsPayload;
      return { body: truncate(`${mark}${p.body}`, SMS_MAX) };
    }
    case 'slack': {
      const p = payload as SlackPayload;
      return { ...p, text: `${mark}${p.text}` };
    }
    case 'webhook': {
      const p = payload as WebhookPayload;
      return { ...p, details: { ...p.details, count } };
    }
  }
}
