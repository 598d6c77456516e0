import { BigQuery } from '@google-cloud/bigquery';
import type { InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import type { v2 as functionsV2 } from '@google-cloud/functions';
import { Storage } from '@google-cloud/storage';
import type { Redactor } from '@switchboard/shared';
import { ToolError } from '@switchboard/shared';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import type { CloudConfig } from '../config.ts';
import { gcpError } from './errors.ts';

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

export interface GcpClients {
  storage: Storage;
  bigquery: BigQuery;
  /** The GAPIC clients load on first use: their protos take a second or more to load, start-up should not wait. */
  instances(): Promise<InstancesClient>;
  zoneOperations(): Promise<ZoneOperationsClient>;
  functions(): Promise<functionsV2.FunctionServiceClient>;
  /** The default project: configuration, else what the credentials say. */
  defaultProject(): Promise<string>;
  /** Headers with an ID token for `audience` (a function's URL); only credentials that can mint one. */
  idTokenHeaders(audience: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * Credentials: an access token from configuration when given; else a key file; else Application Default
 * Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's user credentials, the metadata server / workload identity).
 */
export function createGcpClients(config: CloudConfig, redactor: Redactor): GcpClients {
  redactor.register(config.gcpAccessToken);
  let authClient: GoogleAuth | OAuth2Client;
  if (config.gcpAccessToken) {
    const oauth = new OAuth2Client();
    oauth.setCredentials({ access_token: config.gcpAccessToken });
    authClient = oauth;
  } else {
    authClient = new GoogleAuth({ scopes: SCOPES, ...(config.gcpKeyFile ? { keyFilename: config.gcpKeyFile } : {}) });
  }
  const endpoint = config.gcpEndpoint ? new URL(config.gcpEndpoint) : undefined;
  const origin = endpoint ? endpoint.origin : undefined;
  const projectId = config.gcpProject;
  // Compute and Cloud Functions are GAPIC clients: their REST transport (fallback) speaks HTTP/1.1 JSON, which
  // works through proxies and against a local endpoint; gRPC would need HTTP/2 end to end.
  const gapic = {
    fallback: true,
    // gax bundles its own google-auth-library: hand it ours as the structural client it is.
    ...(authClient instanceof GoogleAuth ? { auth: authClient as never } : { authClient: authClient as never }),
    ...(projectId ? { projectId } : {}),
    ...(endpoint
      ? {
          apiEndpoint: endpoint.hostname,
          port: Number(endpoint.port || (endpoint.protocol === 'http:' ? 80 : 443)),
          protocol: endpoint.protocol.replace(':', ''),
        }
      : {}),
  };
  const storage = new Storage({
    authClient,
    ...(projectId ? { projectId } : {}),
    ...(origin ? { apiEndpoint: origin, useAuthWithCustomEndpoint: true } : {}),
    retryOptions: { maxRetries: config.maxAttempts - 1, autoRetry: config.maxAttempts > 1 },
  });
  const bigquery = new BigQuery({
    authClient,
    ...(projectId ? { projectId } : {}),
    ...(origin ? { apiEndpoint: origin } : {}),
    ...(config.bigqueryLocation ? { location: config.bigqueryLocation } : {}),
    maxRetries: config.maxAttempts - 1,
  } as ConstructorParameters<typeof BigQuery>[0]);
  const made: { close(): Promise<void> }[] = [];
  const lazy = <T extends { close(): Promise<void> }>(load: () => Promise<T>): (() => Promise<T>) => {
    let client: Promise<T> | undefined;
    return () => {
      client ??= load().then((c) => {
        made.push(c);
        return c;
      });
      return client;
    };
  };
  const instances = lazy(async () => new (await import('@google-cloud/compute')).InstancesClient(gapic));
  const zoneOperations = lazy(async () => new (await import('@google-cloud/compute')).ZoneOperationsClient(gapic));
  const functions = lazy(async () => new (await import('@google-cloud/functions')).v2.FunctionServiceClient(gapic));
  let detected: Promise<string> | undefined;
  return {
    storage,
    bigquery,
    instances,
    zoneOperations,
    functions,
    defaultProject: () => {
      if (projectId) return Promise.resolve(projectId);
      if (!detected) {
        const lookup: Promise<string | null | undefined> =
          authClient instanceof GoogleAuth ? authClient.getProjectId() : Promise.resolve(undefined);
        detected = lookup
          .then((id) => {
            if (!id) throw new ToolError('INVALID_ARGUMENT', 'no GCP project: set CLOUD_GCP_PROJECT or pass project');
            return id;
          })
          .catch((error: unknown) => {
            detected = undefined;
            throw gcpError(error, 'detect the default project');
          });
      }
      return detected;
    },
    idTokenHeaders: async (audience) => {
      if (!(authClient instanceof GoogleAuth)) {
        throw new ToolError(
          'UNSUPPORTED',
          'invoking a function needs an ID token, which a configured access token (CLOUD_GCP_ACCESS_TOKEN) cannot mint; use a key file or Application Default Credentials',
        );
      }
      try {
        const client = await authClient.getIdTokenClient(audience);
        const headers = (await client.getRequestHeaders(audience)) as unknown as Headers | Record<string, string>;
        const out: Record<string, string> = {};
        if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
          (headers as Headers).forEach((value, key) => {
            out[key] = value;
          });
        } else Object.assign(out, headers);
        for (const value of Object.values(out)) redactor.register(value.replace(/^Bearer\s+/i, ''));
        return out;
      } catch (error) {
        throw gcpError(error, 'mint an ID token');
      }
    },
    close: async () => {
      await Promise.allSettled(made.map((c) => c.close()));
    },
  };
}
