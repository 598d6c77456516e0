import { type SlackFixture } from './fixtures/slack-fixture.ts';
import { type SmtpFixture } from './fixtures/smtp-fixture.ts';
import { type TwilioFixture } from './fixtures/twilio-fixture.ts';
import { startWebhookReceiver } from './fixtures/webhook-receiver.ts';
export declare const ACCOUNT_SID: string;
export declare const AUTH_TOKEN = 'twilio-auth-token-0123456789abcdef';
export declare const SLACK_TOKEN = 'xoxb-123456789012-fixture-token';
export declare const SMTP_USER = 'notify';
export declare const SMTP_PASSWORD = 'smtp-password-s3cret';
export declare const HOOK_SECRET = 'webhook-hmac-secret-42';
export declare const ONCALL = '+15550001111';
export declare const OPS_EMAIL = 'ops@example.com';
export declare const CHANNELS: {
  id: string;
  name: string;
}[];
export interface Fixtures {
  smtp: SmtpFixture;
  twilio: TwilioFixture;
  slack: SlackFixture;
  hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  close(): Promise<void>;
}
export declare function startFixtures(): Promise<Fixtures>;
export declare const ROUTES: {
  name: string;
  severities: string[];
  targets: {
    channel: string;
    to: string[];
  }[];
}[];
/** The environment a notify process needs to use every fixture (strings, as the real service reads them). */
export declare function notifyEnv(f: Fixtures, extra?: Record<string, string>): Record<string, string>;
export declare function tempDir(): {
  path: string;
  cleanup(): void;
};
