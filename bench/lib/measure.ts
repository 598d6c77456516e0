import { readFileSync, writeFileSync } from 'node:fs';

export interface Measurement {
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs `calls` calls with `concurrency` workers, pushing each call's milliseconds to `latencies`; returns seconds. */
export async function runCalls(options: {
  concurrency: number;
  calls: number;
  call: (i: number) => Promise<unknown>;
  latencies?: number[];
}): Promise<number> {
  const { calls, latencies } = options;
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      const callStarted = performance.now();
      await options.call(i);
      latencies?.push(performance.now() - callStarted);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return (performance.now() - started) / 1000;
}

/** Throughput and latency percentiles of calls run in one or more pieces. */
export class Tally {
  readonly latencies: number[] = [];
  seconds = 0;
  calls = 0;

  add(calls: number, seconds: number): void {
    this.calls += calls;
    this.seconds += seconds;
  }

  result(): Measurement {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return { callsPerSecond: this.calls / this.seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
  }
}

/** Runs `calls` calls with `concurrency` workers after a warm-up; returns throughput and latency percentiles. */
export async function measure(options: {
  concurrency: number;
  calls: number;
  warmup: number;
  call: (i: number) => Promise<unknown>;
}): Promise<Measurement> {
  const { concurrency, call } = options;
  await runCalls({ concurrency, calls: options.warmup, call });
  const tally = new Tally();
  tally.add(options.calls, await runCalls({ concurrency, calls: options.calls, call, latencies: tally.latencies }));
  return tally.result();
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
