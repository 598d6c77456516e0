import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import { type ChannelSender, type EmailPayload, type OutgoingMessage, SendError, type SendOutcome } from './channel.ts';

export interface EmailSenderOptions {
  url: string;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  requireTls: boolean;
  caFile?: string | undefined;
  timeoutMs: number;
}

/** The Message-ID of a recipient's mail: the same on every attempt, so a resend after a crash is recognisable. */
export function messageIdOf(targetId: string): string {
  return `<${targetId}@switchboard.notify>`;
}

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED', 'EAUTH', 'ETLS']);

function classify(error: unknown): SendError {
  const e = error as { responseCode?: number; code?: string; response?: string; message?: string };
  const text = e.response ?? e.message ?? String(error);
  if (typeof e.responseCode === 'number') {
    // 4xx is a transient refusal (greylisting, mailbox busy); 5xx is permanent (no such user, policy).
    const retryable = e.responseCode < 500 || e.code === 'EAUTH';
    return new SendError(`SMTP ${e.responseCode}: ${text}`, { retryable, cause: error });
  }
  return new SendError(`SMTP: ${text}`, { retryable: e.code === undefined || TRANSIENT_CODES.has(e.code), cause: error });
}

/** Email through nodemailer over SMTP: smtps:// is TLS from the start, smtp:// upgrades with STARTTLS. */
export function createEmailSender(options: EmailSenderOptions): ChannelSender<EmailPayload> & { verify(): Promise<void> } {
  const url = new URL(options.url);
  const secure = url.protocol === 'smtps:';
  const transport: Transporter = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS: !secure && options.requireTls,
    ...(options.user ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
    tls: {
      servername: url.hostname,
      ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
    },
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });

  return {
    channel: 'email',
    async send(message: OutgoingMessage<EmailPayload>, signal: AbortSignal): Promise<SendOutcome> {
      const { payload } = message;
      if (signal.aborted) throw new SendError('cancelled before sending', { retryable: true });
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: message.recipient,
          subject: payload.subject,
          ...(payload.text !== undefined ? { text: payload.text } : {}),
          ...(payload.html !== undefined ? { html: payload.html } : {}),
          messageId: messageIdOf(message.targetId),
          headers: {
            'X-Switchboard-Delivery': message.deliveryId,
            'X-Switchboard-Severity': message.severity,
            'Auto-Submitted': 'auto-generated',
          },
          attachments: (payload.attachments ?? []).map((a) => ({
            filename: a.filename,
            contentType: a.contentType,
            content: Buffer.from(a.contentBase64, 'base64'),
          })),
        });
        if ((info.rejected ?? []).length > 0) {
          throw Object.assign(new Error(`recipient rejected: ${info.response}`), { responseCode: 550, response: info.response });
        }
        return { providerId: info.messageId, status: 'sent', providerStatus: String(info.response).slice(0, 200) };
      } catch (error) {
        throw error instanceof SendError ? error : classify(error);
      }
    },
    verify: async () => {
      await transport.verify();
    },
    close: async () => {
      transport.close();
    },
  };
}
