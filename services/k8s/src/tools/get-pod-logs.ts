import { decodeCursor, defineTool, encodeCursor, ToolError, z } from '@switchboard/shared';
import { callOptions, type K8sToolContext, target } from '../context.ts';
import { contextField, nameField, namespaceField } from './shared-schemas.ts';

export const getPodLogs = defineTool({
  name: 'getPodLogs',
  title: 'Read pod logs',
  description:
    "A container's log, newest lines last (tailLines, default 100). nextCursor pages to older lines. previous reads the last terminated container (after a crash). Values of the namespace's Secrets are masked; when a Secret the pod reads cannot be read, the call is refused.",
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    name: nameField.describe('Pod name'),
    container: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .describe('Container; default: the only one, or the kubectl.kubernetes.io/default-container annotation'),
    tailLines: z.number().int().min(1).max(5000).default(100),
    sinceSeconds: z.number().int().min(1).optional(),
    sinceTime: z.iso.datetime().optional(),
    previous: z.boolean().default(false),
    timestamps: z.boolean().default(false),
    cursor: z.string().min(1).optional(),
  }),
  output: z.object({
    container: z.string(),
    text: z.string(),
    lines: z.number().int(),
    truncated: z.boolean().describe('Older lines exist beyond this page (see nextCursor)'),
    nextCursor: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    if (args.sinceSeconds && args.sinceTime) throw new ToolError('INVALID_ARGUMENT', 'give sinceSeconds or sinceTime, not both');
    const t = target(ctx, args, 'read');
    const pod = await t.call(`read pod ${args.name}`, () =>
      t.k.core.readNamespacedPod({ name: args.name, namespace: t.namespace }),
    );
    const containers = pod.spec?.containers ?? [];
    const container =
      args.container ??
      pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'] ??
      (containers.length === 1 ? containers[0]?.name : undefined);
    if (!container) {
      throw new ToolError(
        'INVALID_ARGUMENT',
        `pod ${args.name} has several containers; name one: ${containers.map((c) => c.name).join(', ')}`,
      );
    }
    await ctx.clients.secrets.guardPod(t.k, pod as never, callOptions(ctx), 'getPodLogs');
    const scope = {
      tool: 'getPodLogs',
      context: t.k.name,
      namespace: t.namespace,
      name: args.name,
      container,
      previous: args.previous,
      since: args.sinceSeconds ?? args.sinceTime,
    };
    const skip = args.cursor ? decodeCursor<{ skip: number }>(args.cursor, scope).skip : 0;
    const text = await t.call(`read logs of ${args.name}`, () =>
      t.k.core.readNamespacedPodLog({
        name: args.name,
        namespace: t.namespace,
        container,
        tailLines: skip + args.tailLines,
        limitBytes: ctx.config.logLimitBytes,
        previous: args.previous,
        timestamps: args.timestamps,
        ...(args.sinceSeconds ? { sinceSeconds: args.sinceSeconds } : {}),
        ...(args.sinceTime ? { sinceTime: args.sinceTime } : {}),
      }),
    );
    const all = String(text ?? '').split('\n');
    if (all[all.length - 1] === '') all.pop();
    const window = all.slice(0, Math.max(0, all.length - skip)).slice(-args.tailLines);
    // Redact before cutting to size, so a secret is never split across the cut.
    const lines = window.map((l) => ctx.redactor.redactString(l));
    const budget = Math.floor(ctx.config.outputCapBytes * 0.8);
    let bytes = 0;
    let keep = 0;
    for (let i = lines.length - 1; i >= 0; i--) {
      bytes += Buffer.byteLength(lines[i] as string) + 1;
      if (bytes > budget && keep > 0) break;
      keep++;
    }
    const shown = lines.slice(lines.length - keep);
    const more = keep < lines.length || all.length >= skip + args.tailLines;
    return {
      container,
      text: shown.map((l) => `${l}\n`).join(''),
      lines: shown.length,
      truncated: more,
      ...(more ? { nextCursor: encodeCursor({ skip: skip + keep }, scope) } : {}),
    };
  },
});
