/**
 * What a trial costs its brokers: each trial's CPU seconds per broker process (user + sys,
 * bench/processCpu.ts) kept beside its sample, and the figures made of them.
 */
import type { BrokerProcess } from './brokerProcesses.js';
import { median, rowMaker, toRow, type Comparison, type ResultRow, type Sample, type SuiteContext } from './harness.js';
import { connectTarget } from './suites/broker.js';
import { adminTopics, type Target } from './suites/brokerClients.js';

export const contender = (name: string, trial: () => Promise<Sample>) => ({ name, trial });

/** What one trial did, with its brokers' CPU seconds. */
export type Metered = { ns: number; units: number; cpu: number[] };

/** A contender whose trials (warmup included) are also kept in `log`, CPU times with them. */
export function metered(name: string, log: Metered[], trial: () => Promise<Sample>) {
  return contender(name, async () => {
    const sample = await trial();
    log.push({ ns: sample.ns, units: sample.units, cpu: sample.cpu ?? [] });
    return sample;
  });
}

/** /proc counts CPU in clock ticks: a trial shorter than one reads 0 s, counted as one tick. */
const ONE_TICK_S = 0.01;

const totalCpu = (t: Metered): number =>
  Math.max(
    ONE_TICK_S,
    t.cpu.reduce((a, b) => a + b, 0),
  );

/** MB per broker CPU-second (every broker's CPU summed) of each trial. */
export const efficiency = (trials: Metered[]): number[] => trials.map((t) => t.units / 1e6 / totalCpu(t));

/**
 * MB per CPU-second of each trial's busiest broker: the MB/s the brokers would carry if each
 * had a core of its own and the busiest one were CPU-bound (a broker is one event loop, so
 * one core is its ceiling). The single node's is its own MB per CPU-second. On this 2-core
 * host the brokers share the cores, so this is the one figure of the run that says what
 * spreading the partitions buys; it assumes the client keeps up, which the throughput row
 * does not.
 */
export const busiestBrokerCapacity = (trials: Metered[]): number[] =>
  trials.map((t) => t.units / 1e6 / Math.max(ONE_TICK_S, ...t.cpu));

/** "broker-1 52%, broker-2 48%, ...": each broker's median CPU over the trials, in % of one core. */
export function cpuShares(brokers: readonly BrokerProcess[], trials: Metered[]): string {
  const share = (i: number): number => median(trials.map((t) => t.cpu[i]! / (t.ns / 1e9))) * 100;
  return brokers.map((b, i) => `${b.name} ${share(i).toFixed(0)}%`).join(', ');
}

/** A contender's target and its broker processes (in the order of its `pids`). */
export interface Side {
  target: Target;
  brokers: readonly BrokerProcess[];
}

/**
 * A kafkajs admin on `brokers` as a Target whose trials also measure their CPU; its topics
 * have `partitions` partitions of one replica, or the replicas `replicaAssignment` lists.
 */
export async function side(
  name: string,
  brokers: readonly BrokerProcess[],
  stops: (() => Promise<unknown>)[],
  topics: { partitions: number; replicaAssignment?: readonly (readonly number[])[] },
): Promise<Side> {
  const bootstrap = { bootstrap: brokers.map((b) => b.bootstrap).join(','), port: brokers[0]!.port };
  const connected = await connectTarget(name, bootstrap, (admin) =>
    adminTopics(admin, true, topics.partitions, topics.replicaAssignment),
  );
  stops.push(connected.disconnect);
  return { target: { ...connected.target, pids: brokers.map((b) => b.pid) }, brokers };
}

/** How one operation's rows are labelled: suite, case, the baseline's name and the throughput target. */
export interface CpuRowsSpec {
  suite: string;
  kase: string;
  baseline: string;
  target?: number;
}

/**
 * One operation's rows, subject against baseline: throughput, and the brokers' CPU (rows and
 * a note): MB per broker CPU-second summed, and per CPU-second of the busiest broker.
 */
export function throughputAndCpuRows(
  ctx: SuiteContext,
  spec: CpuRowsSpec,
  rates: Comparison,
  trials: { subject: Metered[]; baseline: Metered[] },
  sides: { subject: Side; baseline: Side },
): ResultRow[] {
  const { kase, baseline } = spec;
  const row = rowMaker(spec.suite);
  const cpu: Comparison = { subject: efficiency(trials.subject), baselines: [efficiency(trials.baseline)] };
  const capacity: Comparison = {
    subject: busiestBrokerCapacity(trials.subject),
    baselines: [busiestBrokerCapacity(trials.baseline)],
  };
  ctx.notes.push(
    `${spec.suite}, ${kase}: broker CPU (user+sys, median, % of one core over the trial): ` +
      `${cpuShares(sides.subject.brokers, trials.subject)}; ${baseline} ${cpuShares(sides.baseline.brokers, trials.baseline)}`,
  );
  return [
    toRow(row(kase, 'throughput', 'MB/s', `${baseline}, same client`, spec.target), rates),
    toRow(row(kase, 'MB per broker CPU-second (the 3 summed)', 'MB/CPU-s', baseline), cpu),
    toRow(row(kase, 'MB per CPU-second of the busiest broker (a core each)', 'MB/CPU-s', baseline), capacity),
  ];
}
