import { randomBytes } from 'node:crypto';
import { type HttpRoute, type SetupInput, type SetupResult, ToolError } from '@switchboard/shared';
import { migrate, openDb } from '@switchboard/shared/sql';
import type { ChannelSender } from './channels/channel.ts';
import { createEmailSender } from './channels/email.ts';
import { createSlackSender } from './channels/slack.ts';
import { createSmsSender } from './channels/sms.ts';
import { createWebhookSender, type ResolvedWebhook } from './channels/webhook.ts';
import { type NotifyConfig, notifyConfig } from './config.ts';
import type { NotifyClients } from './context.ts';
import { twilioStatusRoute } from './http/twilio-status.ts';
import { createNotifyMetrics } from './metrics.ts';
import type { Channel } from './model.ts';
import { ChannelRateLimiter } from './outbox/rate-limiter.ts';
import { OutboxWorker } from './outbox/worker.ts';
import { Allowlist } from './routing/allowlist.ts';
import { parseQuietHours, type QuietHours } from './routing/quiet-hours.ts';
import { notifyMigrations } from './store/migrations.ts';
import { OutboxStore } from './store/outbox-store.ts';
import { VerificationStore } from './verification/codes.ts';

/** Every credential by name, for one resolution pass (values, or secret:// handles the secrets service resolves). */
function credentialsOf(config: NotifyConfig) {
  const named: Record<string, string | undefined> = {
    smtpPassword: config.smtpPassword,
    twilioAuthToken: config.twilioAuthToken,
    slackToken: config.slackToken,
  };
  const env: Record<string, string> = { ...notifyConfig.env } as Record<string, string>;
  for (const [name, hook] of Object.entries(config.webhooks)) {
    named[`webhooks.${name}.secret`] = hook.secret;
    named[`webhooks.${name}.routingKey`] = hook.routingKey;
  }
  return { named, env };
}

/**
 * Opens the outbox, builds the channels from configuration, and starts the worker once the schema is in place.
 * A database down at start leaves the service up: calls fail with DEPENDENCY_UNAVAILABLE, /ready names it, and
 * the worker starts when it comes back.
 */
export async function setupNotify(input: SetupInput<NotifyConfig>): Promise<SetupResult<NotifyClients>> {
  const { config, log, redactor } = input;
  const { named, env } = credentialsOf(config);
  // Handles are resolved (and their values registered with the redactor) by the kit; literal values are registered here.
  const secrets = await input.secrets.resolveConfig(named, { env });
  redactor.register(...Object.values(secrets));
  if (config.smtpUrl) {
    try {
      redactor.register(decodeURIComponent(new URL(config.smtpUrl).password));
    } catch {}
  }

  const db = await openDb({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    defaultFile: 'notify.sqlite',
    poolSize: config.poolSize,
    redactor,
  });
  log.info({ database: db.label }, 'notify outbox opened');
  const outbox = new OutboxStore(db);
  const verifications = new VerificationStore(db);
  let migrated: Promise<OutboxStore> | undefined;
  const store = (): Promise<OutboxStore> => {
    migrated ??= migrate(db, notifyMigrations(db.dialect)).then(
      () => outbox,
      (error: unknown) => {
        migrated = undefined;
        throw new ToolError('DEPENDENCY_UNAVAILABLE', `the notify database is not reachable: ${(error as Error).message}`);
      },
    );
    return migrated;
  };

  const senders = new Map<Channel, ChannelSender>();
  const timeoutMs = config.sendTimeoutMs;
  if (config.smtpUrl && config.smtpFrom) {
    senders.set(
      'email',
      createEmailSender({
        url: config.smtpUrl,
        user: config.smtpUser ?? (decodeURIComponent(new URL(config.smtpUrl).username) || undefined),
        password: secrets.smtpPassword ?? (decodeURIComponent(new URL(config.smtpUrl).password) || undefined),
        from: config.smtpFrom,
        requireTls: config.smtpRequireTls,
        caFile: config.smtpCaFile,
        timeoutMs,
      }) as ChannelSender,
    );
  }
  if (config.twilioAccountSid && secrets.twilioAuthToken && config.twilioFrom) {
    senders.set(
      'sms',
      createSmsSender({
        accountSid: config.twilioAccountSid,
        authToken: secrets.twilioAuthToken,
        from: config.twilioFrom,
        apiUrl: config.twilioApiUrl,
        statusCallbackUrl: config.twilioStatusCallbackUrl,
        timeoutMs,
      }) as ChannelSender,
    );
  }
  if (secrets.slackToken) {
    senders.set(
      'slack',
      createSlackSender({ token: secrets.slackToken, apiUrl: config.slackApiUrl, timeoutMs, log }) as ChannelSender,
    );
  }
  const hooks = Object.entries(config.webhooks);
  if (hooks.length > 0) {
    const endpoints: Record<string, ResolvedWebhook> = {};
    for (const [name, hook] of hooks) {
      endpoints[name] = {
        ...hook,
        secret: secrets[`webhooks.${name}.secret`] as string,
        routingKey: secrets[`webhooks.${name}.routingKey`],
      };
    }
    senders.set('webhook', createWebhookSender({ endpoints, timeoutMs }) as ChannelSender);
  }

  const metrics = createNotifyMetrics(async () => (await store()).depth(), input.metrics);
  const limiter = new ChannelRateLimiter(config.rateLimits);
  const workerId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const worker = new OutboxWorker({ store: outbox, senders, config, limiter, metrics, log, workerId });

  const routes: HttpRoute[] = [];
  if (config.twilioStatusCallbackUrl && secrets.twilioAuthToken) {
    routes.push(
      twilioStatusRoute({ authToken: secrets.twilioAuthToken, publicUrl: config.twilioStatusCallbackUrl, store, metrics, log }),
    );
  }

  // The worker starts once the schema is there; SQLite is one process per file, so a lease left in `sending` can
  // only be a previous process's that died mid-send: it is in doubt at once.
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const startWorker = () => {
    store()
      .then(async (s) => {
        if (db.dialect === 'sqlite') {
          const inDoubt = await s.expireLeases();
          if (inDoubt > 0) log.warn({ in_doubt: inDoubt }, 'messages were mid-send when the last process stopped; checking them');
        }
        if (!closed) worker.start();
      })
      .catch((error: unknown) => {
        log.error({ err: error }, 'notify outbox not ready; the worker starts when the database is reachable');
        if (!closed) retryTimer = setTimeout(startWorker, 2000);
      });
  };
  startWorker();

  const quiet = config.quietHours ? (parseQuietHours(config.quietHours) as QuietHours) : undefined;
  const clients: NotifyClients = {
    store,
    verifications: async () => {
      await store();
      return verifications;
    },
    allowlist: new Allowlist(config),
    senders,
    limiter,
    worker,
    metrics,
    quietHours: quiet,
    workerId,
  };
  return {
    clients,
    // Twilio's status callbacks, on the service port beside /health (the route checks Twilio's signature).
    routes,
    ready: {
      database: async () => {
        await db.ping();
        await store();
      },
    },
    close: async () => {
      closed = true;
      clearTimeout(retryTimer);
      await worker.stop();
      for (const sender of senders.values()) await sender.close?.();
      await db.close();
    },
  };
}
