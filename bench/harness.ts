/**
 * Bench harness: timing with process.hrtime.bigint, warmup and repeated trials, the
 * subject interleaved with its baselines (A B A B ...) so that drift on a shared
 * machine hits both alike, medians, and the table / JSON output.
 *
 * Every figure is "higher is better" (a rate), and every ratio is subject / baseline.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { NO_PROGRESS, progress } from '../src/cli/Progress.js';
import { diskInfo, type Disk } from './disk.js';

/** What one trial did: how long it took and how much work (bytes or operations) it did. */
export interface Sample {
  ns: number;
  units: number;
  /** CPU seconds of each broker process over the trial, where the suite measures them (bench/processCpu.ts). */
  cpu?: number[];
}

export type Trial = () => Sample | Promise<Sample>;

export interface Contender {
  name: string;
  trial: Trial;
}

export interface CompareSpec {
  warmup: number;
  trials: number;
  subject: Contender;
  baselines: Contender[];
  /** Turns a sample into the reported rate (MB/s, GB/s, ops/s). */
  rate: (sample: Sample) => number;
}

export interface Comparison {
  /** Rate of each measured trial of the subject. */
  subject: number[];
  /** Rates of each baseline, trial by trial (same round as subject[i]). */
  baselines: number[][];
}

export interface ResultRow {
  suite: string;
  case: string;
  metric: string;
  unit: string;
  /** Median rate of the subject over the trials. */
  value: number;
  baseline: string;
  /** Median rate of the baseline over the trials. */
  baselineValue: number;
  /** Median over rounds of subject / baseline measured in the same round. */
  ratio: number;
  /** The ratio we aim for, when there is one. */
  target?: number;
  /** Lowest and highest per-round ratio, to show the noise. */
  ratioRange: [number, number];
  trials: number;
  note?: string;
}

export interface Machine {
  cpuModel: string;
  /** "family F model M stepping S, N MHz" from /proc/cpuinfo, when readable (VMs often hide the model name). */
  cpuId?: string;
  cores: number;
  nodeVersion: string;
  platform: string;
  arch: string;
  kernel: string;
  totalMemoryGiB: number;
  /** Filesystem and device of os.tmpdir(), where every suite writes. */
  disk: Disk;
}

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** Nanoseconds taken by fn (synchronous). */
export function timeSync(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start);
}

/** Nanoseconds taken by fn, awaited. */
export async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start);
}

/**
 * A full collection between trials, outside the timed region (needs --expose-gc), then
 * one turn of the event loop: N-API finalizers run from setImmediate after the GC, and
 * a deleted segment's mapping (with its page cache and disk blocks) is only released
 * by its wrapper's finalizer.
 */
