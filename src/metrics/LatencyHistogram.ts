/**
 * LatencyHistogram: durations counted into fixed buckets (Prometheus' `le` bounds, in
 * seconds), as cheap to observe as a short loop: what the flush path and every broker
 * request pay. Read at scrape time, never summarised on the hot path.
 */

/** Upper bounds in seconds, from 100 µs (an fdatasync on fast storage) to 10 s (a long-polled fetch). */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface LatencySummary {
  count: number;
  totalMs: number;
  maxMs: number;
  /** Upper bounds of the buckets holding the median and the 99th percentile (the max when past the last bucket). */
  p50Ms: number;
  p99Ms: number;
}

export class LatencyHistogram {
  /** Per bucket, not cumulative; the last one counts what exceeds every bound. */
  private readonly counts = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  private _count = 0;
  private _sum = 0;
  private max = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this._count++;
    this._sum += seconds;
    if (seconds > this.max) this.max = seconds;
  }

  get count(): number {
    return this._count;
  }

  /** Total seconds observed. */
  get sum(): number {
    return this._sum;
  }

  /** Observations at or below each bound of LATENCY_BUCKETS, in order. */
  cumulativeCounts(): number[] {
    let total = 0;
    return LATENCY_BUCKETS.map((_, i) => (total += this.counts[i]!));
  }

  summary(): LatencySummary {
    return {
      count: this._count,
      totalMs: this._sum * 1000,
      maxMs: this.max * 1000,
      p50Ms: this.quantileBound(0.5) * 1000,
      p99Ms: this.quantileBound(0.99) * 1000,
    };
  }

  private quantileBound(q: number): number {
    const rank = Math.ceil(q * this._count);
    const cumulative = this.cumulativeCounts();
    const i = cumulative.findIndex((n) => n >= rank && n > 0);
    return i < 0 ? this.max : Math.min(LATENCY_BUCKETS[i]!, this.max);
  }
}
