/**
 * The fixture target: the local Google API fixture (test/fixtures/gcp), given the world a real project would already
 * have (the scratch bucket, a bucket off the allowlist, VMs, deployed functions, a big public table), then built by
 * buildGcpTarget exactly as the live target is: same seeding through the SDK clients, same names, same config.
 */
import { addDataset, addTable } from '../fixtures/gcp/bigquery.ts';
import { addVm } from '../fixtures/gcp/compute.ts';
import { addCloudFunction } from '../fixtures/gcp/functions.ts';
import { startGcpFixture } from '../fixtures/gcp/server.ts';
import { addBucket } from '../fixtures/gcp/storage.ts';
import type { GcpSettings } from './gcp-settings.ts';
import { buildGcpTarget, DENIED_BUCKET, type GcpTarget } from './gcp-target.ts';

/** The fixture's static access token: the only credential its APIs accept (besides what its metadata server issues). */
export const GCP_FIXTURE_TOKEN = 'ya29.static-fixture-token-do-not-leak-42';

export const FIXTURE_SETTINGS: GcpSettings = {
  project: 'sb-prod',
  zone: 'us-central1-a',
  region: 'us-central1',
  bucket: 'sb-scratch',
  bigqueryLocation: 'US',
  bigTable: 'sb-public.samples.huge',
  instance: 'vm-3',
  functionPrefix: 'ops-',
  function: 'ops-hello',
  deployFunctions: true,
};

export async function fixtureGcpTarget(): Promise<GcpTarget> {
  const s = FIXTURE_SETTINGS;
  const gcp = await startGcpFixture({ project: s.project, tokens: [GCP_FIXTURE_TOKEN] });
  addBucket(gcp.storage, s.bucket);
  addBucket(gcp.storage, DENIED_BUCKET);
  for (let i = 0; i < 6; i++)
    addVm(gcp.compute, s.project, s.zone, `vm-${i}`, i % 2 ? 'TERMINATED' : 'RUNNING', { env: i < 3 ? 'prod' : 'dev' });
  addVm(gcp.compute, s.project, 'europe-west1-b', 'eu-vm', 'RUNNING');
  // A 5 TiB table, which only a fixture can have for free: the cost guard's over-budget case.
  addDataset(gcp.bigquery, 'sb-public', 'samples');
  addTable(
    gcp.bigquery,
    'sb-public',
    'samples',
    'huge',
    [{ name: 'payload', type: 'STRING' }],
    [{ payload: 'x' }],
    5 * 1024 ** 4,
  );
  for (const id of ['ops-hello', 'ops-report', 'billing-sync']) addCloudFunction(gcp.functions, gcp.url, s.project, s.region, id);
  return buildGcpTarget(s, { endpoint: gcp.url, token: GCP_FIXTURE_TOKEN }, gcp);
}
