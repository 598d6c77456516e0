import { DURATION_BUCKETS, FastCounter, FastHistogram, Gauge, type ServiceMetrics } from '@switchboard/shared';

export interface ProxyMetrics {
  calls: FastCounter<'namespace' | 'tool' | 'outcome'>;
  duration: FastHistogram<'namespace' | 'tool'>;
  upstreamUp: Gauge<'namespace'>;
  circuitState: Gauge<'namespace'>;
  /** Records one proxied call; label handles are kept per tool and outcome (no label lookup per call). */
  record(namespace: string, tool: string, outcome: string, seconds: number): void;
}

/** The orchestrator's metrics, registered next to the kit's process and MCP metrics. */
export function createProxyMetrics(kit: ServiceMetrics): ProxyMetrics {
  const registers = [kit.registry];
  const children = new Map<string, { duration: { observe(v: number): void }; calls: Map<string, { inc(): void }> }>();
  const metrics: Omit<ProxyMetrics, 'record'> = {
    calls: new FastCounter({
      name: 'switchboard_proxy_calls_total',
      help: 'Tool calls proxied to upstreams by outcome (success, tool_error, rpc_error, or an error code in lower case)',
      labelNames: ['namespace', 'tool', 'outcome'],
      registers,
    }),
    duration: new FastHistogram({
      name: 'switchboard_proxy_call_duration_seconds',
      help: 'Duration of proxied tool calls, orchestrator to upstream and back',
      labelNames: ['namespace', 'tool'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    upstreamUp: new Gauge({
      name: 'switchboard_upstream_up',
      help: '1 when the upstream is up or degraded, 0 when down',
      labelNames: ['namespace'],
      registers,
    }),
    circuitState: new Gauge({
      name: 'switchboard_upstream_circuit_state',
      help: 'Circuit breaker per upstream: 0 closed, 1 half-open, 2 open',
      labelNames: ['namespace'],
      registers,
    }),
  };
  return {
    ...metrics,
    record(namespace, tool, outcome, seconds) {
      const key = `${namespace}\u0000${tool}`;
      let entry = children.get(key);
      if (!entry) {
        entry = { duration: metrics.duration.labels(namespace, tool), calls: new Map() };
        children.set(key, entry);
      }
      let counter = entry.calls.get(outcome);
      if (!counter) {
        counter = metrics.calls.labels(namespace, tool, outcome);
        entry.calls.set(outcome, counter);
      }
      counter.inc();
      entry.duration.observe(seconds);
    },
  };
}
