import { expect, test } from '@jest/globals';
import { Registry } from 'prom-client';
import { Counter, FastCounter, FastHistogram, Histogram } from '../src/index.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];

test('FastHistogram and FastCounter render exactly as prom-client’s own for the same observations', async () => {
  const own = new Registry();
  const fast = new Registry();
  // The same definitions for both kinds, each registered in its own registry.
  const durations = { name: 'd_seconds', help: 'h', labelNames: ['ns', 'tool'] as const, buckets: BUCKETS };
  const calls = { name: 'calls_total', help: 'c', labelNames: ['ns', 'tool', 'outcome'] as const };
  const histogram = new Histogram({ ...durations, labelNames: [...durations.labelNames], registers: [own] });
  const counter = new Counter({ ...calls, labelNames: [...calls.labelNames], registers: [own] });
  const fastHistogram = new FastHistogram({ ...durations, registers: [fast] });
  const fastCounter = new FastCounter({ ...calls, registers: [fast] });
  const observations: [string, string, string, number][] = [
    ['a', 'x', 'success', 0.0005],
    ['a', 'x', 'success', 0.001],
    ['a', 'x', 'tool_error', 0.05],
    ['b', 'y', 'success', 2],
    ['a', 'x', 'success', 0.3],
  ];
  for (const [ns, tool, outcome, seconds] of observations) {
    histogram.observe({ ns, tool }, seconds);
    counter.inc({ ns, tool, outcome });
    fastHistogram.labels(ns, tool).observe(seconds);
    fastCounter.labels(ns, tool, outcome).inc();
  }
  const rendered = await fast.metrics();
  expect(rendered).toBe(await own.metrics());
  expect(rendered).toContain('d_seconds_bucket{le="0.001",ns="a",tool="x"} 2');
  expect(rendered).toContain('d_seconds_bucket{le="+Inf",ns="a",tool="x"} 4');
  expect(rendered).toContain('calls_total{ns="a",tool="x",outcome="success"} 3');
});

test('a handle keeps counting into the same series; reset clears; a wrong label count is refused', async () => {
  const registry = new Registry();
  const counter = new FastCounter({ name: 'n_total', help: 'n', labelNames: ['k'], registers: [registry] });
  const handle = counter.labels('v');
  handle.inc();
  handle.inc(2);
  counter.labels('v').inc();
  expect(await registry.metrics()).toContain('n_total{k="v"} 4');
  registry.resetMetrics();
  expect(await registry.metrics()).not.toContain('n_total{');
  expect(() => counter.labels('a', 'b')).toThrow(/takes 1 label values/);
});
