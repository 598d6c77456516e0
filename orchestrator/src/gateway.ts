import { Counter, type KitConfig, type Logger, RateLimiter, type Redactor, type ServiceMetrics } from '@switchboard/shared';
import type { Db } from '@switchboard/shared/sql';
import { AuditLog } from './audit/audit-log.ts';
import type { OrchestratorConfig } from './config.ts';
import { Authenticator } from './identity/authenticate.ts';
import { IdentityDirectory } from './identity/identity-directory.ts';
import { GatewayStore } from './pins/gateway-store.ts';
import { type DefinitionEvent, Pins } from './pins/pins.ts';
import type { Policy } from './policy/policy.ts';
import { PolicyHolder } from './policy/policy-file.ts';

export interface GatewayOptions {
  config: Readonly<OrchestratorConfig & KitConfig>;
  log: Logger;
  redactor: Redactor;
  kitMetrics: ServiceMetrics;
  /** The database of the gateway's tables (the workflow store's). */
  db: () => Promise<Db>;
  /** The policy changed, or tools were quarantined or released: every session re-reads its lists. */
  onChange(): void;
}

/**
 * The gateway's state in one place: the policy in force (hot-reloaded), who callers are (HTTP authentication and
 * the identities workflow runs act as), the pinned tool definitions, the rate limits and the audit trail. The call
 * pipeline's stages read it; nothing else decides who may call what.
 */
export class Gateway {
  readonly log: Logger;
  readonly holder: PolicyHolder;
  readonly pins: Pins;
  readonly audit: AuditLog;
  readonly limiter = new RateLimiter();
  readonly authenticator: Authenticator;
  readonly identities: IdentityDirectory;
  readonly definitionChanges: Counter<'namespace'>;

  constructor(options: GatewayOptions) {
    const { config, redactor } = options;
    this.log = options.log.child({ component: 'gateway' });
    this.holder = new PolicyHolder({
      file: config.policyFile,
      log: this.log,
      onChange: (policy) => {
        this.audit.record({ type: 'policy', outcome: 'reloaded', detail: { source: policy.source, version: policy.version } });
        this.pins.reconsider();
        options.onChange();
      },
    });
    this.audit = new AuditLog(config.audit, this.log, redactor);
    this.definitionChanges = new Counter({
      name: 'switchboard_tool_definition_changes_total',
      help: 'Upstream tool definitions that differ from their pin (quarantined, or taken in warn mode), by namespace',
      labelNames: ['namespace'],
      registers: [options.kitMetrics.registry],
    });
    const store = new GatewayStore(options.db);
    this.pins = new Pins({
      store,
      log: this.log,
      mode: (upstream) => this.policy.pinMode(upstream),
      quarantineSuspicious: () => this.policy.injection === 'quarantine',
      onEvent: (event) => this.#onDefinitionEvent(event),
    });
    this.authenticator = new Authenticator({
      mode: config.auth,
      credentials: config.credentials,
      oauth: config.oauth,
      log: this.log,
      hasAccess: (identity) => !this.policy.accessOf(identity).empty,
      grantingScopes: () => this.policy.grantingScopes(),
    });
    this.identities = new IdentityDirectory({ credentials: config.credentials, store, log: this.log });
  }

  get policy(): Policy {
    return this.holder.current;
  }

  #onDefinitionEvent(event: DefinitionEvent): void {
    const { namespace, tool } = event;
    const fields = {
      namespace,
      tool,
      event: event.event,
      previous_hash: event.previousHash,
      hash: event.hash,
      markers: event.markers,
    };
    if (event.event === 'changed' || event.event === 'warned') {
      this.definitionChanges.inc({ namespace });
      this.log.warn(
        fields,
        event.event === 'changed'
          ? `tool definition changed: ${namespace} tool ${tool} is quarantined until an admin accepts it`
          : `tool definition changed: ${namespace} tool ${tool} (pinning: warn, the new definition is used)`,
      );
    } else if (event.event === 'suspicious') {
      this.log.warn(
        fields,
        `tool description of ${namespace} tool ${tool} carries prompt-injection markers: ${event.markers.join(', ')}`,
      );
    } else {
      this.log.info(fields, `tool definition ${event.event}: ${namespace} tool ${tool}`);
    }
    this.audit.record({
      type: 'definition',
      namespace,
      tool,
      outcome: event.event,
      ...(event.by ? { caller: event.by } : {}),
      detail: { previousHash: event.previousHash ?? null, hash: event.hash, markers: event.markers },
    });
  }

  /** Loads the pins (tools of pinned upstreams stay hidden until then) and starts watching the policy file. */
  async start(): Promise<void> {
    this.holder.watch();
    await this.pins.load();
  }

  async close(): Promise<void> {
    this.holder.close();
    await this.pins.flush();
    await this.audit.close();
  }
}
