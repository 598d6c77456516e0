import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { envInt } from '../config/env-values.ts';
import { type ConfigSpec, defineConfig } from '../config/load-config.ts';
import type { ServiceClientOptions } from './service-client.ts';

type EndpointShape<K extends string> = { [P in `${K}Url`]: z.ZodOptional<z.ZodURL> } & {
  [P in `${K}Token` | `${K}TokenFile`]: z.ZodOptional<z.ZodString>;
} & { [P in `${K}TimeoutMs`]: z.ZodDefault<ReturnType<typeof envInt>> };

export type ServiceEndpointConfig<K extends string> = z.infer<z.ZodObject<EndpointShape<K>>>;

export interface ServiceEndpointSpecOptions {
  /** The URL used when none is configured (e.g. `http://127.0.0.1:8012/mcp`); unset: the endpoint is optional. */
  defaultUrl?: string;
  /** Default time limit of one call (ms). */
  timeoutMs?: number;
}

/**
 * The configuration of a service this package calls, the way upstreams are configured: `<key>Url`,
 * `<key>Token` or `<key>TokenFile` (read once at start-up), `<key>TimeoutMs`, from `<ENV>_URL`, `<ENV>_TOKEN`,
 * `<ENV>_TOKEN_FILE` and `<ENV>_TIMEOUT_MS`. Merge it into the package's spec:
 *
 *   config: mergeConfigSpecs(notifyConfig, serviceEndpointConfig('secrets', 'NOTIFY_SECRETS'))
 *
 * then `createServiceClient({ ...serviceEndpoint(config, 'secrets'), redactor })` in setup.
 */
export function serviceEndpointConfig<K extends string>(
  key: K,
  envPrefix: string,
  options: ServiceEndpointSpecOptions = {},
): ConfigSpec<z.ZodObject<EndpointShape<K>>> {
  const url = z.url({ protocol: /^https?$/ }).describe(`the ${key} service's Streamable HTTP endpoint (…/mcp)`);
  const shape = {
    [`${key}Url`]: options.defaultUrl ? url.default(options.defaultUrl) : url.optional(),
    [`${key}Token`]: z.string().min(1).optional().describe(`bearer token for ${key}`),
    [`${key}TokenFile`]: z.string().min(1).optional().describe(`file holding the bearer token for ${key}`),
    [`${key}TimeoutMs`]: envInt({ min: 100 }).default(options.timeoutMs ?? 30_000),
  } as unknown as EndpointShape<K>;
  const env = {
    [`${key}Url`]: `${envPrefix}_URL`,
    [`${key}Token`]: `${envPrefix}_TOKEN`,
    [`${key}TokenFile`]: `${envPrefix}_TOKEN_FILE`,
    [`${key}TimeoutMs`]: `${envPrefix}_TIMEOUT_MS`,
  };
  const spec = defineConfig({
    schema: z.object(shape as z.ZodRawShape),
    env,
    finalize: (config, problems) => {
      const values = config as Record<string, unknown>;
      const tokenFile = values[`${key}TokenFile`] as string | undefined;
      const out = { ...values };
      if (tokenFile) {
        if (values[`${key}Token`]) problems.push(`${key}Token (${envPrefix}_TOKEN) and ${key}TokenFile are both set; give one`);
        try {
          out[`${key}Token`] = readFileSync(tokenFile, 'utf8').trim();
        } catch (error) {
          problems.push(
            `${key}TokenFile (${envPrefix}_TOKEN_FILE): cannot read ${tokenFile} (${(error as NodeJS.ErrnoException).code})`,
          );
        }
      }
      if (out[`${key}Token`] && !values[`${key}Url`]) problems.push(`${key}Token is set without ${key}Url (${envPrefix}_URL)`);
      return out as typeof config;
    },
  });
  return spec as unknown as ConfigSpec<z.ZodObject<EndpointShape<K>>>;
}

/** The createServiceClient options of a configured endpoint; undefined when its URL is not configured. */
export function serviceEndpoint<K extends string>(
  config: Readonly<ServiceEndpointConfig<K>>,
  key: K,
): Pick<ServiceClientOptions, 'url' | 'token' | 'timeoutMs' | 'name'> | undefined {
  const values = config as Record<string, unknown>;
  const url = values[`${key}Url`] as string | undefined;
  if (!url) return undefined;
  const token = values[`${key}Token`] as string | undefined;
  return { url, name: key, timeoutMs: values[`${key}TimeoutMs`] as number, ...(token ? { token } : {}) };
}