export async function collectGarbage(): Promise<void> {
  globalThis.gc?.();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Bytes per second in MB/s (10^6 bytes). */
export const megabytesPerSecond = (s: Sample): number => (s.units / s.ns) * 1e3;
/** Bytes per second in GB/s (10^9 bytes). */
export const gigabytesPerSecond = (s: Sample): number => s.units / s.ns;
/** Operations per second. */
export const perSecond = (s: Sample): number => (s.units / s.ns) * 1e9;

/**
 * Runs `warmup` unrecorded rounds, then `trials` recorded rounds; each round runs the
 * subject, then every baseline in turn, with a GC (and finalizers) before each trial.
 */
export async function compare(spec: CompareSpec): Promise<Comparison> {
  const contenders = [spec.subject, ...spec.baselines];
  const rates: number[][] = contenders.map(() => []);
  // On a terminal, a bar over this comparison's trials; --verbose prints every round instead.
  const bar = verbose ? NO_PROGRESS : progress('  trials', process.stderr, { format: String, plainLines: false });
  bar.expect((spec.warmup + spec.trials) * contenders.length);
  try {
    for (let round = 0; round < spec.warmup + spec.trials; round++) {
      const line: string[] = [];
      for (let c = 0; c < contenders.length; c++) {
        await collectGarbage();
        const sample = await contenders[c]!.trial();
        const rate = spec.rate(sample);
        if (round >= spec.warmup) rates[c]!.push(rate);
        line.push(`${contenders[c]!.name} ${formatNumber(rate)}`);
        bar.advance(1);
      }
      if (verbose) log(`  ${round < spec.warmup ? 'warmup' : `trial ${round - spec.warmup + 1}`}: ${line.join(' | ')}`);
    }
  } finally {
    bar.stop();
  }
  return { subject: rates[0]!, baselines: rates.slice(1) };
}

let verbose = false;

/** With --verbose, every round's rates go to stderr. */
export function setVerbose(on: boolean): void {
  verbose = on;
}

export interface RowSpec {
  suite: string;
  case: string;
  metric: string;
  unit: string;
  baseline: string;
  target?: number;
  note?: string;
}

/** A suite's RowSpec maker: the case, metric, unit, baseline and, where there is one, the target. */
export const rowMaker =
  (suite: string) =>
  (kase: string, metric: string, unit: string, baseline: string, target?: number): RowSpec => ({
    suite,
    case: kase,
    metric,
    unit,
    baseline,
    ...(target === undefined ? {} : { target }),
  });

/** Four significant digits: more would only be noise. */
function round(n: number): number {
  return Number.isFinite(n) ? Number(n.toPrecision(4)) : n;
}

/** Baseline `a` as the subject and baseline `b` as the baseline: both ran in the same rounds. */
export const between = (c: Comparison, a: number, b: number): Comparison => ({
  subject: c.baselines[a]!,
  baselines: [c.baselines[b]!],
});

/** The row comparing the subject with baseline number `which` of a comparison. */
export function toRow(spec: RowSpec, comparison: Comparison, which = 0): ResultRow {
  const base = comparison.baselines[which]!;
  const ratios = comparison.subject.map((v, i) => v / base[i]!);
  const row: ResultRow = {
    suite: spec.suite,
    case: spec.case,
    metric: spec.metric,
    unit: spec.unit,
    value: round(median(comparison.subject)),
    baseline: spec.baseline,
    baselineValue: round(median(base)),
    ratio: round(median(ratios)),
    ratioRange: [round(Math.min(...ratios)), round(Math.max(...ratios))],
    trials: ratios.length,
  };
  if (spec.target !== undefined) row.target = spec.target;
  if (spec.note !== undefined) row.note = spec.note;
  return row;
}

/**
 * Finds how many iterations of `run` take about `targetMs` (run returns its own
 * elapsed nanoseconds for n iterations). Starts at 1 and grows until a run is long
 * enough to extrapolate from.
 */
export async function calibrate(
  run: (iterations: number) => number | Promise<number>,
  targetMs: number,
): Promise<number> {
  const targetNs = targetMs * 1e6;
  let iterations = 1;
  for (;;) {
    const ns = await run(iterations);
    if (ns >= targetNs / 8 || iterations >= 2 ** 30) {
      return Math.max(1, Math.round((iterations * targetNs) / Math.max(ns, 1)));
    }
    iterations *= ns < targetNs / 64 ? 8 : 2;
  }
}

function cpuId(): string | undefined {
  try {
    const first = readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0] ?? '';
    const field = (name: string): string | undefined =>
      new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first)?.[1]?.trim();
    const family = field('cpu family');
    const model = field('model');
    if (family === undefined || model === undefined) return undefined;
    const mhz = field('cpu MHz');
    return `family ${family} model ${model} stepping ${field('stepping') ?? '?'}${mhz ? `, ${Math.round(Number(mhz))} MHz` : ''}`;
  } catch {
    return undefined;
  }
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  const id = cpuId();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    ...(id !== undefined ? { cpuId: id } : {}),
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
    kernel: os.release(),
    totalMemoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    disk: diskInfo(),
  };
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function formatRatio(row: ResultRow): string {
  return `${row.ratio.toFixed(2)}x`;
}

