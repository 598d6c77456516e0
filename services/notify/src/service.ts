import { defineService } from '@switchboard/shared';
import { notifyConfig } from './config.ts';
import { setupNotify } from './setup.ts';
import { checkVerificationCode } from './tools/check-verification-code.ts';
import { getDelivery } from './tools/get-delivery.ts';
import { listDeliveries } from './tools/list-deliveries.ts';
import { notify } from './tools/notify.ts';
import { sendBulk } from './tools/send-bulk.ts';
import { sendDailyReport } from './tools/send-daily-report.ts';
import { sendEmail } from './tools/send-email.ts';
import { sendSlackMessage } from './tools/send-slack-message.ts';
import { sendSms } from './tools/send-sms.ts';
import { sendVerificationCode } from './tools/send-verification-code.ts';
import { sendWebhook } from './tools/send-webhook.ts';
import { testRoute } from './tools/test-route.ts';

export const notifyService = defineService({
  name: 'notify',
  version: '0.1.0',
  title: 'Switchboard notify',
  instructions:
    'Notifications with severity routing. Use notify({ severity, title, body, tags }) and let the routing table pick channels and recipients (testRoute shows who would be reached); the channel tools send directly to allowlisted recipients. Every send returns a deliveryId: getDelivery shows each recipient’s status. Pass an idempotencyKey when a call may be retried.',
  defaultPort: 8014,
  config: notifyConfig,
  setup: setupNotify,
  tools: [
    notify,
    testRoute,
    sendEmail,
    sendSms,
    sendSlackMessage,
    sendWebhook,
    sendBulk,
    sendDailyReport,
    sendVerificationCode,
    checkVerificationCode,
    getDelivery,
    listDeliveries,
  ],
});
