import { defineTool, pageInput, z } from '@switchboard/shared';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { type K8sToolContext, listTarget } from '../context.ts';
import { listOutput, pageThrough, type ServerPage } from '../output/list-page.ts';
import { allNamespacesField, contextField, fieldSelectorField, labelSelectorField, namespaceField } from './shared-schemas.ts';

/** The server page request every namespaced list shares: limit, selectors and the continue token. */
export interface ListRequest {
  limit: number;
  labelSelector?: string;
  fieldSelector?: string;
  _continue?: string;
}

export interface NamespacedListOptions<Row extends z.ZodType> {
  name: string;
  title: string;
  description: string;
  /** The plural in messages: "list pods in default". */
  plural: string;
  rowSchema: Row;
  row(item: unknown): z.input<Row>;
  truncationHint?: string;
  /** The list across all namespaces the caller may read, and the list in one. */
  listAll(k: ClusterClient, request: ListRequest): Promise<ServerPage<unknown>>;
  listNamespaced(k: ClusterClient, namespace: string, request: ListRequest): Promise<ServerPage<unknown>>;
}

/**
 * A read-only list of a namespaced kind as compact rows: one namespace or all of them (allNamespaces, within the
 * context's allowlist), label and field selectors, and the API's own limit/continue behind the cursor.
 */
export function defineNamespacedList<Row extends z.ZodType>(options: NamespacedListOptions<Row>) {
  return defineTool({
    name: options.name,
    title: options.title,
    description: options.description,
    input: z.object({
      context: contextField,
      namespace: namespaceField,
      allNamespaces: allNamespacesField,
      labelSelector: labelSelectorField,
      fieldSelector: fieldSelectorField,
      ...pageInput({ defaultLimit: 20, maxLimit: 500 }),
    }),
    output: z.object(listOutput(options.rowSchema)),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
    ...(options.truncationHint ? { truncationHint: options.truncationHint } : {}),
    handler: async (args, ctx: K8sToolContext) => {
      const t = listTarget(ctx, args);
      const selectors = {
        ...(args.labelSelector ? { labelSelector: args.labelSelector } : {}),
        ...(args.fieldSelector ? { fieldSelector: args.fieldSelector } : {}),
      };
      return pageThrough({
        limit: args.limit,
        cursor: args.cursor,
        scope: { tool: options.name, context: t.k.name, namespace: t.namespace ?? '*', ...selectors },
        capBytes: ctx.config.outputCapBytes,
        fetch: (limit, token) =>
          t.call(`list ${options.plural} in ${t.namespace ?? 'all namespaces'}`, () => {
            const request: ListRequest = { limit, ...selectors, ...(token ? { _continue: token } : {}) };
            return t.namespace === undefined ? options.listAll(t.k, request) : options.listNamespaced(t.k, t.namespace, request);
          }),
        row: options.row,
      });
    },
  });
}
