import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';

/** Where the SDK clients go: the fixture endpoints with a static key, or (absent) real AWS via the default chain. */
export interface AwsConnection {
  endpoint: string;
  s3Endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The SDK clients the target seeds, waits and cleans up with (never the service's own clients). */
export interface AwsSdk {
  s3: S3Client;
  ec2: EC2Client;
  lambda: LambdaClient;
  cloudwatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  sts: STSClient;
  destroy(): void;
}

export function awsSdk(region: string, connection?: AwsConnection): AwsSdk {
  const base = {
    region,
    maxAttempts: connection ? 1 : 5,
    ...(connection
      ? {
          endpoint: connection.endpoint,
          credentials: { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey },
        }
      : {}),
  };
  const clients = {
    s3: new S3Client({
      ...base,
      ...(connection
        ? {
            endpoint: connection.s3Endpoint,
            forcePathStyle: true,
            requestChecksumCalculation: 'WHEN_REQUIRED' as const,
            responseChecksumValidation: 'WHEN_REQUIRED' as const,
          }
        : {}),
    }),
    ec2: new EC2Client(base),
    lambda: new LambdaClient(base),
    cloudwatch: new CloudWatchClient(base),
    logs: new CloudWatchLogsClient(base),
    sts: new STSClient(base),
  };
  return {
    ...clients,
    destroy: () => {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
