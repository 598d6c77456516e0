import { defineService } from '@switchboard/shared';
import { createAwsClients } from './aws/clients.ts';
import { cloudConfig } from './config.ts';
import type { CloudClients } from './context.ts';
import { resolveCredentials } from './credentials/secret-handle.ts';
import { createGcpClients } from './gcp/clients.ts';
import { cloudwatchGetMetricData } from './tools/aws/cloudwatch-get-metric-data.ts';
import { cloudwatchListAlarms } from './tools/aws/cloudwatch-list-alarms.ts';
import { cloudwatchQueryLogs } from './tools/aws/cloudwatch-query-logs.ts';
import { ec2ListInstances } from './tools/aws/ec2-list-instances.ts';
import { ec2RunInstances } from './tools/aws/ec2-run-instances.ts';
import { ec2StartInstances } from './tools/aws/ec2-start-instances.ts';
import { ec2StopInstances } from './tools/aws/ec2-stop-instances.ts';
import { lambdaInvoke } from './tools/aws/lambda-invoke.ts';
import { lambdaListFunctions } from './tools/aws/lambda-list-functions.ts';
import { lambdaUpdateFunctionCode } from './tools/aws/lambda-update-function-code.ts';
import { s3DeleteObject } from './tools/aws/s3-delete-object.ts';
import { s3GetObject } from './tools/aws/s3-get-object.ts';
import { s3ListBuckets } from './tools/aws/s3-list-buckets.ts';
import { s3ListObjects } from './tools/aws/s3-list-objects.ts';
import { s3PutObject } from './tools/aws/s3-put-object.ts';
import { bigqueryListDatasets } from './tools/gcp/bigquery-list-datasets.ts';
import { bigqueryListTables } from './tools/gcp/bigquery-list-tables.ts';
import { bigqueryLoadTable } from './tools/gcp/bigquery-load-table.ts';
import { bigqueryQuery } from './tools/gcp/bigquery-query.ts';
import { computeListInstances } from './tools/gcp/compute-list-instances.ts';
import { computeStartInstance } from './tools/gcp/compute-start-instance.ts';
import { computeStopInstance } from './tools/gcp/compute-stop-instance.ts';
import { functionsDeploy } from './tools/gcp/functions-deploy.ts';
import { functionsInvoke } from './tools/gcp/functions-invoke.ts';
import { functionsList } from './tools/gcp/functions-list.ts';
import { gcsDeleteObject } from './tools/gcp/gcs-delete-object.ts';
import { gcsListBuckets } from './tools/gcp/gcs-list-buckets.ts';
import { gcsListObjects } from './tools/gcp/gcs-list-objects.ts';
import { gcsReadObject } from './tools/gcp/gcs-read-object.ts';
import { gcsWriteObject } from './tools/gcp/gcs-write-object.ts';

export const cloudService = defineService({
  name: 'cloud',
  version: '0.1.0',
  title: 'Switchboard cloud',
  instructions:
    'AWS (S3, EC2, Lambda, CloudWatch) and GCP (Cloud Storage, Compute Engine, BigQuery, Cloud Functions). Read-only unless the operator set CLOUD_MODE=write; destructive calls ask a human. List tools page with cursor; bigqueryQuery dry-runs first and reports the cost.',
  defaultPort: 8003,
  config: cloudConfig,
  setup: async ({ config, redactor, secrets }) => {
    // Credentials given as secret:// handles are resolved once, here; the clients get the values.
    const resolved = await resolveCredentials(config, secrets);
    const clients: CloudClients = { aws: createAwsClients(resolved, redactor), gcp: createGcpClients(resolved, redactor) };
    return {
      clients,
      close: async () => {
        clients.aws.close();
        await clients.gcp.close();
      },
    };
  },
  tools: [
    s3ListBuckets,
    s3ListObjects,
    s3GetObject,
    s3PutObject,
    s3DeleteObject,
    ec2ListInstances,
    ec2StartInstances,
    ec2StopInstances,
    ec2RunInstances,
    lambdaListFunctions,
    lambdaInvoke,
    lambdaUpdateFunctionCode,
    cloudwatchGetMetricData,
    cloudwatchListAlarms,
    cloudwatchQueryLogs,
    gcsListBuckets,
    gcsListObjects,
    gcsReadObject,
    gcsWriteObject,
    gcsDeleteObject,
    computeListInstances,
    computeStartInstance,
    computeStopInstance,
    bigqueryListDatasets,
    bigqueryListTables,
    bigqueryQuery,
    bigqueryLoadTable,
    functionsList,
    functionsInvoke,
    functionsDeploy,
  ],
});
