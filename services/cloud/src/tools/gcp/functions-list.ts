import { defineTool, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { hasPrefix } from '../../safety/allowlist.ts';
import { gcpProjectOf, gcpRegionOf } from '../../safety/scope.ts';
import { gcpProjectInput, gcpRegionInput } from '../shared-schemas.ts';
import { type CloudFunction, functionRow, functionRowOf, shortName } from './functions-rows.ts';

export const functionsList = defineTool({
  name: 'functionsList',
  title: 'List Cloud Functions',
  description:
    'Lists the Cloud Functions (2nd gen API) of a region whose names start with an allowed prefix (CLOUD_GCP_FUNCTION_PREFIXES), paged.',
  input: z.object({ project: gcpProjectInput, region: gcpRegionInput, ...listInput(25, 500) }),
  output: z.object({ project: z.string(), region: z.string(), ...listOutput(functionRow) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const project = await gcpProjectOf(ctx, args.project);
    const region = gcpRegionOf(ctx, args.region);
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['functionsList', project, region],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 500,
      fetch: async (token, size) => {
        const [functions, , response] = await gcpCall('cloudfunctions.functions.list', async () =>
          (await ctx.clients.gcp.functions()).listFunctions(
            { parent: `projects/${project}/locations/${region}`, pageSize: size, ...(token ? { pageToken: token } : {}) },
            { autoPaginate: false },
          ),
        );
        const items = (functions as CloudFunction[])
          .filter((f) => hasPrefix(shortName(f.name ?? ''), ctx.config.gcpFunctionPrefixes))
          .map(functionRowOf);
        return { items, next: (response as { nextPageToken?: string | null } | undefined)?.nextPageToken ?? undefined };
      },
    });
    return { project, region, ...page, count: page.items.length };
  },
});
