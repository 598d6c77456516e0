/**
 * The target the GCP suite (test/gcp.test.ts) runs against: the names it uses, the service configuration, and the
 * resources it reads, seeded through the real Google SDK clients. `buildGcpTarget` is the one code path for both
 * targets: the fixture target (gcp-fixture-target.ts) calls it with the fixture's endpoint and static token, the live
 * target with real endpoints and Application Default Credentials. Live variables: see gcp-settings.ts.
 *
 * Seeded (both targets), all named after a run-unique id and removed by cleanup(), also after a failure:
 * - objects under gs://<bucket>/switchboard-test/<run>/: data/reports/2026-11-0{0..4}.csv, data/events/part-1.json
 *   (what the listing tests read), seed/events.json (the BigQuery seed), fn/echo.zip (a function source zip)
 * - BigQuery datasets sbt_<run> (allowed; table events, 120 rows loaded from seed/events.json) and sbt_<run>_hr
 *   (not allowed; empty table salaries), in SWITCHBOARD_TEST_GCP_BIGQUERY_LOCATION
 * - functions the deploy test records in `deployed`; the scratch VM is left stopped
 */
import { randomBytes } from 'node:crypto';
import type { GcpFixture } from '../fixtures/gcp/server.ts';
import { tempDir } from '../support.ts';
import { type GcpAccess, type GcpSdk, gcpSdk } from './gcp-sdk.ts';
import type { GcpSettings } from './gcp-settings.ts';
import { echoFunctionZip } from './gcp-zip.ts';

export interface GcpTarget {
  /** The fixture world, on the fixture target only (request log, error injection, state). */
  fixture?: GcpFixture;
  run: string;
  project: string;
  /** A project off CLOUD_GCP_PROJECTS. */
  otherProject: string;
  region: string;
  zone: string;
  /** A zone in a region off CLOUD_GCP_REGIONS. */
  otherZone: string;
  bucket: string;
  /** The bucket's location, lowercased, as results and prompts name it. */
  bucketRegion: string;
  /** A bucket off CLOUD_GCS_BUCKETS (it exists on the fixture, live it need not). */
  deniedBucket: string;
  /** switchboard-test/<run>/: everything the run writes to the bucket is under it. */
  prefix: string;
  /** <prefix>data/: the objects the listing tests read, and no others. */
  dataPrefix: string;
  /** The seeded objects under dataPrefix, sorted. */
  dataObjects: string[];
  /** A function source zip in the bucket (index.js exporting handler and handler2). */
  functionSource: { bucket: string; object: string };
  dataset: string;
  deniedDataset: string;
  /** The datasets' location as BigQuery reports it (US, EU, europe-west1...). */
  datasetLocation: string;
  /** The allowed dataset's tables before any test writes. */
  tables: string[];
  /** project.dataset.table whose full scan is over the 1 GiB cap. */
  bigTable: string;
  functionPrefix: string;
  /** An existing HTTP function with the prefix (fixture: seeded; live: SWITCHBOARD_TEST_GCP_FUNCTION). */
  function?: string;
  /** Whether the deploy test runs (fixture: always; live: SWITCHBOARD_TEST_GCP_FUNCTIONS_DEPLOY=1). */
  deployFunctions: boolean;
  /** A scratch VM in the zone (fixture: seeded, stopped; live: SWITCHBOARD_TEST_GCP_INSTANCE, stopped). */
  instance?: string;
  /** Functions a test deployed: cleanup deletes them. */
  deployed: string[];
  sdk: GcpSdk;
  /** The service configuration for this target; `extra` on top. */
  config(extra?: Record<string, unknown>): Record<string, unknown>;
  /** An access token that works here (fixture: the static one; live: one the ADC chain mints). */
  accessToken(): Promise<string>;
  /** Credential material that must never appear in a tool result or log line. */
  secrets(): Promise<string[]>;
  cleanup(): Promise<void>;
}

const EVENT_SCHEMA = [
  { name: 'user', type: 'STRING' },
  { name: 'clicks', type: 'INTEGER' },
  { name: 'country', type: 'STRING' },
  { name: 'at', type: 'TIMESTAMP' },
];

export const EVENT_ROWS = Array.from({ length: 120 }, (_, i) => ({
  user: `user-${String(i).padStart(3, '0')}`,
  clicks: i,
  country: i % 2 ? 'DE' : 'FR',
  at: '2026-11-30T12:00:00Z',
}));

export const DENIED_BUCKET = 'switchboard-test-denied-bucket';

const datasetOf = (table: string) => table.split('.').slice(0, 2).join('.');

