/**
 * Micro-benchmark trials driven by Benchmark.js: one trial is one `Benchmark` run, which
 * calibrates its own iteration count per sample (cycles of at least `minTime`) and stops
 * after `maxTime` with at least `minSamples` samples. The trial reports Benchmark's mean
 * time per call, so its rate is `hz` times the units one call covers. Used as a Trial of
 * harness.compare, these keep the harness's round-by-round interleaving of the subject
 * and its baselines, and the ratio taken per round.
 */
import { createRequire } from 'node:module';
import type BenchmarkJs from 'benchmark';
import type { Sample, SuiteContext, Trial } from './harness.js';

const Benchmark = createRequire(import.meta.url)('benchmark') as typeof BenchmarkJs;

/** Benchmark.js run options: seconds per sample (minTime) and per run (maxTime). */
export interface MicroOptions {
  minTime: number;
  maxTime: number;
  minSamples: number;
}

export function microOptions(ctx: Pick<SuiteContext, 'quick' | 'smoke'>): MicroOptions {
  if (ctx.smoke) return { minTime: 0.002, maxTime: 0.005, minSamples: 2 };
  if (ctx.quick) return { minTime: 0.005, maxTime: 0.02, minSamples: 3 };
  return { minTime: 0.03, maxTime: 0.1, minSamples: 3 };
}

function run(bench: BenchmarkJs, unitsPerCall: number, async: boolean): Promise<Sample> {
  return new Promise((resolve, reject) => {
    bench.on('complete', () => {
      const error = (bench as { error?: unknown }).error;
      if (error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve({ ns: bench.stats.mean * 1e9, units: unitsPerCall });
    });
    bench.run({ async });
  });
}

/** A trial of `fn` (synchronous), each call counting `unitsPerCall` units (bytes, records, values). */
export function benchmarkTrial(fn: () => void, unitsPerCall: number, options: MicroOptions): Trial {
  return () => run(new Benchmark({ ...options, fn }), unitsPerCall, false);
}

/** The same for an asynchronous `fn`: Benchmark.js's deferred mode, each call awaited before the next. */
export function deferredBenchmarkTrial(fn: () => Promise<unknown>, unitsPerCall: number, options: MicroOptions): Trial {
  return async () => {
    let failure: unknown;
    const settle = (deferred: BenchmarkJs.Deferred) => (error?: unknown) => {
      failure ??= error;
      deferred.resolve();
    };
    const bench = new Benchmark({
      ...options,
      defer: true,
      fn: (deferred: BenchmarkJs.Deferred) => void fn().then(settle(deferred), settle(deferred)),
    });
    const sample = await run(bench, unitsPerCall, true);
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
    return sample;
  };
}
