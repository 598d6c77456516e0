import { createHash } from 'node:crypto';
import type { Job } from '@google-cloud/bigquery';
import { defineTool, ToolError, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall, gcpError } from '../../gcp/errors.ts';
import { requireAllowed } from '../../safety/allowlist.ts';
import { authorizeMutation, idempotencyKeyOf } from '../../safety/mutation.ts';
import { gcpProjectOf } from '../../safety/scope.ts';
import { approvalSchema, targetSchema } from '../shared-schemas.ts';
import { DATASET_ID, requireDataset, TABLE_ID } from './bigquery-scope.ts';

const GS_URI = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])\/(.+)$/;

export const bigqueryLoadTable = defineTool({
  name: 'bigqueryLoadTable',
  title: 'Load a BigQuery table from Cloud Storage',
  description:
    'Loads CSV, newline-delimited JSON, Avro or Parquet files from allowed buckets (gs:// URIs, * wildcards) into a table of an allowed dataset, and waits for the job. WRITE_APPEND (default) adds rows, WRITE_EMPTY needs an empty table, WRITE_TRUNCATE replaces the table and asks a human first. Needs CLOUD_MODE=write.',
  input: z.object({
    dataset: z.string().regex(DATASET_ID),
    table: z.string().regex(TABLE_ID),
    sourceUris: z.array(z.string().regex(GS_URI, 'a gs://bucket/object URI')).min(1).max(100),
    format: z.enum(['CSV', 'NEWLINE_DELIMITED_JSON', 'AVRO', 'PARQUET']).default('NEWLINE_DELIMITED_JSON'),
    writeDisposition: z.enum(['WRITE_APPEND', 'WRITE_EMPTY', 'WRITE_TRUNCATE']).default('WRITE_APPEND'),
    autodetect: z.boolean().default(true),
    skipLeadingRows: z.number().int().min(0).optional(),
    schema: z
      .array(
        z.object({
          name: z.string().min(1),
          type: z.string().min(1),
          mode: z.enum(['NULLABLE', 'REQUIRED', 'REPEATED']).optional(),
        }),
      )
      .optional(),
    location: z.string().min(1).optional(),
  }),
  output: z.object({
    jobId: z.string(),
    state: z.string(),
    table: z.string(),
    outputRows: z.number().optional(),
    inputFiles: z.number().optional(),
    inputBytes: z.number().optional(),
    writeDisposition: z.string(),
    target: targetSchema,
    approval: approvalSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  // The whole call runs at most once per workflow idempotency key: a repeat gets the first outcome back.
  handler: (args, ctx: CloudToolContext) =>
    ctx.idempotent(async () => {
      const project = await gcpProjectOf(ctx, undefined);
      requireDataset(project, args.dataset, ctx.config.bigqueryDatasets);
      for (const uri of args.sourceUris)
        requireAllowed('bucket', GS_URI.exec(uri)?.[1] ?? '', ctx.config.gcsBuckets, 'CLOUD_GCS_BUCKETS');
      const bigquery = ctx.clients.gcp.bigquery;
      const location = args.location ?? ctx.config.bigqueryLocation;
      const [dataset] = await gcpCall('bigquery.datasets.get', () =>
        bigquery.dataset(args.dataset, { projectId: project }).get(),
      );
      const region = ((dataset.metadata as { location?: string }).location ?? location ?? 'unknown').toLowerCase();
      const target = { provider: 'gcp' as const, project, region };
      const tableName = `${project}.${args.dataset}.${args.table}`;
      const approval = await authorizeMutation(ctx, {
        tool: 'bigqueryLoadTable',
        action: `${args.writeDisposition === 'WRITE_TRUNCATE' ? 'REPLACE all rows of' : 'load rows into'} ${tableName} from ${args.sourceUris.join(', ')}`,
        target,
        destructive: args.writeDisposition === 'WRITE_TRUNCATE',
      });
      // A workflow step's key gives the job a fixed id, so a retried step finds its job instead of loading twice.
      const key = idempotencyKeyOf(ctx);
      const jobId = key ? `switchboard_load_${createHash('sha256').update(key).digest('hex').slice(0, 40)}` : undefined;
      let job: Job;
      try {
        [job] = await bigquery.createJob({
          ...(jobId ? { jobId } : {}),
          ...(location ? { location } : {}),
          configuration: {
            load: {
              destinationTable: { projectId: project, datasetId: args.dataset, tableId: args.table },
              sourceUris: args.sourceUris,
              sourceFormat: args.format,
              writeDisposition: args.writeDisposition,
              autodetect: args.schema ? false : args.autodetect,
              ...(args.skipLeadingRows !== undefined ? { skipLeadingRows: args.skipLeadingRows } : {}),
              ...(args.schema ? { schema: { fields: args.schema } } : {}),
            },
          },
        });
      } catch (error) {
        const mapped = gcpError(error, 'bigquery.jobs.insert (load)');
        if (!(jobId && mapped.code === 'CONFLICT')) throw mapped;
        job = bigquery.job(jobId, location ? { location } : {});
      }
      const deadline = Date.now() + 10 * 60_000;
      let metadata = job.metadata as {
        status?: { state?: string; errorResult?: { reason?: string; message?: string } };
        statistics?: { load?: Record<string, string> };
      };
      while (metadata?.status?.state !== 'DONE') {
        if (Date.now() > deadline) throw new ToolError('TIMEOUT', `load job ${job.id} is still running; it goes on`);
        if (ctx.signal.aborted) throw new ToolError('CANCELLED', `the call was cancelled; load job ${job.id} goes on`);
        await new Promise((r) => setTimeout(r, 200));
        [metadata] = (await gcpCall('bigquery.jobs.get', () => job.getMetadata())) as unknown as [typeof metadata];
        await ctx.progress(0, undefined, `load job ${job.id}: ${metadata?.status?.state}`);
      }
      const failure = metadata.status?.errorResult;
      if (failure) {
        // The same reason maps to the same code whether jobs.insert reported it or the finished job did
        // (duplicate: CONFLICT, notFound: NOT_FOUND, accessDenied: PERMISSION_DENIED); an unknown reason is the input's.
        const mapped = gcpError({ reason: failure.reason, message: failure.message }, 'bigquery.jobs.insert (load)');
        const code = mapped.details?.httpStatus === undefined ? 'INVALID_ARGUMENT' : mapped.code;
        throw new ToolError(code, `load job ${job.id} failed: ${failure.reason}: ${failure.message}`, {
          details: { provider: 'gcp', action: 'bigquery.jobs.insert (load)', reason: failure.reason, jobId: job.id },
        });
      }
      const load = metadata.statistics?.load ?? {};
      ctx.log.info({ job: job.id, table: tableName, rows: load.outputRows, approval }, 'BigQuery load finished');
      return {
        jobId: job.id ?? '',
        state: 'DONE',
        table: tableName,
        outputRows: load.outputRows === undefined ? undefined : Number(load.outputRows),
        inputFiles: load.inputFiles === undefined ? undefined : Number(load.inputFiles),
        inputBytes: load.inputFileBytes === undefined ? undefined : Number(load.inputFileBytes),
        writeDisposition: args.writeDisposition,
        target,
        approval,
      };
    }),
});
