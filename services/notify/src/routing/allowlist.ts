import type { Channel } from '../model.ts';
import { normalizeRecipient, RECIPIENT_SHAPES } from './recipients.ts';

/**
 * Recipient allowlists: the only addresses, numbers, channels and endpoints notify will send to. The boundary
 * is here, before anything is stored: a recipient that is not on the list is refused, whoever asks.
 */
export interface AllowlistConfig {
  allowEmail: readonly string[];
  allowSms: readonly string[];
  allowSlack: readonly string[];
  webhooks: Readonly<Record<string, unknown>>;
  routes?: readonly { name?: string | undefined; targets: readonly { channel: Channel; to: readonly string[] }[] }[];
  dailyReportTo?: readonly string[];
}

export type Verdict = { ok: true; recipient: string } | { ok: false; recipient: string; reason: string };

export class Allowlist {
  readonly #emails = new Set<string>();
  readonly #domains = new Set<string>();
  readonly #numbers = new Set<string>();
  readonly #prefixes: string[] = [];
  readonly #slack = new Set<string>();
  readonly #webhooks: Set<string>;

  constructor(config: AllowlistConfig) {
    for (const entry of config.allowEmail) {
      const value = entry.trim();
      if (value.startsWith('@')) this.#domains.add(value.slice(1).toLowerCase());
      else {
        const email = normalizeRecipient('email', value);
        if (email) this.#emails.add(email.toLowerCase());
      }
    }
    for (const entry of config.allowSms) {
      const value = entry.trim();
      if (value.endsWith('*')) this.#prefixes.push(value.slice(0, -1));
      else {
        const number = normalizeRecipient('sms', value);
        if (number) this.#numbers.add(number);
      }
    }
    for (const entry of config.allowSlack) {
      const channel = normalizeRecipient('slack', entry);
      if (channel) this.#slack.add(channel);
    }
    this.#webhooks = new Set(Object.keys(config.webhooks));
  }

  check(channel: Channel, raw: string): Verdict {
    const recipient = normalizeRecipient(channel, raw);
    if (!recipient)
      return { ok: false, recipient: raw, reason: `not a valid ${channel} recipient: expected ${RECIPIENT_SHAPES[channel]}` };
    const allowed = this.#allowed(channel, recipient);
    return allowed
      ? { ok: true, recipient }
      : { ok: false, recipient, reason: `${recipient} is not on the ${channel} allowlist` };
  }

  #allowed(channel: Channel, recipient: string): boolean {
    switch (channel) {
      case 'email': {
        const lower = recipient.toLowerCase();
        return this.#emails.has(lower) || this.#domains.has(lower.slice(lower.lastIndexOf('@') + 1));
      }
      case 'sms':
        return this.#numbers.has(recipient) || this.#prefixes.some((p) => p.length >= 3 && recipient.startsWith(p));
      case 'slack':
        return this.#slack.has(recipient);
      case 'webhook':
        return this.#webhooks.has(recipient);
    }
  }
}

/** Configuration problems: malformed allowlist entries, and routes or report recipients outside the allowlists. */
export function allowlistProblems(config: AllowlistConfig): string[] {
  const problems: string[] = [];
  for (const entry of config.allowEmail) {
    const value = entry.trim();
    const ok = value.startsWith('@') ? /^@[a-z0-9.-]+\.[a-z]{2,}$/i.test(value) : normalizeRecipient('email', value);
    if (!ok) problems.push(`allowEmail (NOTIFY_ALLOW_EMAIL): "${entry}" is neither an address nor @domain`);
  }
  for (const entry of config.allowSms) {
    const value = entry.trim();
    const ok = value.endsWith('*') ? /^\+[1-9]\d{1,13}\*$/.test(value) : normalizeRecipient('sms', value);
    if (!ok) problems.push(`allowSms (NOTIFY_ALLOW_SMS): "${entry}" is not an E.164 number or +prefix*`);
  }
  for (const entry of config.allowSlack) {
    if (!normalizeRecipient('slack', entry))
      problems.push(`allowSlack (NOTIFY_ALLOW_SLACK): "${entry}" is not a channel name or id`);
  }
  const list = new Allowlist(config);
  (config.routes ?? []).forEach((route, i) => {
    for (const target of route.targets) {
      for (const to of target.to) {
        const verdict = list.check(target.channel, to);
        if (!verdict.ok) problems.push(`routes[${i}]${route.name ? ` (${route.name})` : ''}: ${verdict.reason}`);
      }
    }
  });
  for (const to of config.dailyReportTo ?? []) {
    const verdict = list.check('email', to);
    if (!verdict.ok) problems.push(`dailyReportTo (NOTIFY_DAILY_REPORT_TO): ${verdict.reason}`);
  }
  return problems;
}
