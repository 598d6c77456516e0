import type { Metric, Registry } from 'prom-client';

/**
 * Counters and histograms for per-call hot paths. prom-client's own hash their label object on every `inc` and
 * `observe`; these resolve a label set once (`labels(...)` returns a handle to keep), so recording is a few
 * additions. They register in a prom-client Registry like any metric and are exposed by it in the same format.
 */
interface FastMetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registers: Registry[];
}

interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** What a prom-client Registry reads from a metric when it renders the exposition. */
interface Snapshot {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Sample[];
}

abstract class FastMetric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly L[];
  protected readonly series = new Map<string, { labels: Record<string, string>; state: S }>();

  constructor(options: FastMetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The state of one label set (values in `labelNames` order), created on first use. */
  protected stateFor(values: readonly string[]): S {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name} takes ${this.labelNames.length} label values, got ${values.length}`);
    }
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (!entry) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => {
        labels[name] = values[i] as string;
      });
      entry = { labels, state: this.initial() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  protected abstract initial(): S;

  reset(): void {
    this.series.clear();
  }
}

export interface FastCounterChild {
  inc(by?: number): void;
}

export class FastCounter<L extends string> extends FastMetric<L, { value: number }> {
  readonly type = 'counter' as const;

  protected initial(): { value: number } {
    return { value: 0 };
  }

  labels(...values: string[]): FastCounterChild {
    const state = this.stateFor(values);
    return {
      inc: (by = 1) => {
        state.value += by;
      },
    };
  }

  async get(): Promise<Snapshot> {
    const values = [...this.series.values()].map(({ labels, state }) => ({
      metricName: this.name,
      labels,
      value: state.value,
    }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export interface FastHistogramChild {
  observe(value: number): void;
}

interface HistogramState {
  /** Non-cumulative count per bucket; the last one is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class FastHistogram<L extends string> extends FastMetric<L, HistogramState> {
  readonly type = 'histogram' as const;
  readonly #bounds: readonly number[];

  constructor(options: FastMetricOptions<L> & { buckets: readonly number[] }) {
    super(options);
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
  }

  protected initial(): HistogramState {
    return { counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
  }

  labels(...values: string[]): FastHistogramChild {
    const state = this.stateFor(values);
    const bounds = this.#bounds;
    return {
      observe: (value) => {
        if (!Number.isFinite(value)) return;
        let i = 0;
        while (i < bounds.length && value > (bounds[i] as number)) i++;
        (state.counts as Float64Array)[i] = (state.counts[i] as number) + 1;
        state.sum += value;
        state.count += 1;
      },
    };
  }

  async get(): Promise<Snapshot> {
    const values: Sample[] = [];
    for (const { labels, state } of this.series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += state.counts[i] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, ...labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: state.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: state.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: state.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
