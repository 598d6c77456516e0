/**
 * What the GCP suite (test/gcp.test.ts) needs to know about the project it runs against, and how the live run reads
 * it from SWITCHBOARD_TEST_* variables. Without SWITCHBOARD_TEST_GCP=1 the suite runs against the fixtures.
 *
 * Live variables (credentials come from Application Default Credentials, never from these):
 * - SWITCHBOARD_TEST_GCP=1                     run against a real project
 * - SWITCHBOARD_TEST_GCP_PROJECT (required)    the project; every call is allowed there only
 * - SWITCHBOARD_TEST_GCS_BUCKET (required)     an existing scratch bucket; objects go under switchboard-test/<run>/
 *                                              and are deleted afterwards (also function sources and load files)
 * - SWITCHBOARD_TEST_GCP_ZONE                  default us-central1-a; the region is the zone's
 * - SWITCHBOARD_TEST_GCP_BIGQUERY_LOCATION     default US: where the run's two scratch datasets are made
 * - SWITCHBOARD_TEST_GCP_BIG_TABLE             default bigquery-public-data.samples.wikipedia: a table over 1 GiB,
 *                                              only dry-run (free) to show the cost guard refusing it
 * - SWITCHBOARD_TEST_GCP_INSTANCE              a stopped scratch VM in the zone: enables the start/stop test (the
 *                                              VM is started, stopped and left stopped)
 * - SWITCHBOARD_TEST_GCP_FUNCTION_PREFIX       default sbt-: CLOUD_GCP_FUNCTION_PREFIXES of the run
 * - SWITCHBOARD_TEST_GCP_FUNCTION              an existing HTTP function (2nd gen) in the region whose name has the
 *                                              prefix: enables the listing and invoke checks on it
 * - SWITCHBOARD_TEST_GCP_FUNCTIONS_DEPLOY=1    enables the deploy test (Cloud Build; a few minutes): deploys
 *                                              <prefix><run>, replaces it, and deletes it afterwards
 *
 * The ADC identity needs, in the project: storage.buckets.list and object admin on the bucket, BigQuery job user
 * and dataset create/delete (roles/bigquery.user), compute.instances.list (start/stop on the scratch VM when set),
 * cloudfunctions.functions.list/get (deploy and delete when deploying, with Cloud Build enabled). The invoke through
 * ADC needs credentials that can mint an ID token (a service account key, the metadata server or impersonation).
 */
export interface GcpSettings {
  project: string;
  zone: string;
  region: string;
  bucket: string;
  bigqueryLocation: string;
  /** project.dataset.table of a table whose full scan is over the 1 GiB cost cap. */
  bigTable: string;
  instance?: string;
  functionPrefix: string;
  function?: string;
  deployFunctions: boolean;
}

const ZONE = /^([a-z]+-[a-z]+\d+)-[a-z]$/;
const TABLE = /^[a-z][a-z0-9-]{4,28}[a-z0-9]\.\w+\.[\w-]+$/;

/** The live run's settings, or one error naming every variable that is missing or malformed. */
export function settingsFromEnv(env: Record<string, string | undefined>): GcpSettings {
  const problems: string[] = [];
  const value = (name: string) => (env[name]?.trim() ? env[name]?.trim() : undefined);
  const project = value('SWITCHBOARD_TEST_GCP_PROJECT');
  const bucket = value('SWITCHBOARD_TEST_GCS_BUCKET');
  if (!project) problems.push('SWITCHBOARD_TEST_GCP_PROJECT (the project to run in)');
  if (!bucket) problems.push('SWITCHBOARD_TEST_GCS_BUCKET (an existing scratch bucket in that project)');
  const zone = value('SWITCHBOARD_TEST_GCP_ZONE') ?? 'us-central1-a';
  const region = ZONE.exec(zone)?.[1];
  if (!region) problems.push(`SWITCHBOARD_TEST_GCP_ZONE is ${zone}, not a zone such as us-central1-a`);
  const bigTable = value('SWITCHBOARD_TEST_GCP_BIG_TABLE') ?? 'bigquery-public-data.samples.wikipedia';
  if (!TABLE.test(bigTable)) problems.push(`SWITCHBOARD_TEST_GCP_BIG_TABLE is ${bigTable}, not project.dataset.table`);
  const functionPrefix = value('SWITCHBOARD_TEST_GCP_FUNCTION_PREFIX') ?? 'sbt-';
  const fn = value('SWITCHBOARD_TEST_GCP_FUNCTION');
  if (fn && !fn.startsWith(functionPrefix))
    problems.push(`SWITCHBOARD_TEST_GCP_FUNCTION ${fn} does not start with the prefix ${functionPrefix}`);
  const instance = value('SWITCHBOARD_TEST_GCP_INSTANCE');
  if (instance && !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(instance))
    problems.push(`SWITCHBOARD_TEST_GCP_INSTANCE ${instance} is not an instance name`);
  if (problems.length > 0)
    throw new Error(`SWITCHBOARD_TEST_GCP=1 needs these variables set (or fixed):\n- ${problems.join('\n- ')}`);
  return {
    project: project as string,
    zone,
    region: region as string,
    bucket: bucket as string,
    bigqueryLocation: value('SWITCHBOARD_TEST_GCP_BIGQUERY_LOCATION') ?? 'US',
    bigTable,
    ...(instance ? { instance } : {}),
    functionPrefix,
    ...(fn ? { function: fn } : {}),
    deployFunctions: env.SWITCHBOARD_TEST_GCP_FUNCTIONS_DEPLOY === '1',
  };
}
