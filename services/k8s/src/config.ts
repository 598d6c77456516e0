import { accessSync, constants } from 'node:fs';
import { defineConfig, envBoolean, envBytes, envInt, envList, z } from '@switchboard/shared';

/**
 * k8s's own settings; the kit's (port, auth, limits, SWITCHBOARD_READ_ONLY) come on top. K8S_MODE=read (the
 * default) turns the kit's read-only mode on, so the write and destructive tiers are hidden and refused.
 */
const namespacePattern = z
  .string()
  .regex(/^!?[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/, 'a namespace name or glob (team-*), optionally prefixed with ! to exclude');

const namespaceRules = z.object({
  read: z.array(namespacePattern).min(1).optional(),
  write: z.array(namespacePattern).min(1).optional(),
});

export const MODES = ['read', 'write', 'admin'] as const;
export type Mode = (typeof MODES)[number];

export const k8sConfig = defineConfig({
  schema: z.object({
    kubeconfig: z
      .string()
      .min(1)
      .optional()
      .describe('Path of a kubeconfig file; its contexts become the clusters this service serves'),
    inCluster: envBoolean().default(false).describe('Use the pod service account (in-cluster config) instead of a kubeconfig'),
    context: z
      .string()
      .min(1)
      .optional()
      .describe('Context used when a tool names none; default: the kubeconfig current-context'),
    contexts: envList().default([]).describe('Contexts that may be used (empty: every context in the kubeconfig)'),
    mode: z
      .enum(MODES)
      .default('read')
      .describe(
        'read: read tools only; write: also apply/scale/restart/rollback/services; admin: also delete and exec, each with approval',
      ),
    readNamespaces: envList(namespacePattern).default(['*']).describe('Namespaces any tool may touch'),
    writeNamespaces: envList(namespacePattern)
      .default(['*', '!kube-system'])
      .describe('Namespaces write and destructive tools may touch'),
    contextNamespaces: z
      .preprocess((v) => (typeof v === 'string' ? JSON.parse(v) : v), z.record(z.string(), namespaceRules))
      .default({})
      .describe('Per-context overrides of readNamespaces/writeNamespaces, e.g. {"prod":{"write":["shop"]}}'),
    clusterScopedWrites: envBoolean()
      .default(false)
      .describe('Allow applyManifest/deleteResource on cluster-scoped kinds (admin mode only)'),
    callTimeoutMs: envInt({ min: 100, max: 300_000 }).default(15_000),
    execTimeoutMs: envInt({ min: 100, max: 300_000 }).default(30_000),
    execOutputBytes: envBytes().default(64 * 1024),
    logLimitBytes: envBytes().default(256 * 1024),
    fieldManager: z.string().min(1).max(128).default('switchboard'),
    secretCacheMs: envInt({ min: 0 }).default(30_000),
    eventScanLimit: envInt({ min: 10, max: 5000 }).default(500),
  }),
  env: {
    kubeconfig: 'K8S_KUBECONFIG',
    inCluster: 'K8S_IN_CLUSTER',
    context: 'K8S_CONTEXT',
    contexts: 'K8S_CONTEXTS',
    mode: 'K8S_MODE',
    readNamespaces: 'K8S_READ_NAMESPACES',
    writeNamespaces: 'K8S_WRITE_NAMESPACES',
    contextNamespaces: 'K8S_CONTEXT_NAMESPACES',
    clusterScopedWrites: 'K8S_CLUSTER_SCOPED_WRITES',
    callTimeoutMs: 'K8S_CALL_TIMEOUT_MS',
    execTimeoutMs: 'K8S_EXEC_TIMEOUT_MS',
    execOutputBytes: 'K8S_EXEC_OUTPUT_CAP',
    logLimitBytes: 'K8S_LOG_LIMIT_BYTES',
    fieldManager: 'K8S_FIELD_MANAGER',
    secretCacheMs: 'K8S_SECRET_CACHE_MS',
    eventScanLimit: 'K8S_EVENT_SCAN_LIMIT',
  },
  finalize: (config, problems) => {
    if (config.inCluster && config.kubeconfig) {
      problems.push('kubeconfig (K8S_KUBECONFIG) and inCluster (K8S_IN_CLUSTER) are both set: choose one');
    }
    if (config.kubeconfig) {
      try {
        accessSync(config.kubeconfig, constants.R_OK);
      } catch {
        problems.push(`kubeconfig (K8S_KUBECONFIG): cannot read ${config.kubeconfig}`);
      }
    }
    // The read tier is the kit's read-only mode: mutating tools are hidden from tools/list and refused by name.
    const kit = config as typeof config & { readOnly?: boolean };
    return { ...config, ...(config.mode === 'read' ? { readOnly: true } : { readOnly: kit.readOnly ?? false }) };
  },
});

export type K8sConfig = z.infer<typeof k8sConfig.schema>;
