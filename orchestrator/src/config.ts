import { readFileSync } from 'node:fs';
import {
  type ConfigSource,
  type ConfigSpec,
  defineConfig,
  envInt,
  kitConfigSpec,
  loadConfig,
  mergeConfigSpecs,
  z,
} from '@switchboard/shared';
import { type AuditConfig, finalizeAudit, finalizeOAuth, type OAuthConfig } from './gateway-config.ts';
import { finalizeWorkflowConfig, workflowConfigSchema } from './workflows/config.ts';

export type { AuditConfig, OAuthConfig } from './gateway-config.ts';

/**
 * The seven Switchboard services on their default ports; a service that is not running is reported down. The
 * secrets service's resolveSecret (server to server, under its resolve policy) is never offered to clients.
 */
export const DEFAULT_UPSTREAMS = [
  { name: 'linux-cli', namespace: 'linux', url: 'http://127.0.0.1:8001/mcp' },
  { name: 'cloud', namespace: 'cloud', url: 'http://127.0.0.1:8003/mcp' },
  { name: 'k8s', namespace: 'k8s', url: 'http://127.0.0.1:8008/mcp' },
  { name: 'cmdb', namespace: 'cmdb', url: 'http://127.0.0.1:8012/mcp' },
  { name: 'secrets', namespace: 'secrets', url: 'http://127.0.0.1:8013/mcp', tools: { deny: ['resolveSecret'] } },
  { name: 'notify', namespace: 'notify', url: 'http://127.0.0.1:8014/mcp' },
  { name: 'ai-models', namespace: 'ai', url: 'http://127.0.0.1:8016/mcp' },
];

// Strict: a misspelt key (`tokenenv`, `timeout`) is reported, never silently ignored.
const upstreamSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -'),
    namespace: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'letters, digits, _ and -, starting with a letter'),
    url: z.url({ protocol: /^https?$/ }).optional(),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
    tokenEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional()
      .describe('environment variable holding the bearer token'),
    tokenFile: z.string().min(1).optional().describe('file holding the bearer token'),
    enabled: z.boolean().default(true),
    sessionMode: z.enum(['per-client', 'shared']).optional(),
    readyUrl: z.url().optional(),
    timeouts: z
      .object({
        connectMs: z.number().int().min(100).default(5000),
        callMs: z.number().int().min(100).default(60_000),
        tools: z.record(z.string(), z.number().int().min(100)).default({}),
      })
      .prefault({}),
    tools: z.object({ allow: z.array(z.string()).default(['*']), deny: z.array(z.string()).default([]) }).prefault({}),
    retry: z
      .object({ attempts: z.number().int().min(0).max(5).default(2), baseDelayMs: z.number().int().min(1).default(100) })
      .prefault({}),
    circuit: z
      .object({
        failureThreshold: z.number().int().min(1).default(5),
        cooldownMs: z.number().int().min(100).default(10_000),
      })
      .prefault({}),
  })
  .refine((u) => (u.url === undefined) !== (u.command === undefined), 'give exactly one of url (HTTP) or command (stdio)');

export type UpstreamConfigInput = z.input<typeof upstreamSchema>;

/** One upstream after configuration: the token resolved, the session mode decided. */
export type UpstreamConfig = Omit<z.infer<typeof upstreamSchema>, 'sessionMode'> & {
  sessionMode: 'per-client' | 'shared';
  token?: string;
};

/**
 * Two upstreams with one name, or two enabled ones with one namespace, naming both. It runs even when entries have
 * other problems (`when`), so a bad file gets every problem listed at once; hence it reads the raw entries warily.
 */
function checkCollisions(upstreams: unknown[], ctx: z.RefinementCtx): void {
  const names = new Map<string, string>();
  const namespaces = new Map<string, string>();
  upstreams.forEach((entry, index) => {
    const { name, namespace, enabled } = (entry ?? {}) as { name?: unknown; namespace?: unknown; enabled?: unknown };
    if (typeof name !== 'string') return;
    const where = `upstreams.${index} (${name})`;
    if (names.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `the name "${name}" is used twice (see ${names.get(name)})`,
      });
    } else names.set(name, where);
    if (typeof namespace !== 'string' || enabled === false) return;
    const other = namespaces.get(namespace);
    if (other !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'namespace'],
        message: `namespace "${namespace}" collides: both ${other} and ${name} use it`,
      });
    } else namespaces.set(namespace, name);
  });
}

