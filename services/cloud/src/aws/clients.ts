import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Redactor } from '@switchboard/shared';
import type { CloudConfig } from '../config.ts';
import { awsError } from './errors.ts';

type Ctor<T> = new (config: Record<string, unknown>) => T;

/** One SDK client per service and region, built on first use with the configured credentials and endpoints. */
export interface AwsClients {
  s3(region: string): S3Client;
  ec2(region: string): EC2Client;
  lambda(region: string): LambdaClient;
  cloudwatch(region: string): CloudWatchClient;
  logs(region: string): CloudWatchLogsClient;
  /** The account the credentials belong to (STS GetCallerIdentity, cached). */
  account(): Promise<string>;
  close(): void;
}

/**
 * Credentials: static keys from configuration when given, else the named profile, else the SDK's default chain
 * (environment, shared config and SSO, web identity / IRSA, ECS and EC2 instance metadata).
 */
function baseConfig(config: CloudConfig): Record<string, unknown> {
  const base: Record<string, unknown> = {
    maxAttempts: config.maxAttempts,
    requestHandler: { requestTimeout: config.requestTimeoutMs, connectionTimeout: Math.min(config.requestTimeoutMs, 10_000) },
  };
  if (config.awsAccessKeyId && config.awsSecretAccessKey) {
    base.credentials = {
      accessKeyId: config.awsAccessKeyId,
      secretAccessKey: config.awsSecretAccessKey,
      ...(config.awsSessionToken ? { sessionToken: config.awsSessionToken } : {}),
    };
  } else if (config.awsProfile) {
    base.profile = config.awsProfile;
  }
  return base;
}

export function createAwsClients(config: CloudConfig, redactor: Redactor): AwsClients {
  // The key id is an identifier (AWS prints it in errors and presigned URLs); the secret and session token are secret.
  redactor.register(config.awsSecretAccessKey, config.awsSessionToken);
  const base = baseConfig(config);
  const made = new Map<string, { destroy(): void }>();
  function client<T extends { destroy(): void }>(
    kind: string,
    ctor: Ctor<T>,
    region: string,
    extra: Record<string, unknown> = {},
  ) {
    const key = `${kind}:${region}`;
    let found = made.get(key) as T | undefined;
    if (!found) {
      found = new ctor({
        ...base,
        region,
        ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
        ...extra,
      });
      made.set(key, found);
    }
    return found;
  }
  const s3Endpoint = config.awsS3Endpoint ?? config.awsEndpoint;
  let account: Promise<string> | undefined;
  return {
    s3: (region) =>
      client('s3', S3Client, region, {
        ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
        forcePathStyle: config.awsS3ForcePathStyle,
        // S3-compatible endpoints (MinIO, s3rver, LocalStack) reject the newer default checksum trailers.
        ...(s3Endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
      }),
    ec2: (region) => client('ec2', EC2Client, region),
    lambda: (region) => client('lambda', LambdaClient, region),
    cloudwatch: (region) => client('cloudwatch', CloudWatchClient, region),
    logs: (region) => client('logs', CloudWatchLogsClient, region),
    account: () => {
      account ??= client('sts', STSClient, config.awsRegion)
        .send(new GetCallerIdentityCommand({}))
        .then((identity) => identity.Account ?? 'unknown')
        .catch((error: unknown) => {
          account = undefined;
          throw awsError(error, 'sts:GetCallerIdentity');
        });
      return account;
    },
    close: () => {
      for (const c of made.values()) c.destroy();
      made.clear();
    },
  };
}
