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
}

export interface OrchestratorClients {
  services(): ServiceStatus[];
  /** Name collisions and similar problems found while building the registry. */
  problems(): string[];
  sessionCount(): number;
}