/** Seeds the run's resources through the SDK clients and describes them; `fixture` only when given one. */
export async function buildGcpTarget(settings: GcpSettings, access: GcpAccess, fixture?: GcpFixture): Promise<GcpTarget> {
  const run = randomBytes(4).toString('hex');
  const sdk = gcpSdk(settings.project, access);
  const data = tempDir('cloud-gcp-data-');
  const prefix = `switchboard-test/${run}/`;
  const dataPrefix = `${prefix}data/`;
  const dataset = `sbt_${run}`;
  const deniedDataset = `sbt_${run}_hr`;
  const deployed: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const bucket = sdk.storage.bucket(settings.bucket);

  const cleanup = async () => {
    const failures: string[] = [];
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    await sdk.close();
    data.cleanup();
    if (failures.length > 0) throw new Error(`GCP target cleanup left something behind:\n- ${failures.join('\n- ')}`);
  };

  try {
    const [bucketMeta] = await bucket.getMetadata();
    cleanups.push(() => bucket.deleteFiles({ prefix, force: true }));
    const dataObjects = [
      `${dataPrefix}events/part-1.json`,
      ...[0, 1, 2, 3, 4].map((i) => `${dataPrefix}reports/2026-11-0${i}.csv`),
    ];
    await Promise.all([
      ...[0, 1, 2, 3, 4].map((i) =>
        bucket.file(`${dataPrefix}reports/2026-11-0${i}.csv`).save(`day,${i}\n`, { resumable: false, contentType: 'text/csv' }),
      ),
      bucket
        .file(`${dataPrefix}events/part-1.json`)
        .save('{"user":"ann","clicks":3}\n{"user":"bob","clicks":5}\n', { resumable: false, contentType: 'application/json' }),
      bucket
        .file(`${prefix}seed/events.json`)
        .save(`${EVENT_ROWS.map((r) => JSON.stringify(r)).join('\n')}\n`, { resumable: false, contentType: 'application/json' }),
      bucket.file(`${prefix}fn/echo.zip`).save(echoFunctionZip(), { resumable: false, contentType: 'application/zip' }),
    ]);

    const bigquery = sdk.bigquery;
    for (const id of [dataset, deniedDataset]) {
      await bigquery.createDataset(id, { location: settings.bigqueryLocation });
      cleanups.push(() => bigquery.dataset(id).delete({ force: true }));
    }
    const [loadJob] = await bigquery
      .dataset(dataset)
      .table('events')
      .createLoadJob(bucket.file(`${prefix}seed/events.json`), {
        sourceFormat: 'NEWLINE_DELIMITED_JSON',
        schema: { fields: EVENT_SCHEMA },
        writeDisposition: 'WRITE_TRUNCATE',
      });
    await loadJob.promise();
    await bigquery.dataset(deniedDataset).createTable('salaries', { schema: { fields: [{ name: 'name', type: 'STRING' }] } });
    const [datasetMeta] = await bigquery.dataset(dataset).getMetadata();

    if (settings.instance) {
      const name = settings.instance;
      // The start/stop test leaves the VM stopped; if it failed half-way, stop it here.
      cleanups.push(async () => {
        const instances = await sdk.instances();
        const [vm] = await instances.get({ project: settings.project, zone: settings.zone, instance: name });
        if (vm.status === 'TERMINATED' || vm.status === 'STOPPED') return;
        const [operation] = await instances.stop({ project: settings.project, zone: settings.zone, instance: name });
        await (await sdk.zoneOperations()).wait({
          project: settings.project,
          zone: settings.zone,
          operation: operation.latestResponse.name as string,
        });
      });
    }
    cleanups.push(async () => {
      if (deployed.length === 0) return;
      const functions = await sdk.functions();
      for (const id of deployed) {
        const name = `projects/${settings.project}/locations/${settings.region}/functions/${id}`;
        try {
          const [operation] = await functions.deleteFunction({ name });
          await operation.promise();
        } catch (error) {
          if ((error as { code?: number }).code !== 5) throw error;
        }
      }
    });

    const otherRegion = settings.region === 'europe-west1' ? 'us-central1' : 'europe-west1';
    const target: GcpTarget = {
      ...(fixture ? { fixture } : {}),
      run,
      project: settings.project,
      otherProject: `${settings.project}-other`,
      region: settings.region,
      zone: settings.zone,
      otherZone: `${otherRegion}-b`,
      bucket: settings.bucket,
      bucketRegion: String((bucketMeta as { location?: string }).location ?? 'unknown').toLowerCase(),
      deniedBucket: DENIED_BUCKET,
      prefix,
      dataPrefix,
      dataObjects: dataObjects.sort(),
      functionSource: { bucket: settings.bucket, object: `${prefix}fn/echo.zip` },
      dataset,
      deniedDataset,
      datasetLocation: String((datasetMeta as { location?: string }).location),
      tables: ['events'],
      bigTable: settings.bigTable,
      functionPrefix: settings.functionPrefix,
      ...(settings.function ? { function: settings.function } : {}),
      deployFunctions: settings.deployFunctions,
      ...(settings.instance ? { instance: settings.instance } : {}),
      deployed,
      sdk,
      config: (extra = {}) => ({
        gcpProject: settings.project,
        gcpAllowedProjects: [settings.project],
        gcpRegion: settings.region,
        gcpZone: settings.zone,
        gcsBuckets: [settings.bucket],
        bigqueryDatasets: [dataset, datasetOf(settings.bigTable)],
        gcpFunctionPrefixes: [settings.functionPrefix],
        maxAttempts: fixture ? 1 : 3,
        dataDir: data.path,
        ...(access.endpoint ? { gcpEndpoint: access.endpoint } : {}),
        ...(access.token ? { gcpAccessToken: access.token } : {}),
        ...extra,
      }),
      accessToken: async () => {
        if (access.token) return access.token;
        const token = (await sdk.auth.getAccessToken()) as string | { token?: string | null } | null | undefined;
        const value = typeof token === 'string' ? token : token?.token;
        if (!value) throw new Error('Application Default Credentials gave no access token');
        return value;
      },
      secrets: async () => {
        if (access.token) return [access.token];
        const client = (await (sdk.auth as { getClient(): Promise<unknown> }).getClient()) as {
          credentials?: Record<string, unknown>;
          key?: string;
        };
        const values = [await target.accessToken(), client.key, ...Object.values(client.credentials ?? {})];
        return values.filter((v): v is string => typeof v === 'string' && v.length >= 16);
      },
      cleanup,
    };
    if (fixture) cleanups.unshift(() => fixture.close());
    return target;
  } catch (error) {
    await cleanup().catch(() => undefined);
    if (fixture) await fixture.close();
    throw error;
  }
}
