import { defineTool, pageInput, z } from '@switchboard/shared';
import { callOptions, type K8sToolContext } from '../context.ts';
import { listOutput, pageThrough } from '../output/list-page.ts';
import { nodeRow, nodeRowSchema } from '../output/rows.ts';
import { contextField, fieldSelectorField, labelSelectorField } from './shared-schemas.ts';

export const listNodes = defineTool({
  name: 'listNodes',
  title: 'List nodes',
  description:
    'Nodes as rows: Ready/NotReady (and SchedulingDisabled), roles, kubelet version, internal IP, allocatable CPU and memory, age.',
  input: z.object({
    context: contextField,
    labelSelector: labelSelectorField,
    fieldSelector: fieldSelectorField,
    ...pageInput({ defaultLimit: 50, maxLimit: 500 }),
  }),
  output: z.object(listOutput(nodeRowSchema)),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const k = ctx.clients.cluster(args.context);
    const selectors = {
      ...(args.labelSelector ? { labelSelector: args.labelSelector } : {}),
      ...(args.fieldSelector ? { fieldSelector: args.fieldSelector } : {}),
    };
    return pageThrough({
      limit: args.limit,
      cursor: args.cursor,
      scope: { tool: 'listNodes', context: k.name, ...selectors },
      capBytes: ctx.config.outputCapBytes,
      fetch: (limit, token) =>
        k.call('list nodes', callOptions(ctx), () =>
          k.core.listNode({ limit, ...selectors, ...(token ? { _continue: token } : {}) }),
        ),
      row: (n) => nodeRow(n as never),
    });
  },
});
