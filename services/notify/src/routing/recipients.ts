import type { Channel } from '../model.ts';

/**
 * Parsers for recipients as the model writes them. Each accepts one strict shape and refuses everything else
 * (display names, lists, comments, header-breaking characters), so what the allowlist checks is exactly what is sent.
 */
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const SLACK_ID = /^[CGD][A-Z0-9]{8,}$/;
const SLACK_NAME = /^#[a-z0-9][a-z0-9._-]{0,79}$/;
const WEBHOOK_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The canonical form of a recipient, or undefined when it is not a recipient of that channel. */
export function normalizeRecipient(channel: Channel, raw: string): string | undefined {
  const value = raw.trim();
  switch (channel) {
    case 'email': {
      if (!EMAIL.test(value) || value.includes('..')) return undefined;
      const at = value.lastIndexOf('@');
      return `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
    }
    case 'sms': {
      const compact = value.replace(/[\s().-]/g, '');
      return E164.test(compact) ? compact : undefined;
    }
    case 'slack':
      if (SLACK_ID.test(value)) return value;
      if (SLACK_NAME.test(value.toLowerCase())) return value.toLowerCase();
      if (SLACK_NAME.test(`#${value.toLowerCase()}`)) return `#${value.toLowerCase()}`;
      return undefined;
    case 'webhook':
      return WEBHOOK_NAME.test(value) ? value : undefined;
  }
}

export const RECIPIENT_SHAPES: Record<Channel, string> = {
  email: 'an address such as ops@example.com (no display name, one address per entry)',
  sms: 'an E.164 number such as +15551234567',
  slack: 'a channel name such as #incidents or a channel id such as C0123456789',
  webhook: 'the name of a configured webhook endpoint',
};

/** Masks a recipient for places that need not show it whole (verification results). */
export function maskRecipient(channel: Channel, recipient: string): string {
  if (channel === 'sms') return `${recipient.slice(0, 3)}${'*'.repeat(Math.max(0, recipient.length - 5))}${recipient.slice(-2)}`;
  if (channel === 'email') {
    const at = recipient.lastIndexOf('@');
    return `${recipient.slice(0, 1)}***${recipient.slice(at)}`;
  }
  return recipient;
}
