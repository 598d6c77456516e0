import type { V1Service } from '@kubernetes/client-node';
import { z } from '@switchboard/shared';
import type { Target } from '../context.ts';
import { serviceRow, serviceRowSchema } from '../output/rows.ts';

/** Ports and types shared by createService and exposeDeployment. */
export const servicePortSchema = z.object({
  port: z.number().int().min(1).max(65535),
  targetPort: z
    .union([z.number().int().min(1).max(65535), z.string().min(1).max(15)])
    .optional()
    .describe('Container port (number or name); default: port'),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .max(15)
    .optional(),
  nodePort: z.number().int().min(30000).max(32767).optional(),
});

export const serviceTypeSchema = z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP');

export const serviceResultSchema = z.object({ service: serviceRowSchema, dryRun: z.boolean() });

export async function createServiceObject(
  t: Target,
  fieldManager: string,
  spec: {
    name: string;
    type: string;
    selector: Record<string, string>;
    ports: z.infer<typeof servicePortSchema>[];
    labels?: Record<string, string> | undefined;
  },
  dryRun: boolean,
): Promise<z.infer<typeof serviceResultSchema>> {
  const body: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: spec.name, namespace: t.namespace, ...(spec.labels ? { labels: spec.labels } : {}) },
    spec: {
      type: spec.type,
      selector: spec.selector,
      ports: spec.ports.map((p, i) => ({
        port: p.port,
        targetPort: (p.targetPort ?? p.port) as never,
        protocol: p.protocol,
        ...(p.name ? { name: p.name } : spec.ports.length > 1 ? { name: `port-${i + 1}` } : {}),
        ...(p.nodePort ? { nodePort: p.nodePort } : {}),
      })),
    },
  };
  const created = await t.call(`create service ${spec.name}`, () =>
    t.k.core.createNamespacedService({ namespace: t.namespace, body, fieldManager, ...(dryRun ? { dryRun: 'All' } : {}) }),
  );
  return { service: serviceRow(created as never), dryRun };
}