function formatTarget(row: ResultRow): string {
  if (row.target === undefined) return '';
  return `>= ${row.target}x ${row.ratio >= row.target ? 'ok' : 'MISS'}`;
}

function formatRange(row: ResultRow): string {
  return `${row.ratioRange[0].toFixed(2)}-${row.ratioRange[1].toFixed(2)}`;
}

const COLUMNS: { title: string; cell: (r: ResultRow) => string; right?: boolean }[] = [
  { title: 'suite', cell: (r) => r.suite },
  { title: 'case', cell: (r) => r.case },
  { title: 'metric', cell: (r) => r.metric },
  { title: 'unit', cell: (r) => r.unit },
  { title: 'value', cell: (r) => formatNumber(r.value), right: true },
  { title: 'baseline', cell: (r) => r.baseline },
  { title: 'baselineValue', cell: (r) => formatNumber(r.baselineValue), right: true },
  { title: 'ratio', cell: formatRatio, right: true },
  { title: 'ratio range', cell: formatRange, right: true },
  { title: 'target', cell: formatTarget },
];

/** A Markdown-compatible table of the rows. */
export function formatTable(rows: ResultRow[]): string {
  const cells = rows.map((r) => COLUMNS.map((c) => c.cell(r)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]): string =>
    `| ${values.map((v, i) => (COLUMNS[i]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (COLUMNS[i]!.right ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(COLUMNS.map((c) => c.title)), rule, ...cells.map(line)].join('\n');
}

/** Progress on stderr, so stdout holds just the table. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A suite some of whose cases failed: the rows of the others still go into the results. */
export class PartialSuiteError extends Error {
  constructor(
    readonly rows: ResultRow[],
    failures: string[],
  ) {
    super(failures.join('; '));
  }
}

/** What run.ts hands every suite. */
export interface SuiteContext {
  quick: boolean;
  /** Tiny sizes, no warmup, two rounds: checks that every suite runs and reports, not what it measures. */
  smoke: boolean;
  /** A private temporary directory, removed after the run. */
  tmpDir: string;
  /** Root of the project (where package.json is). */
  projectRoot: string;
  /** Notes for the report (skipped baselines and the like). */
  notes: string[];
}

/**
 * Warmup and recorded rounds: quick keeps the whole run well under two minutes on 2
 * cores; smoke only proves that a suite runs. 'short' is for cases whose trials last a
 * few milliseconds (fdatasync-bound): many short interleaved rounds follow the drift of
 * a shared disk better than a few long ones. 'micro' is for Benchmark.js trials
 * (bench/micro.ts): each already holds several samples, and costs ~100 ms whatever it measures.
 */
export function roundsFor(
  ctx: SuiteContext,
  kind: 'long' | 'short' | 'micro' = 'long',
): { warmup: number; trials: number } {
  if (ctx.smoke) return { warmup: 0, trials: 2 };
  if (kind === 'micro') return ctx.quick ? { warmup: 1, trials: 3 } : { warmup: 2, trials: 9 };
  if (kind === 'short') return ctx.quick ? { warmup: 2, trials: 11 } : { warmup: 3, trials: 41 };
  return ctx.quick ? { warmup: 1, trials: 5 } : { warmup: 2, trials: 11 };
}

/** The value for this run's mode (smoke wins over quick). */
export function byMode<T>(ctx: SuiteContext, full: T, quick: T, smoke: T): T {
  if (ctx.smoke) return smoke;
  return ctx.quick ? quick : full;
}

/**
 * A row of times (lower is better) from a comparison of their rates (`perSecond` / time):
 * the ratio stays baseline time / subject time, higher still better, and value and
 * baselineValue are the median times.
 */
export function timeRow(spec: RowSpec, rates: Comparison, perSecond: number): ResultRow {
  const time = (values: number[]): number => Number(median(values.map((r) => perSecond / r)).toPrecision(4));
  return { ...toRow(spec, rates), value: time(rates.subject), baselineValue: time(rates.baselines[0]!) };
}
