import { defineService } from '@switchboard/shared';
import type { SecretBackend } from './backends/backend.ts';
import { openBackend } from './backends/open-backend.ts';
import { configSecrets, secretsConfig } from './config.ts';
import type { SecretsClients } from './context.ts';
import { SecretManager } from './lifecycle/secret-manager.ts';
import { AuditLog } from './safety/audit-log.ts';
import { ResolvePolicy } from './safety/resolve-policy.ts';
import { createSecret } from './tools/create-secret.ts';
import { deleteSecret } from './tools/delete-secret.ts';
import { describeSecret } from './tools/describe-secret.ts';
import { getAuditLog } from './tools/get-audit-log.ts';
import { getSecret } from './tools/get-secret.ts';
import { listBackends } from './tools/list-backends.ts';
import { listSecrets } from './tools/list-secrets.ts';
import { resolveSecret } from './tools/resolve-secret.ts';
import { restoreSecret } from './tools/restore-secret.ts';
import { revealSecret } from './tools/reveal-secret.ts';
import { rotateSecret } from './tools/rotate-secret.ts';
import { updateSecret } from './tools/update-secret.ts';

export const secretsService = defineService({
  name: 'secrets',
  version: '0.1.0',
  title: 'Switchboard secrets',
  instructions:
    'Secrets by handle (secret://<backend>/<path>[#version]); values never enter the conversation. Use listSecrets/describeSecret for metadata, getSecret for a handle to pass to other tools (they resolve it server to server), createSecret/rotateSecret to generate values. revealSecret shows a value only after a human approves.',
  defaultPort: 8013,
  config: secretsConfig,
  setup: async ({ config, log, redactor, metrics }) => {
    redactor.register(...configSecrets(config));
    const backends: SecretBackend[] = config.backends.map((backend) => openBackend(backend, config.dataDir, log));
    const audit = new AuditLog(config.auditFile as string, metrics);
    const manager = new SecretManager({
      backends,
      defaultBackend: config.defaultBackend as string,
      audit,
      listMax: config.listMax,
    });
    const clients: SecretsClients = { manager, audit, policy: new ResolvePolicy(config.resolvePolicy) };
    log.info(
      { backends: backends.map((b) => `${b.name} (${b.kind})`), policyCallers: clients.policy.callers() },
      'secrets backends mounted',
    );
    return {
      clients,
      ready: Object.fromEntries(backends.map((backend) => [`backend:${backend.name}`, () => backend.health()])),
      close: async () => {
        await Promise.all(backends.map((b) => b.close?.().catch(() => {})));
        audit.close();
      },
    };
  },
  tools: [
    listBackends,
    listSecrets,
    describeSecret,
    getSecret,
    createSecret,
    updateSecret,
    rotateSecret,
    deleteSecret,
    restoreSecret,
    revealSecret,
    resolveSecret,
    getAuditLog,
  ],
  onToolCall: (event) => {
    // The kit refused these before a handler ran (read-only mode, invalid input, unknown tool): audit them too.
    if (event.handled) return;
    event.clients.audit.record({
      action: 'refused',
      outcome: event.outcome === 'read_only' ? 'denied' : event.outcome,
      tool: event.tool,
      caller: event.caller,
      correlationId: event.correlationId,
    });
  },
});
