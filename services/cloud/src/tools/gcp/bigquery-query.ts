import { createHash } from 'node:crypto';
import type { Job } from '@google-cloud/bigquery';
import { decodeCursor, defineTool, encodeCursor, ToolError, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { gcpProjectOf } from '../../safety/scope.ts';
import { requireDataset } from './bigquery-scope.ts';

const TIB = 1024 ** 4;
const QUERY_DEADLINE_MS = 5 * 60_000;

interface DryRunStats {
  totalBytesProcessed?: string;
  query?: { statementType?: string; referencedTables?: { projectId: string; datasetId: string; tableId: string }[] };
}

interface QueryResponse {
  jobComplete?: boolean;
  totalRows?: string;
  pageToken?: string;
  cacheHit?: boolean;
  schema?: { fields?: { name: string; type: string }[] };
}

const costOf = (bytes: number, usdPerTib: number) => Math.round((bytes / TIB) * usdPerTib * 1e6) / 1e6;

/** Plain JSON rows: BigQueryDate, BigQueryTimestamp and friends become their `value`. */
function plainRows(rows: unknown[]): Record<string, unknown>[] {
  return JSON.parse(JSON.stringify(rows)) as Record<string, unknown>[];
}

async function resultsPage(ctx: CloudToolContext, job: Job, maxResults: number, pageToken: string | undefined) {
  const deadline = Date.now() + QUERY_DEADLINE_MS;
  for (;;) {
    const [rows, , response] = await gcpCall('bigquery.jobs.getQueryResults', () =>
      job.getQueryResults({ autoPaginate: false, maxResults, ...(pageToken ? { pageToken } : {}) }),
    );
    const meta = (response ?? {}) as QueryResponse;
    if (meta.jobComplete !== false) return { rows: plainRows(rows), meta };
    if (Date.now() > deadline || ctx.signal.aborted) {
      await job.cancel().catch(() => undefined);
      throw new ToolError(ctx.signal.aborted ? 'CANCELLED' : 'TIMEOUT', `query job ${job.id} did not finish; it was cancelled`);
    }
    await ctx.progress(0, undefined, `query job ${job.id} is running`);
  }
}

export const bigqueryQuery = defineTool({
  name: 'bigqueryQuery',
  title: 'Run a BigQuery query',
  description:
    'Runs a GoogleSQL SELECT. A dry run comes first: it reports the bytes the query would process and the estimated cost, refuses statements other than SELECT, tables outside CLOUD_BIGQUERY_DATASETS, and queries over maximumBytesBilled (CLOUD_BIGQUERY_MAX_BYTES_BILLED, which the real job also carries). Rows come back 50 at a time by default; page with cursor. dryRun only estimates.',
  input: z.object({
    sql: z.string().min(1).max(100_000),
    params: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .optional()
      .describe('Named @parameters'),
    dryRun: z.boolean().default(false),
    maximumBytesBilled: z.number().int().min(1).optional().describe('Lower than the configured cap for this call'),
    maxRows: z.number().int().min(1).optional().describe('Rows per page (default and cap CLOUD_BIGQUERY_MAX_ROWS)'),
    location: z.string().min(1).optional(),
    cursor: z.string().min(1).optional(),
  }),
  output: z.object({
    project: z.string(),
    jobId: z.string().optional(),
    location: z.string().optional(),
    statementType: z.string().optional(),
    bytesProcessed: z.number().describe('From the dry run'),
    estimatedCostUsd: z.number(),
    maximumBytesBilled: z.number(),
    referencedTables: z.array(z.string()),
    dryRun: z.boolean(),
    cacheHit: z.boolean().optional(),
    schema: z.array(z.object({ name: z.string(), type: z.string() })).optional(),
    rows: z.array(z.record(z.string(), z.unknown())),
    count: z.number(),
    totalRows: z.number().optional(),
    nextCursor: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const config = ctx.config;
    const bigquery = ctx.clients.gcp.bigquery;
    const project = await gcpProjectOf(ctx, undefined);
    const maxRows = Math.min(args.maxRows ?? config.bigqueryMaxRows, config.bigqueryMaxRows);
    const cap = Math.min(args.maximumBytesBilled ?? config.bigqueryMaxBytesBilled, config.bigqueryMaxBytesBilled);
    const location = args.location ?? config.bigqueryLocation;
    const scope = [
      'bigqueryQuery',
      createHash('sha256')
        .update(JSON.stringify([args.sql, args.params ?? null]))
        .digest('hex'),
      maxRows,
    ];
    if (args.cursor) {
      const position = decodeCursor<{ j: string; l?: string; p: string; b: number; r: string[]; s?: string }>(args.cursor, scope);
      const job = bigquery.job(position.j, position.l ? { location: position.l } : {});
      const { rows, meta } = await resultsPage(ctx, job, maxRows, position.p);
      return {
        project,
        jobId: position.j,
        location: position.l,
        statementType: position.s,
        bytesProcessed: position.b,
        estimatedCostUsd: costOf(position.b, config.bigqueryUsdPerTib),
        maximumBytesBilled: cap,
        referencedTables: position.r,
        dryRun: false,
        rows,
        count: rows.length,
        ...(meta.totalRows !== undefined ? { totalRows: Number(meta.totalRows) } : {}),
        ...(meta.pageToken ? { nextCursor: encodeCursor({ ...position, p: meta.pageToken }, scope) } : {}),
      };
    }
    const queryOptions = {
      query: args.sql,
      useLegacySql: false,
      ...(args.params ? { params: args.params } : {}),
      ...(location ? { location } : {}),
    };
    const [dry] = await gcpCall('bigquery.jobs.insert (dry run)', () =>
      bigquery.createQueryJob({ ...queryOptions, dryRun: true }),
    );
    const stats = (dry.metadata?.statistics ?? {}) as DryRunStats;
    const bytes = Number(stats.totalBytesProcessed ?? 0);
    const statementType = stats.query?.statementType;
    const tables = stats.query?.referencedTables ?? [];
    for (const t of tables) requireDataset(t.projectId, t.datasetId, config.bigqueryDatasets);
    const referencedTables = tables.map((t) => `${t.projectId}.${t.datasetId}.${t.tableId}`);
    if (statementType !== 'SELECT') {
      throw new ToolError(
        'POLICY_VIOLATION',
        `only SELECT statements run here; this is ${statementType ?? 'an unknown statement'}`,
      );
    }
    const estimatedCostUsd = costOf(bytes, config.bigqueryUsdPerTib);
    const summary = {
      project,
      statementType,
      bytesProcessed: bytes,
      estimatedCostUsd,
      maximumBytesBilled: cap,
      referencedTables,
    };
    if (bytes > cap) {
      throw new ToolError(
        'POLICY_VIOLATION',
        `the query would process ${bytes} bytes (about $${estimatedCostUsd}), over maximumBytesBilled ${cap} (CLOUD_BIGQUERY_MAX_BYTES_BILLED); narrow it (columns, partitions, WHERE)`,
        { details: { rule: 'maximum-bytes-billed', ...summary } },
      );
    }
    if (args.dryRun) return { ...summary, dryRun: true, rows: [], count: 0 };
    const [job] = await gcpCall('bigquery.jobs.insert', () =>
      bigquery.createQueryJob({ ...queryOptions, maximumBytesBilled: String(cap) }),
    );
    const { rows, meta } = await resultsPage(ctx, job, maxRows, undefined);
    const jobLocation = (job.metadata?.jobReference as { location?: string } | undefined)?.location ?? job.location ?? location;
    return {
      ...summary,
      jobId: job.id,
      location: jobLocation,
      dryRun: false,
      cacheHit: meta.cacheHit,
      schema: (meta.schema?.fields ?? []).map((f) => ({ name: f.name, type: f.type })),
      rows,
      count: rows.length,
      ...(meta.totalRows !== undefined ? { totalRows: Number(meta.totalRows) } : {}),
      ...(meta.pageToken
        ? {
            nextCursor: encodeCursor(
              {
                j: job.id,
                ...(jobLocation ? { l: jobLocation } : {}),
                p: meta.pageToken,
                b: bytes,
                r: referencedTables,
                s: statementType,
              },
              scope,
            ),
          }
        : {}),
    };
  },
});
