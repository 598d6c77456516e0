import { LogLevel, type Logger as SlackLogger, WebClient } from '@slack/web-api';
import type { Logger } from '@switchboard/shared';
import { type ChannelSender, type OutgoingMessage, SendError, type SendOutcome, type SlackPayload } from './channel.ts';

export interface SlackSenderOptions {
  token: string;
  apiUrl: string;
  timeoutMs: number;
  log: Logger;
}

/** The metadata every message carries, so a crash between post and record can be reconciled. */
export const SLACK_EVENT_TYPE = 'switchboard_notification';

const TRANSIENT = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const AUTH = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired']);

function classify(error: unknown): SendError {
  const e = error as {
    code?: string;
    data?: { error?: string };
    retryAfter?: number;
    statusCode?: number;
    message?: string;
  };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new SendError('Slack rate limit', { retryable: true, rateLimited: true, retryAfterMs: (e.retryAfter ?? 1) * 1000 });
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      return new SendError(`Slack: ${code}`, { retryable: TRANSIENT.has(code) || AUTH.has(code), cause: error });
    }
    case 'slack_webapi_http_error':
      return new SendError(`Slack HTTP ${e.statusCode}`, { retryable: (e.statusCode ?? 500) >= 500, cause: error });
    default:
      return new SendError(`Slack: ${e.message ?? String(error)}`, { retryable: true, cause: error });
  }
}

function slackLogger(log: Logger): SlackLogger {
  return {
    debug: () => {},
    info: () => {},
    warn: (...msg: unknown[]) => log.warn({ component: 'slack' }, msg.map(String).join(' ')),
    error: (...msg: unknown[]) => log.error({ component: 'slack' }, msg.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.WARN,
    setName: () => {},
  };
}

/** Slack through @slack/web-api: chat.postMessage with blocks and threads; names resolved to ids once. */
export function createSlackSender(options: SlackSenderOptions): ChannelSender<SlackPayload> {
  const web = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    // The outbox retries with its own backoff and survives restarts; the SDK must not wait or retry by itself.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs,
    logger: slackLogger(options.log),
  });
  const ids = new Map<string, string>();

  const channelId = async (recipient: string): Promise<string> => {
    if (!recipient.startsWith('#')) return recipient;
    const known = ids.get(recipient);
    if (known) return known;
    let cursor: string | undefined;
    do {
      const page = await web.conversations.list({
        types: 'public_channel,private_channel',
        exclude_archived: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      for (const c of page.channels ?? []) if (c.name && c.id) ids.set(`#${c.name}`, c.id);
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor && !ids.has(recipient));
    const id = ids.get(recipient);
    if (!id) throw new SendError(`Slack: no channel named ${recipient} is visible to the bot`, { retryable: false });
    return id;
  };

  return {
    channel: 'slack',
    async send(message: OutgoingMessage<SlackPayload>): Promise<SendOutcome> {
      try {
        const channel = await channelId(message.recipient);
        const { payload } = message;
        const result = await web.chat.postMessage({
          channel,
          text: payload.text,
          ...(payload.blocks ? { blocks: payload.blocks as never } : {}),
          ...(payload.threadTs ? { thread_ts: payload.threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
          metadata: {
            event_type: SLACK_EVENT_TYPE,
            event_payload: { target_id: message.targetId, delivery_id: message.deliveryId },
          },
        });
        return { providerId: `${result.channel ?? channel}/${result.ts}`, status: 'delivered', providerStatus: 'posted' };
      } catch (error) {
        throw error instanceof SendError ? error : classify(error);
      }
    },
    /** Reads the channel's history since `since` for a message whose metadata names this target. */
    async reconcile(message: OutgoingMessage<SlackPayload>, since: Date): Promise<SendOutcome | undefined> {
      try {
        const channel = await channelId(message.recipient);
        let cursor: string | undefined;
        do {
          const page = await web.conversations.history({
            channel,
            oldest: String((since.getTime() - 60_000) / 1000),
            include_all_metadata: true,
            limit: 200,
            ...(cursor ? { cursor } : {}),
          });
          const found = (page.messages ?? []).find(
            (m) =>
              m.metadata?.event_type === SLACK_EVENT_TYPE &&
              (m.metadata.event_payload as { target_id?: string } | undefined)?.target_id === message.targetId,
          );
          if (found?.ts) return { providerId: `${channel}/${found.ts}`, status: 'delivered', providerStatus: 'posted' };
          cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
        } while (cursor);
        return undefined;
      } catch (error) {
        throw error instanceof SendError ? error : classify(error);
      }
    },
  };
}
