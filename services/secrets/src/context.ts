import type { RequestContext, ToolContext } from '@switchboard/shared';
import type { SecretsConfig } from './config.ts';
import type { SecretManager } from './lifecycle/secret-manager.ts';
import type { AuditLog } from './safety/audit-log.ts';
import type { ResolvePolicy } from './safety/resolve-policy.ts';

export interface SecretsClients {
  manager: SecretManager;
  audit: AuditLog;
  policy: ResolvePolicy;
}

export type SecretsToolContext = ToolContext<SecretsConfig, SecretsClients>;
export type SecretsRequestContext = RequestContext<SecretsConfig, SecretsClients>;
