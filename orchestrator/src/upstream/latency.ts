const SAMPLES = 256;

/** The latencies of an upstream's recent calls and pings (a ring of 256), for listServices' median. */
export class LatencyRing {
  #samples: number[] = [];
  #next = 0;

  record(ms: number): void {
    if (this.#samples.length < SAMPLES) this.#samples.push(ms);
    else this.#samples[this.#next++ % SAMPLES] = ms;
  }

  /** The median in ms (two decimals), or undefined before the first sample. */
  get p50(): number | undefined {
    if (this.#samples.length === 0) return undefined;
    const sorted = [...this.#samples].sort((a, b) => a - b);
    return Math.round((sorted[Math.floor(sorted.length / 2)] as number) * 100) / 100;
  }
}
