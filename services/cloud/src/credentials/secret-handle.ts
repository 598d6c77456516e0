import type { SecretResolver } from '@switchboard/shared';
import type { CloudConfig } from '../config.ts';

/** The credential settings that may be written as `secret://<backend>/<path>[#version]` handles. */
export const CREDENTIAL_KEYS = ['awsAccessKeyId', 'awsSecretAccessKey', 'awsSessionToken', 'gcpAccessToken'] as const;

const ENV: Record<(typeof CREDENTIAL_KEYS)[number], string> = {
  awsAccessKeyId: 'CLOUD_AWS_ACCESS_KEY_ID',
  awsSecretAccessKey: 'CLOUD_AWS_SECRET_ACCESS_KEY',
  awsSessionToken: 'CLOUD_AWS_SESSION_TOKEN',
  gcpAccessToken: 'CLOUD_GCP_ACCESS_TOKEN',
};

/**
 * The configuration with every credential handle resolved, once at start, through the secrets service the kit is
 * configured with (SWITCHBOARD_SECRETS_URL/_TOKEN): the value never passes through a configuration file or a model,
 * and the kit registers it with the redactor. A handle that cannot be resolved stops start-up (exit 2) naming the
 * setting. The one place cloud resolves credentials.
 */
export async function resolveCredentials<C extends CloudConfig>(config: C, secrets: SecretResolver): Promise<C> {
  const named = Object.fromEntries(CREDENTIAL_KEYS.map((key) => [key, config[key]])) as Record<
    (typeof CREDENTIAL_KEYS)[number],
    string | undefined
  >;
  const resolved = await secrets.resolveConfig(named, { env: ENV });
  return { ...config, ...resolved };
}
