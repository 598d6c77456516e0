import {
  defineConfig,
  envBoolean,
  envBytes,
  envInt,
  envList,
  isSecretHandle,
  looksLikeSecretHandle,
  z,
} from '@switchboard/shared';

export const CLOUD_MODES = ['read', 'write'] as const;
export const APPROVAL_MODES = ['ask', 'deny', 'auto'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

const optionalUrl = z.url({ protocol: /^https?$/ }).optional();
/**
 * A credential value or a `secret://<backend>/<path>` handle (resolved at start, credentials/secret-handle.ts);
 * either way it is registered with the redactor and never logged.
 */
const credential = z.string().min(1).optional();

/** cloud's own settings; the kit's (port, auth, limits, SWITCHBOARD_READ_ONLY) come on top. */
export const cloudConfig = defineConfig({
  schema: z.object({
    mode: z.enum(CLOUD_MODES).default('read'),
    approvalMode: z.enum(APPROVAL_MODES).default('ask'),
    fileRoots: envList(z.string().startsWith('/')).default([]),
    maxTextBytes: envBytes().default(64 * 1024),
    maxUploadBytes: envBytes().default(100 * 1024 * 1024),
    presignTtlSeconds: envInt({ min: 1, max: 7 * 24 * 3600 }).default(900),
    requestTimeoutMs: envInt({ min: 100 }).default(30_000),
    maxAttempts: envInt({ min: 1, max: 10 }).default(3),

    awsRegion: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
      .default('us-east-1'),
    awsAllowedRegions: envList().default([]),
    awsProfile: z.string().min(1).optional(),
    awsAccessKeyId: credential,
    awsSecretAccessKey: credential,
    awsSessionToken: credential,
    awsEndpoint: optionalUrl,
    awsS3Endpoint: optionalUrl,
    awsS3ForcePathStyle: envBoolean().default(false),
    s3Buckets: envList().default([]),
    ec2InstanceTypes: envList().default([]),
    ec2Amis: envList().default([]),
    ec2MaxCount: envInt({ min: 1, max: 100 }).default(2),
    ec2RequiredTags: envList().default(['owner']),
    lambdaFunctionPrefixes: envList().default([]),
    lambdaMaxPayloadBytes: envBytes().default(256 * 1024),
    logsQueryTimeoutMs: envInt({ min: 500 }).default(60_000),
    logsPollIntervalMs: envInt({ min: 10 }).default(1000),

    gcpProject: z.string().min(1).optional(),
    gcpAllowedProjects: envList().default([]),
    gcpRegion: z.string().min(1).default('us-central1'),
    gcpZone: z.string().min(1).default('us-central1-a'),
    gcpAllowedRegions: envList().default([]),
    gcpKeyFile: z.string().min(1).optional(),
    gcpAccessToken: credential,
    gcpEndpoint: optionalUrl,
    gcsBuckets: envList().default([]),
    bigqueryDatasets: envList().default([]),
    bigqueryMaxBytesBilled: envBytes().default(1024 ** 3),
    bigqueryMaxRows: envInt({ min: 1, max: 10_000 }).default(50),
    bigqueryUsdPerTib: z.coerce.number().min(0).default(6.25),
    bigqueryLocation: z.string().min(1).optional(),
    gcpFunctionPrefixes: envList().default([]),
  }),
  env: {
    mode: 'CLOUD_MODE',
    approvalMode: 'CLOUD_APPROVAL_MODE',
    fileRoots: 'CLOUD_FILE_ROOTS',
    maxTextBytes: 'CLOUD_MAX_TEXT_BYTES',
    maxUploadBytes: 'CLOUD_MAX_UPLOAD_BYTES',
    presignTtlSeconds: 'CLOUD_PRESIGN_TTL_SECONDS',
    requestTimeoutMs: 'CLOUD_REQUEST_TIMEOUT_MS',
    maxAttempts: 'CLOUD_MAX_ATTEMPTS',
    awsRegion: 'CLOUD_AWS_REGION',
    awsAllowedRegions: 'CLOUD_AWS_REGIONS',
    awsProfile: 'CLOUD_AWS_PROFILE',
    awsAccessKeyId: 'CLOUD_AWS_ACCESS_KEY_ID',
    awsSecretAccessKey: 'CLOUD_AWS_SECRET_ACCESS_KEY',
    awsSessionToken: 'CLOUD_AWS_SESSION_TOKEN',
    awsEndpoint: 'CLOUD_AWS_ENDPOINT',
    awsS3Endpoint: 'CLOUD_AWS_S3_ENDPOINT',
    awsS3ForcePathStyle: 'CLOUD_AWS_S3_FORCE_PATH_STYLE',
    s3Buckets: 'CLOUD_S3_BUCKETS',
    ec2InstanceTypes: 'CLOUD_EC2_INSTANCE_TYPES',
    ec2Amis: 'CLOUD_EC2_AMIS',
    ec2MaxCount: 'CLOUD_EC2_MAX_COUNT',
    ec2RequiredTags: 'CLOUD_EC2_REQUIRED_TAGS',
    lambdaFunctionPrefixes: 'CLOUD_LAMBDA_FUNCTION_PREFIXES',
    lambdaMaxPayloadBytes: 'CLOUD_LAMBDA_MAX_PAYLOAD',
    logsQueryTimeoutMs: 'CLOUD_LOGS_QUERY_TIMEOUT_MS',
    logsPollIntervalMs: 'CLOUD_LOGS_POLL_INTERVAL_MS',
    gcpProject: 'CLOUD_GCP_PROJECT',
    gcpAllowedProjects: 'CLOUD_GCP_PROJECTS',
    gcpRegion: 'CLOUD_GCP_REGION',
    gcpZone: 'CLOUD_GCP_ZONE',
    gcpAllowedRegions: 'CLOUD_GCP_REGIONS',
    gcpKeyFile: 'CLOUD_GCP_KEY_FILE',
    gcpAccessToken: 'CLOUD_GCP_ACCESS_TOKEN',
    gcpEndpoint: 'CLOUD_GCP_ENDPOINT',
    gcsBuckets: 'CLOUD_GCS_BUCKETS',
    bigqueryDatasets: 'CLOUD_BIGQUERY_DATASETS',
    bigqueryMaxBytesBilled: 'CLOUD_BIGQUERY_MAX_BYTES_BILLED',
    bigqueryMaxRows: 'CLOUD_BIGQUERY_MAX_ROWS',
    bigqueryUsdPerTib: 'CLOUD_BIGQUERY_USD_PER_TIB',
    bigqueryLocation: 'CLOUD_BIGQUERY_LOCATION',
    gcpFunctionPrefixes: 'CLOUD_GCP_FUNCTION_PREFIXES',
  },
  finalize: (config, problems) => {
    if (!config.awsAccessKeyId !== !config.awsSecretAccessKey) {
      problems.push('awsAccessKeyId (CLOUD_AWS_ACCESS_KEY_ID) and awsSecretAccessKey (CLOUD_AWS_SECRET_ACCESS_KEY) go together');
    }
    if (config.awsSessionToken && !config.awsAccessKeyId) {
      problems.push('awsSessionToken (CLOUD_AWS_SESSION_TOKEN) is set without awsAccessKeyId');
    }
    if (config.awsProfile && config.awsAccessKeyId) {
      problems.push('awsProfile (CLOUD_AWS_PROFILE) and static keys (CLOUD_AWS_ACCESS_KEY_ID) exclude each other');
    }
    if (config.gcpKeyFile && config.gcpAccessToken) {
      problems.push('gcpKeyFile (CLOUD_GCP_KEY_FILE) and gcpAccessToken (CLOUD_GCP_ACCESS_TOKEN) exclude each other');
    }
    // Handles are resolved at start by the secrets service; a malformed one is a configuration problem now.
    for (const key of ['awsAccessKeyId', 'awsSecretAccessKey', 'awsSessionToken', 'gcpAccessToken'] as const) {
      if (looksLikeSecretHandle(config[key]) && !isSecretHandle(config[key])) {
        problems.push(`${key}: a secret handle looks like secret://<backend>/<path>[#version]`);
      }
    }
    if (config.awsAllowedRegions.length > 0 && !config.awsAllowedRegions.includes(config.awsRegion)) {
      problems.push(`awsAllowedRegions (CLOUD_AWS_REGIONS) does not include the default region ${config.awsRegion}`);
    }
    if (config.gcpAllowedRegions.length > 0 && !config.gcpAllowedRegions.includes(config.gcpRegion)) {
      problems.push(`gcpAllowedRegions (CLOUD_GCP_REGIONS) does not include the default region ${config.gcpRegion}`);
    }
    if (!config.gcpZone.startsWith(`${config.gcpRegion}-`)) {
      problems.push(`gcpZone (CLOUD_GCP_ZONE) ${config.gcpZone} is not in the default region ${config.gcpRegion}`);
    }
    if (config.gcpProject && config.gcpAllowedProjects.length > 0 && !config.gcpAllowedProjects.includes(config.gcpProject)) {
      problems.push(`gcpAllowedProjects (CLOUD_GCP_PROJECTS) does not include the default project ${config.gcpProject}`);
    }
    // Mutations exist only in write mode: the kit then hides and refuses every tool that is not read-only.
    const kit = config as typeof config & { readOnly?: boolean };
    return { ...config, readOnly: kit.readOnly === true || config.mode !== 'write' } as typeof config;
  },
});

export type CloudConfig = z.infer<typeof cloudConfig.schema>;
