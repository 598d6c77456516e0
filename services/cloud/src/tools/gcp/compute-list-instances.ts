import { defineTool, z } from '@switchboard/shared';
import type { CloudToolContext } from '../../context.ts';
import { gcpCall } from '../../gcp/errors.ts';
import { listInput, listOutput, providerPage } from '../../paging.ts';
import { gcpProjectOf, gcpZoneOf } from '../../safety/scope.ts';
import { gcpProjectInput, gcpZoneInput } from '../shared-schemas.ts';

const row = z.object({
  name: z.string(),
  id: z.string().optional(),
  status: z.string().optional(),
  machineType: z.string().optional(),
  zone: z.string(),
  internalIp: z.string().optional(),
  externalIp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  created: z.string().optional(),
});

const last = (url: string | null | undefined) => (url ? url.split('/').pop() : undefined);

export const computeListInstances = defineTool({
  name: 'computeListInstances',
  title: 'List Compute Engine instances',
  description:
    'Lists the VM instances of a zone as compact rows (name, status, machine type, IPs, labels), with an optional Compute filter expression such as status = RUNNING or labels.env = prod. Paged.',
  input: z.object({
    project: gcpProjectInput,
    zone: gcpZoneInput,
    filter: z.string().max(2000).optional(),
    ...listInput(25, 500),
  }),
  output: z.object({ project: z.string(), zone: z.string(), ...listOutput(row) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  handler: async (args, ctx: CloudToolContext) => {
    const project = await gcpProjectOf(ctx, args.project);
    const { zone } = gcpZoneOf(ctx, args.zone);
    const page = await providerPage({
      cursor: args.cursor,
      scope: ['computeListInstances', project, zone, args.filter],
      limit: args.limit,
      capBytes: ctx.config.outputCapBytes,
      providerMax: 500,
      fetch: async (token, size) => {
        const [instances, , response] = await gcpCall('compute.instances.list', async () =>
          (await ctx.clients.gcp.instances()).list(
            {
              project,
              zone,
              maxResults: size,
              ...(token ? { pageToken: token } : {}),
              ...(args.filter ? { filter: args.filter } : {}),
            },
            { autoPaginate: false },
          ),
        );
        const items = instances.map((i) => {
          const nic = i.networkInterfaces?.[0];
          const labels = i.labels ? Object.fromEntries(Object.entries(i.labels)) : undefined;
          return {
            name: i.name ?? '',
            id: i.id === undefined || i.id === null ? undefined : String(i.id),
            status: i.status ?? undefined,
            machineType: last(i.machineType),
            zone: last(i.zone) ?? zone,
            internalIp: nic?.networkIP ?? undefined,
            externalIp: nic?.accessConfigs?.[0]?.natIP ?? undefined,
            ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
            created: i.creationTimestamp ?? undefined,
          };
        });
        return { items, next: (response as { nextPageToken?: string | null } | undefined)?.nextPageToken ?? undefined };
      },
    });
    return { project, zone, ...page, count: page.items.length };
  },
});
