import { defineTool, pageInput, ToolError, z } from '@switchboard/shared';
import { callOptions, type K8sToolContext } from '../context.ts';
import { listOutput, pageThrough } from '../output/list-page.ts';
import { age } from '../output/rows.ts';
import { resourceTarget } from './resource-target.ts';
import {
  allNamespacesField,
  apiVersionField,
  contextField,
  fieldSelectorField,
  kindField,
  labelSelectorField,
  namespaceField,
} from './shared-schemas.ts';

const kindRow = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  resource: z.string(),
  namespaced: z.boolean(),
  verbs: z.array(z.string()),
  shortNames: z.array(z.string()),
});
const objectRow = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  age: z.string(),
  labels: z.record(z.string(), z.string()).optional(),
});

export const listResources = defineTool({
  name: 'listResources',
  title: 'List any kind (or the kinds)',
  description:
    'Without kind: the kinds the cluster serves (discovery), with apiVersion, namespaced, verbs. With apiVersion + kind: objects of that kind as rows (name, namespace, age, labels), with selectors and paging. Secret rows never carry data.',
  input: z.object({
    context: contextField,
    apiVersion: apiVersionField.optional(),
    kind: kindField.optional(),
    namespace: namespaceField,
    allNamespaces: allNamespacesField,
    labelSelector: labelSelectorField,
    fieldSelector: fieldSelectorField,
    ...pageInput({ defaultLimit: 50, maxLimit: 500 }),
  }),
  output: z.object({ kinds: z.array(kindRow).optional(), ...listOutput(objectRow) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    if (!args.kind) {
      const k = ctx.clients.cluster(args.context);
      const kinds = await k.call('discover the API', callOptions(ctx), () => k.discovery.all());
      const filtered = args.apiVersion ? kinds.filter((x) => x.apiVersion === args.apiVersion) : kinds;
      return { kinds: filtered, items: [], total: filtered.length, totalExact: true };
    }
    if (!args.apiVersion) throw new ToolError('INVALID_ARGUMENT', 'kind needs apiVersion (e.g. apps/v1)');
    const apiVersion = args.apiVersion;
    const kind = args.kind;
    if (args.allNamespaces && args.namespace)
      throw new ToolError('INVALID_ARGUMENT', 'give either namespace or allNamespaces, not both');
    const t = await resourceTarget(ctx, { context: args.context, namespace: args.namespace, apiVersion, kind }, 'read');
    let namespace = t.namespace;
    if (args.allNamespaces && t.info.namespaced) {
      ctx.clients.policy.checkAllNamespaces(t.k.name);
      namespace = undefined;
    }
    return pageThrough({
      limit: args.limit,
      cursor: args.cursor,
      scope: {
        tool: 'listResources',
        context: t.k.name,
        apiVersion,
        kind,
        namespace: namespace ?? '*',
        l: args.labelSelector,
        f: args.fieldSelector,
      },
      capBytes: ctx.config.outputCapBytes,
      fetch: (limit, token) =>
        t.call(`list ${kind}`, () =>
          t.k.objects.list(
            apiVersion,
            kind,
            namespace,
            undefined,
            undefined,
            undefined,
            args.fieldSelector,
            args.labelSelector,
            limit,
            token,
          ),
        ),
      row: (o) => ({
        name: o.metadata?.name ?? '',
        ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
        age: age(o.metadata?.creationTimestamp),
        ...(o.metadata?.labels && Object.keys(o.metadata.labels).length > 0 ? { labels: o.metadata.labels } : {}),
      }),
    });
  },
});
