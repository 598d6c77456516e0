import { join } from 'node:path';
import { type ConfigSource, envInt, z } from '@switchboard/shared';

/** The `workflows:` section of the orchestrator's configuration. */
export const workflowConfigSchema = z
  .object({
    store: z.enum(['sqlite', 'postgres']).default('sqlite').describe('run store: embedded SQLite, or PostgreSQL for replicas'),
    sqlitePath: z.string().min(1).optional().describe('SQLite file; <dataDir>/workflows.db by default'),
    postgresUrl: z.string().min(1).optional().describe('postgres:// URL of the run store'),
    definitionsDir: z.string().min(1).optional().describe('directory of *.json / *.yaml definitions loaded at start'),
    leaseMs: envInt({ min: 200 }).default(15_000).describe('how long a replica holds a run without renewing'),
    expressionTimeoutMs: envInt({ min: 1 }).default(1000).describe('time box of one JSONata evaluation'),
    toolWaitMs: envInt({ min: 0 }).default(30_000).describe('how long a step waits for its tool to appear (restarts)'),
    pollIntervalMs: envInt({ min: 50 }).default(1000).describe('pollInterval suggested to task clients'),
    encryptionKey: z.string().min(16).optional().describe('key sealing sensitive step outputs in the store'),
  })
  .prefault({});

export type WorkflowConfig = z.infer<typeof workflowConfigSchema>;

/** Environment variables of the `workflows:` keys (the section is nested, so they are applied by hand). */
export const WORKFLOW_ENV: Record<string, keyof WorkflowConfig> = {
  SWITCHBOARD_WORKFLOW_STORE: 'store',
  SWITCHBOARD_WORKFLOW_SQLITE_PATH: 'sqlitePath',
  SWITCHBOARD_WORKFLOW_DATABASE_URL: 'postgresUrl',
  SWITCHBOARD_WORKFLOW_DIR: 'definitionsDir',
  SWITCHBOARD_WORKFLOW_LEASE_MS: 'leaseMs',
  SWITCHBOARD_WORKFLOW_KEY: 'encryptionKey',
};

/**
 * Applies the SWITCHBOARD_WORKFLOW_* variables over the file's `workflows:` section, fills the SQLite default
 * from dataDir, and reports inconsistent settings.
 */
export function finalizeWorkflowConfig(
  config: WorkflowConfig,
  dataDir: string,
  env: ConfigSource['env'],
  problems: string[],
): WorkflowConfig {
  const raw: Record<string, unknown> = { ...config };
  for (const [name, key] of Object.entries(WORKFLOW_ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = workflowConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`workflows.${issue.path.join('.')}: ${issue.message}`);
    return config;
  }
  const out = { ...parsed.data };
  if (out.store === 'postgres' && !out.postgresUrl) {
    problems.push('workflows.postgresUrl (SWITCHBOARD_WORKFLOW_DATABASE_URL) is required when workflows.store is postgres');
  }
  out.sqlitePath ??= join(dataDir, 'workflows.db');
  return out;
}
