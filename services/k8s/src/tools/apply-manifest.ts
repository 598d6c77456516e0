import { type KubernetesObject, loadAllYaml, PatchStrategy } from '@kubernetes/client-node';
import { defineTool, ToolError, z } from '@switchboard/shared';
import type { K8sToolContext } from '../context.ts';
import { diffObjects } from '../output/diff.ts';
import { maskObject, registerSecretValues } from '../secrets/masking.ts';
import { resourceTarget } from './resource-target.ts';
import { contextField, namespaceField } from './shared-schemas.ts';

const changeSchema = z.object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() });

const resultSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
  action: z.enum(['created', 'configured', 'unchanged']),
  resourceVersion: z.string().optional(),
  changes: z.array(changeSchema),
  moreChanges: z.number().int(),
});

function documents(args: { manifest?: Record<string, unknown> | undefined; yaml?: string | undefined }): KubernetesObject[] {
  if (Boolean(args.manifest) === Boolean(args.yaml))
    throw new ToolError('INVALID_ARGUMENT', 'give exactly one of manifest (an object) or yaml (text)');
  let docs: unknown[];
  try {
    docs = args.manifest
      ? [args.manifest]
      : (loadAllYaml(args.yaml as string) as unknown[]).filter((d) => d !== null && d !== undefined);
  } catch (error) {
    throw new ToolError('INVALID_ARGUMENT', `yaml does not parse: ${(error as Error).message.split('\n')[0]}`);
  }
  if (docs.length === 0 || docs.length > 20) throw new ToolError('INVALID_ARGUMENT', 'a manifest holds 1 to 20 objects');
  return docs.map((doc, i) => {
    const o = doc as KubernetesObject;
    if (!o || typeof o !== 'object' || !o.apiVersion || !o.kind || !o.metadata?.name) {
      throw new ToolError('INVALID_ARGUMENT', `object ${i + 1} needs apiVersion, kind and metadata.name`);
    }
    return o;
  });
}

export const applyManifest = defineTool({
  name: 'applyManifest',
  title: 'Apply a manifest (server-side apply)',
  description:
    "Creates or updates objects with server-side apply under the service's field manager. dryRun asks the API server to run the apply without persisting and returns the field-level diff it would make. A field another manager owns (e.g. replicas after scaleDeployment) is a CONFLICT unless force. Secret values in the manifest are masked in the result.",
  input: z.object({
    context: contextField,
    namespace: namespaceField.describe('Namespace for namespaced objects that name none'),
    manifest: z.record(z.string(), z.unknown()).optional().describe('One object'),
    yaml: z
      .string()
      .min(1)
      .max(256 * 1024)
      .optional()
      .describe('YAML, one or more documents'),
    dryRun: z.boolean().default(false),
    force: z.boolean().default(false).describe('Take over fields owned by other field managers'),
  }),
  output: z.object({
    dryRun: z.boolean(),
    results: z.array(resultSchema),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  handler: async (args, ctx: K8sToolContext) => {
    const docs = documents(args);
    for (const doc of docs) if (doc.kind === 'Secret') registerSecretValues(doc as never, ctx.redactor);
    const targets: { doc: KubernetesObject; t: Awaited<ReturnType<typeof resourceTarget>> }[] = [];
    for (const doc of docs) {
      const namespace = (doc.metadata?.namespace as string | undefined) ?? args.namespace;
      targets.push({
        doc,
        t: await resourceTarget(
          ctx,
          { context: args.context, namespace, apiVersion: doc.apiVersion as string, kind: doc.kind as string },
          'write',
        ),
      });
    }
    const apply = async () => {
      const results: z.infer<typeof resultSchema>[] = [];
      for (const { doc, t } of targets) {
        const spec = {
          ...doc,
          metadata: { ...doc.metadata, name: doc.metadata?.name as string, ...(t.namespace ? { namespace: t.namespace } : {}) },
        };
        const before = await t
          .call(`read ${doc.kind} ${spec.metadata.name}`, () =>
            t.k.objects.read({ apiVersion: spec.apiVersion as string, kind: spec.kind as string, metadata: spec.metadata }),
          )
          .catch((error: unknown) => {
            if (error instanceof ToolError && error.code === 'NOT_FOUND') return undefined;
            throw error;
          });
        const after = await t
          .call(`apply ${doc.kind} ${spec.metadata.name}`, () =>
            t.k.objects.patch(
              spec,
              undefined,
              args.dryRun ? 'All' : undefined,
              ctx.config.fieldManager,
              args.force || undefined,
              PatchStrategy.ServerSideApply,
            ),
          )
          .catch((error: unknown) => {
            if (error instanceof ToolError && error.code === 'CONFLICT' && /conflict with/.test(error.message)) {
              throw new ToolError(
                'CONFLICT',
                `${error.message} (another field manager owns these fields; apply with force: true to take them over)`,
                {
                  ...(error.details ? { details: error.details } : {}),
                },
              );
            }
            throw error;
          });
        const diff = diffObjects(before ? maskObject(before, ctx.redactor) : undefined, maskObject(after, ctx.redactor));
        results.push({
          apiVersion: spec.apiVersion as string,
          kind: spec.kind as string,
          name: spec.metadata.name,
          ...(t.namespace ? { namespace: t.namespace } : {}),
          action: !before ? ('created' as const) : diff.changes.length > 0 ? ('configured' as const) : ('unchanged' as const),
          ...(after.metadata?.resourceVersion ? { resourceVersion: after.metadata.resourceVersion } : {}),
          changes: diff.changes,
          moreChanges: diff.more,
        });
      }
      return results;
    };
    // A dry run changes nothing; a real apply runs once per idempotency key (a workflow step's retry reuses it).
    const results = args.dryRun ? await apply() : await ctx.idempotent(apply);
    return { dryRun: args.dryRun, results };
  },
});
