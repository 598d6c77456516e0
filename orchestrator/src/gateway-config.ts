import { join, resolve } from 'node:path';
import { type ConfigSource, envList, z } from '@switchboard/shared';

/**
 * The gateway's settings in orchestrator.yaml: `oauth:` (the orchestrator as an OAuth 2.1 resource server), `audit:`
 * (where the audit trail goes) and `policyFile` (who may call what; hot-reloaded). The nested sections take their
 * SWITCHBOARD_OAUTH_* and SWITCHBOARD_AUDIT_* variables by hand, as `workflows:` does.
 */
const httpUrl = () => z.url({ protocol: /^https?$/ });

export const oauthSchema = z.strictObject({
  issuer: z.string().min(1).describe('the `iss` access tokens must carry'),
  jwksUrl: httpUrl().describe("the authorization server's JWKS (jwks_uri)"),
  resource: httpUrl().describe('the canonical URL of this orchestrator, e.g. https://switchboard.example.com/mcp'),
  audience: envList().optional().describe('accepted `aud` values; the resource URL by default'),
  authorizationServers: envList().optional().describe('listed in the resource metadata; the issuer by default'),
  scopesSupported: envList().default([]),
  requiredScopes: envList().default([]).describe('every access token must carry these scopes'),
  callerClaim: z.string().min(1).default('sub').describe('the claim that names the caller'),
  clockSkewSeconds: z.coerce.number().int().min(0).max(600).default(60),
  jwksCacheMs: z.coerce.number().int().min(1000).default(600_000),
  jwksMinRefreshMs: z.coerce.number().int().min(0).default(30_000),
  jwksTimeoutMs: z.coerce.number().int().min(100).default(5000),
});

export type OAuthConfig = Omit<z.infer<typeof oauthSchema>, 'audience' | 'authorizationServers'> & {
  audience: string[];
  authorizationServers: string[];
};

export const auditSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    file: z.string().min(1).optional().describe('the JSONL trail; <dataDir>/audit/orchestrator-audit.jsonl by default'),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
      .optional()
      .describe('keep the trail in PostgreSQL (table gateway_audit) instead of the file'),
  })
  .prefault({});

export type AuditConfig = z.infer<typeof auditSchema>;

const OAUTH_ENV: Record<string, keyof z.input<typeof oauthSchema>> = {
  SWITCHBOARD_OAUTH_ISSUER: 'issuer',
  SWITCHBOARD_OAUTH_JWKS_URL: 'jwksUrl',
  SWITCHBOARD_OAUTH_RESOURCE: 'resource',
  SWITCHBOARD_OAUTH_AUDIENCE: 'audience',
  SWITCHBOARD_OAUTH_REQUIRED_SCOPES: 'requiredScopes',
};

const AUDIT_ENV: Record<string, keyof AuditConfig> = {
  SWITCHBOARD_AUDIT_FILE: 'file',
  SWITCHBOARD_AUDIT_DATABASE_URL: 'databaseUrl',
};

function withEnv(section: unknown, names: Record<string, string>, env: ConfigSource['env']): Record<string, unknown> | undefined {
  let raw = section && typeof section === 'object' ? { ...(section as Record<string, unknown>) } : undefined;
  for (const [name, key] of Object.entries(names)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw = { ...raw, [key]: value };
  }
  return raw;
}

/** `oauth:` with its variables applied and defaults derived, or undefined when OAuth is not configured. */
export function finalizeOAuth(section: unknown, env: ConfigSource['env'], problems: string[]): OAuthConfig | undefined {
  const raw = withEnv(section, OAUTH_ENV, env);
  if (!raw) return undefined;
  const parsed = oauthSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`oauth.${issue.path.join('.')}: ${issue.message}`);
    return undefined;
  }
  const value = parsed.data;
  return {
    ...value,
    audience: value.audience && value.audience.length > 0 ? value.audience : [value.resource],
    authorizationServers:
      value.authorizationServers && value.authorizationServers.length > 0 ? value.authorizationServers : [value.issuer],
  };
}

/** `audit:` with its variables applied and the file's default under the data directory. */
export function finalizeAudit(section: unknown, dataDir: string, env: ConfigSource['env'], problems: string[]): AuditConfig {
  const parsed = auditSchema.safeParse(withEnv(section, AUDIT_ENV, env) ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`audit.${issue.path.join('.')}: ${issue.message}`);
    return { enabled: true };
  }
  return { ...parsed.data, file: resolve(parsed.data.file ?? join(dataDir, 'audit', 'orchestrator-audit.jsonl')) };
}
