import { defineTool, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { gcpProjectOf } from '../../safety/scope.ts';
import { gcpProjectInput } from '../shared-schemas.ts';
import { datasetAllowed } from './bigquery-scope.ts';

const dataset = z.object({
  id: z.string(),
  location: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

export const bigqueryListDatasets = defineTool({
  name: 'bigqueryListDatasets',
  title: 'List BigQuery datasets',
  description: "Lists the project's datasets that are on the allowlist (CLOUD_BIGQUERY_DATASETS), paged.",
  input: z.object({ project: gcpProjectInput, ...listInput(50, 1000) }),
  output: z.object({ project: z.string(), ...listOutput(dataset) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const project = await gcpProjectOf(ctx, args.project);
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['bigqueryListDatasets', project],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 1000,
      fetch: async (token, size) => {
        const [datasets, next] = await gcpCall('bigquery.datasets.list', () =>
          ctx.clients.gcp.bigquery.getDatasets({
            projectId: project,
            autoPaginate: false,
            maxResults: size,
            ...(token ? { pageToken: token } : {}),
          }),
        );
        const items = datasets
          .filter((d) => d.id && datasetAllowed(project, d.id, ctx.config.bigqueryDatasets))
          .map((d) => {
            const m = d.metadata as { location?: string; labels?: Record<string, string> };
            return { id: d.id as string, location: m.location, ...(m.labels ? { labels: m.labels } : {}) };
          });
        return { items, next: (next as { pageToken?: string } | null)?.pageToken };
      },
    });
    return { project, ...page, count: page.items.length };
  },
});
