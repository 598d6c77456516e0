import { defineTool, z } from '@switchboard/shared';
import { callOptions, type K8sToolContext } from '../context.ts';
import { maskObject } from '../secrets/masking.ts';
import { resourceTarget } from './resource-target.ts';
import { apiVersionField, contextField, kindField, nameField, namespaceField } from './shared-schemas.ts';

export const getResource = defineTool({
  name: 'getResource',
  title: 'Get any object',
  description:
    'Any object by apiVersion + kind + name (kinds resolved by discovery, CRDs included), as JSON without managedFields. Secret values are replaced by their lengths; reading a secret value is not possible here (use the secrets service).',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    apiVersion: apiVersionField,
    kind: kindField,
    name: nameField,
  }),
  output: z.object({ object: z.record(z.string(), z.unknown()) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  truncationHint: 'use a typed tool (getPod, getDeployment) for a summary',
  handler: async (args, ctx: K8sToolContext) => {
    const t = await resourceTarget(ctx, args, 'read');
    const object = await t.call(`read ${args.kind} ${args.name}`, () =>
      t.k.objects.read({
        apiVersion: args.apiVersion,
        kind: args.kind,
        metadata: { name: args.name, ...(t.namespace ? { namespace: t.namespace } : {}) },
      }),
    );
    if (t.namespace) await ctx.clients.secrets.prime(t.k, t.namespace, callOptions(ctx));
    return { object: maskObject(object, ctx.redactor) as unknown as Record<string, unknown> };
  },
});
