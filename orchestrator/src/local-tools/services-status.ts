import type { Gateway } from '../gateway.ts';

/** What the orchestrator's own tools can read about the federation. */
export interface ServiceStatus {
  name: string;
  namespace: string;
  url: string;
  transport: 'streamable-http' | 'sse' | 'stdio';
  sessionMode: 'per-client' | 'shared';
  state: 'connecting' | 'up' | 'degraded' | 'down';
  reason: string;
  since: string;
  circuit: 'closed' | 'open' | 'half-open';
  toolCount: number;
  lastError: string | null;
  p50LatencyMs: number | null;
  /** Not one of the Switchboard services (the policy's firstParty): default approvals apply to its destructive tools. */
  thirdParty: boolean;
  pinning: 'pin' | 'warn' | 'off';
  /** Tools hidden and refused until an admin accepts their definition (orchestrator.acceptToolChange). */
  quarantinedTools: string[];
  /** Tools whose description carries prompt-injection markers. */
  flaggedTools: { tool: string; markers: string[]; quarantined: boolean }[];
}

export interface OrchestratorClients {
  services(): ServiceStatus[];
  /** The gateway (policy, pins, audit trail), for its review and audit tools. */
  gateway: Gateway;
  /** A tool change was accepted: the registry is rebuilt and sessions hear list_changed. */
  onToolAccepted(): void;
  /** Name collisions and similar problems found while building the registry. */
  problems(): string[];
  sessionCount(): number;
}