const orchestratorSchema = z.object({
  upstreams: z
    .array(upstreamSchema)
    .superRefine(checkCollisions, { when: () => true })
    .default(DEFAULT_UPSTREAMS.map((u) => upstreamSchema.parse(u))),
  separator: z.enum(['.', '_', '__', '-', '--', '/']).default('.'),
  downBehavior: z.enum(['list', 'hide']).default('list'),
  listPageSize: envInt({ min: 1, max: 10_000 }).default(500),
  healthIntervalMs: envInt({ min: 200 }).default(15_000),
  reconnectBaseMs: envInt({ min: 10 }).default(500),
  reconnectMaxMs: envInt({ min: 100 }).default(30_000),
  workflows: workflowConfigSchema,
  /** The policy file (who may call what, approvals, pinning); hot-reloaded. Built-in defaults when unset. */
  policyFile: z.string().min(1).optional(),
  /** The orchestrator as an OAuth 2.1 resource server (checked in finalize, with its SWITCHBOARD_OAUTH_* variables). */
  oauth: z.unknown().optional(),
  /** Where the gateway's audit trail goes (checked in finalize, with its SWITCHBOARD_AUDIT_* variables). */
  audit: z.unknown().optional(),
});

export type OrchestratorConfig = Omit<
  z.infer<ReturnType<typeof orchestratorConfigSpec>['schema']>,
  'upstreams' | 'oauth' | 'audit'
> & {
  upstreams: UpstreamConfig[];
  oauth: OAuthConfig | undefined;
  audit: AuditConfig;
};

function envKey(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/**
 * The orchestrator's configuration: the kit's settings plus the upstream list, from orchestrator.yaml
 * (SWITCHBOARD_CONFIG) and the environment. SWITCHBOARD_UPSTREAM_<NAME>_URL overrides an upstream's URL and
 * SWITCHBOARD_UPSTREAM_<NAME>_TOKEN gives its token, so compose and Kubernetes can point at service hostnames.
 */
export function orchestratorConfigSpec(env: ConfigSource['env']) {
  const own = defineConfig({
    schema: orchestratorSchema,
    env: {
      separator: 'SWITCHBOARD_SEPARATOR',
      downBehavior: 'SWITCHBOARD_DOWN_BEHAVIOR',
      listPageSize: 'SWITCHBOARD_LIST_PAGE_SIZE',
      healthIntervalMs: 'SWITCHBOARD_HEALTH_INTERVAL_MS',
      reconnectBaseMs: 'SWITCHBOARD_RECONNECT_BASE_MS',
      reconnectMaxMs: 'SWITCHBOARD_RECONNECT_MAX_MS',
      policyFile: 'SWITCHBOARD_POLICY_FILE',
    },
    finalize: (config, problems) => {
      const upstreams = config.upstreams.map((upstream, index) => {
        const where = `upstreams.${index} (${upstream.name})`;
        const key = envKey(upstream.name);
        const urlOverride = env[`SWITCHBOARD_UPSTREAM_${key}_URL`];
        const resolved: UpstreamConfig = {
          ...upstream,
          ...(urlOverride ? { url: urlOverride, command: undefined } : {}),
          sessionMode: upstream.sessionMode ?? (upstream.command && !urlOverride ? 'shared' : 'per-client'),
        };
        if (urlOverride && !/^https?:\/\//.test(urlOverride)) {
          problems.push(`SWITCHBOARD_UPSTREAM_${key}_URL: "${urlOverride}" is not an http(s) URL`);
        }
        const tokenEnv = upstream.tokenEnv ?? `SWITCHBOARD_UPSTREAM_${key}_TOKEN`;
        if (env[tokenEnv]) resolved.token = env[tokenEnv];
        else if (upstream.tokenEnv) problems.push(`${where}: tokenEnv ${upstream.tokenEnv} is not set`);
        if (upstream.tokenFile) {
          try {
            resolved.token = readFileSync(upstream.tokenFile, 'utf8').trim();
          } catch (error) {
            problems.push(`${where}: tokenFile ${upstream.tokenFile} cannot be read (${(error as NodeJS.ErrnoException).code})`);
          }
        }
        return resolved;
      });
      const dataDir = (config as { dataDir?: string }).dataDir ?? './.data';
      const workflows = finalizeWorkflowConfig(config.workflows, dataDir, env, problems);
      const oauth = finalizeOAuth(config.oauth, env, problems);
      const audit = finalizeAudit(config.audit, dataDir, env, problems);
      return { ...config, upstreams, workflows, oauth, audit } as typeof config;
    },
  });
  return mergeConfigSpecs(kitConfigSpec(8000), own);
}

export function loadOrchestratorConfig(source: ConfigSource): OrchestratorConfig {
  return loadConfig('orchestrator', orchestratorConfigSpec(source.env) as ConfigSpec, source) as unknown as OrchestratorConfig;
}

/** The environment stdio upstreams start from: only PATH, HOME and LANG of ours; each upstream adds its `env`. */
export function childBaseEnv(env: ConfigSource['env']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'LANG']) {
    const value = env[key];
    if (value) out[key] = value;
  }
  return out;
}
