import { defineTool, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { gcpProjectOf } from '../../safety/scope.ts';
import { gcpProjectInput } from '../shared-schemas.ts';
import { DATASET_ID, requireDataset } from './bigquery-scope.ts';

const table = z.object({ id: z.string(), type: z.string().optional(), created: z.string().optional() });

export const bigqueryListTables = defineTool({
  name: 'bigqueryListTables',
  title: 'List BigQuery tables',
  description: "Lists the tables and views of an allowed dataset, paged; total is the dataset's table count.",
  input: z.object({ dataset: z.string().regex(DATASET_ID), project: gcpProjectInput, ...listInput(50, 1000) }),
  output: z.object({ project: z.string(), dataset: z.string(), ...listOutput(table) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const project = await gcpProjectOf(ctx, args.project);
    requireDataset(project, args.dataset, ctx.config.bigqueryDatasets);
    const dataset = ctx.clients.gcp.bigquery.dataset(args.dataset, { projectId: project });
    let total: number | undefined;
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['bigqueryListTables', project, args.dataset],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 1000,
      fetch: async (token, size) => {
        const [tables, next, response] = await gcpCall('bigquery.tables.list', () =>
          dataset.getTables({ autoPaginate: false, maxResults: size, ...(token ? { pageToken: token } : {}) }),
        );
        const reported = (response as { totalItems?: number } | undefined)?.totalItems;
        if (reported !== undefined) total = Number(reported);
        const items = tables.map((t) => {
          const m = t.metadata as { type?: string; creationTime?: string };
          return {
            id: t.id ?? '',
            type: m.type,
            created: m.creationTime ? new Date(Number(m.creationTime)).toISOString() : undefined,
          };
        });
        return { items, next: (next as { pageToken?: string } | null)?.pageToken };
      },
    });
    return { project, dataset: args.dataset, ...page, count: page.items.length, ...(total !== undefined ? { total } : {}) };
  },
});
