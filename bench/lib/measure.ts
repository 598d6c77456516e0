import { readFileSync, writeFileSync } from 'node:fs';

export interface Measurement {
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs `calls` calls with `concurrency` workers after a warm-up; returns throughput and latency percentiles. */
export async function measure(options: {
  concurrency: number;
  calls: number;
  warmup: number;
  call: (i: number) => Promise<unknown>;
}): Promise<Measurement> {
  const run = async (total: number, record: number[] | undefined) => {
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const started = performance.now();
        await options.call(i);
        record?.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  };
  await run(options.warmup, undefined);
  const latencies: number[] = [];
  const started = performance.now();
  await run(options.calls, latencies);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { callsPerSecond: options.calls / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}

export type Baseline = Record<string, Measurement>;

export function readBaseline(file: string): Baseline {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Baseline;
  } catch {
    return {};
  }
}

export function writeBaseline(file: string, baseline: Baseline): void {
  writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`);
}

/** Prints one row per measurement with its ratio to the baseline (higher is better for calls/s). */
export function report(results: Record<string, Measurement>, baseline: Baseline): void {
  const rows = Object.entries(results).map(([name, m]) => {
    const base = baseline[name];
    return {
      benchmark: name,
      'calls/s': Math.round(m.callsPerSecond),
      'p50 ms': m.p50Ms.toFixed(2),
      'p99 ms': m.p99Ms.toFixed(2),
      'baseline calls/s': base ? Math.round(base.callsPerSecond) : '-',
      ratio: base ? (m.callsPerSecond / base.callsPerSecond).toFixed(2) : '-',
    };
  });
  console.table(rows);
}
