import { BigQuery } from '@google-cloud/bigquery';
import type { InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import type { v2 as functionsV2 } from '@google-cloud/functions';
import { Storage } from '@google-cloud/storage';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';

/** How the test's own SDK clients reach Google: the fixture's endpoint and static token, or real endpoints and ADC. */
export interface GcpAccess {
  endpoint?: string;
  token?: string;
}

/** The SDK clients the target seeds, checks and cleans up with (never the service's own clients). */
export interface GcpSdk {
  auth: GoogleAuth | OAuth2Client;
  storage: Storage;
  bigquery: BigQuery;
  instances(): Promise<InstancesClient>;
  zoneOperations(): Promise<ZoneOperationsClient>;
  functions(): Promise<functionsV2.FunctionServiceClient>;
  close(): Promise<void>;
}

export function gcpSdk(project: string, access: GcpAccess): GcpSdk {
  let auth: GoogleAuth | OAuth2Client;
  if (access.token) {
    const oauth = new OAuth2Client();
    oauth.setCredentials({ access_token: access.token });
    auth = oauth;
  } else auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'], projectId: project });
  const endpoint = access.endpoint ? new URL(access.endpoint) : undefined;
  const gapic = {
    fallback: true,
    projectId: project,
    ...(auth instanceof GoogleAuth ? { auth: auth as never } : { authClient: auth as never }),
    ...(endpoint
      ? { apiEndpoint: endpoint.hostname, port: Number(endpoint.port), protocol: endpoint.protocol.replace(':', '') }
      : {}),
  };
  const storage = new Storage({
    authClient: auth,
    projectId: project,
    ...(endpoint ? { apiEndpoint: endpoint.origin, useAuthWithCustomEndpoint: true } : {}),
  });
  const bigquery = new BigQuery({
    authClient: auth,
    projectId: project,
    ...(endpoint ? { apiEndpoint: endpoint.origin } : {}),
  } as ConstructorParameters<typeof BigQuery>[0]);
  const made: { close(): Promise<void> }[] = [];
  const once = <T extends { close(): Promise<void> }>(make: () => Promise<T>) => {
    let client: Promise<T> | undefined;
    return () => {
      client ??= make().then((c) => {
        made.push(c);
        return c;
      });
      return client;
    };
  };
  return {
    auth,
    storage,
    bigquery,
    instances: once(async () => new (await import('@google-cloud/compute')).InstancesClient(gapic)),
    zoneOperations: once(async () => new (await import('@google-cloud/compute')).ZoneOperationsClient(gapic)),
    functions: once(async () => new (await import('@google-cloud/functions')).v2.FunctionServiceClient(gapic)),
    close: async () => {
      await Promise.allSettled(made.map((c) => c.close()));
    },
  };
}
