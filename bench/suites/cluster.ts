/**
 * cluster: three `tributary serve --zookeeper` processes on one real ZooKeeper (issue 20)
 * against the single node (`tributary serve`), same client, same load, same rounds:
 *
 * - produce and consume with kcat 1.7.1 (librdkafka 2.0.2, which sends to and fetches from
 *   every partition's leader at once) on a topic of 6 partitions, replication factor 1:
 *   in the cluster AdminUtils' round robin gives each broker the lead of two; on the
 *   single node it leads all six. Target: the cluster's aggregate >= 1x the single node.
 *   Each trial also reads the brokers' CPU time (user + sys from /proc/<pid>/stat): per
 *   broker in the notes, as MB per broker CPU-second, the three summed, and as MB per
 *   CPU-second of the busiest broker (what the brokers carry with a core each).
 * - the Metadata round trip (kafkajs' Broker, one connection, one request at a time, the
 *   topic above): a cluster broker against the single node, median of each trial.
 * - controller failover: kill -9 of the active controller, then the time until another
 *   broker holds /controller and until a CreateTopics sent to it succeeds. A killed
 *   broker's session (and with it /controller) lives until ZooKeeper expires it, so this
 *   is bounded by zookeeper.session.timeout.ms, the rows' baseline. The killed broker
 *   restarts on its data directory between trials, outside the timing.
 *
 * The machine's cores are shared by the brokers, ZooKeeper's JVM and the clients: on two
 * cores the throughput ratio measures the cluster's overhead, not scale-out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { ZooKeeperClient } from '../../src/zk/ZooKeeperClient.js';
import type { KafkaJsBroker } from '../../test/helpers/kafkajs.js';
import { ZooKeeperServer } from '../../test/helpers/zookeeper.js';
import { startClusterBroker, startTributaryBroker, type BrokerProcess } from '../brokerProcesses.js';
import {
  between,
  byMode,
  compare,
  log,
  median,
  megabytesPerSecond,
  perSecond,
  timeAsync,
  rowMaker,
  toRow,
  type Comparison,
  type ResultRow,
  type RowSpec,
  type Sample,
  type SuiteContext,
} from '../harness.js';
import { connectTarget } from './broker.js';
import {
  adminTopics,
  deleteTrialTopic,
  kafkajsFetcher,
  kcatConsume,
  kcatInputFile,
  kcatProduce,
  VALUE_BYTES,
  type Target,
} from './brokerClients.js';

const SUITE = 'cluster';
const NODE_IDS = [1, 2, 3];
/** Two partitions led by each of the three brokers. */
const PARTITIONS = 6;
const THROUGHPUT_TARGET = 1;
/** zookeeper.session.timeout.ms of the cluster's brokers: what a failover after kill -9 waits out. */
const SESSION_TIMEOUT_MS = 2000;
const SETTLE_TIMEOUT_MS = 30_000;
const POLL_MS = 5;

interface Plan {
  rounds: { warmup: number; trials: number };
  kcatRecords: number;
  metadataRoundTrips: number;
  failovers: number;
}

const FULL: Plan = { rounds: { warmup: 2, trials: 11 }, kcatRecords: 150_000, metadataRoundTrips: 1000, failovers: 10 };
const QUICK: Plan = { rounds: { warmup: 1, trials: 6 }, kcatRecords: 50_000, metadataRoundTrips: 300, failovers: 10 };
const SMOKE: Plan = { rounds: { warmup: 0, trials: 2 }, kcatRecords: 2_000, metadataRoundTrips: 20, failovers: 2 };

const row = rowMaker(SUITE);

/** The three brokers, a client of the ZooKeeper they share and what restarting one needs. */
interface Cluster {
  zk: KafkaZkClient;
  /** zookeeper.connect of the brokers (with their chroot). */
  connect: string;
  /** The brokers' properties file (the session timeout). */
  config: string;
  brokers: Map<number, BrokerProcess>;
}

async function startCluster(ctx: SuiteContext, stops: (() => Promise<unknown>)[]): Promise<Cluster> {
  const zooKeeper = await ZooKeeperServer.standalone();
  stops.push(() => zooKeeper.destroy());
  const dir = join(ctx.tmpDir, 'cluster');
  mkdirSync(dir);
  const config = join(dir, 'server.properties');
  writeFileSync(config, `zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS}\n`);
  const connect = `${zooKeeper.connectString}/tributary`;
  const brokers = new Map<number, BrokerProcess>();
  // Stopped through the map: a broker restarted after a failover trial replaces its entry.
  stops.push(async () => Promise.all([...brokers.values()].map((b) => b.stop())));
  const started = await Promise.all(
    NODE_IDS.map((id) => startClusterBroker(join(dir, `data-${id}`), connect, id, config)),
  );
  started.forEach((broker, i) => brokers.set(NODE_IDS[i]!, broker));
  const zk = new KafkaZkClient(await ZooKeeperClient.connect({ connect }));
  stops.push(() => zk.zooKeeperClient.close());
  const cluster = { zk, connect, config, brokers };
  await settled(cluster);
  return cluster;
}

/** `read()` every POLL_MS until it gives a value `ok` accepts (a failed read counts as not yet, its error kept for the timeout's message). */
async function pollUntil<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let last: unknown;
  for (;;) {
    const value = await read().catch((error: unknown) => void (last = error));
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${SETTLE_TIMEOUT_MS} ms (last: ${String(last ?? JSON.stringify(value))})`, {
        cause: last,
      });
    await sleep(POLL_MS);
  }
}

/** Waits until a controller is elected and every broker's Metadata names it and all three brokers. */
async function settled(cluster: Cluster): Promise<number> {
  const controller = await pollUntil(
    'a controller',
    () => cluster.zk.getControllerId(),
    (id) => id !== null,
  );
  for (const broker of cluster.brokers.values()) {
    const fetcher = await kafkajsFetcher(broker.port);
    try {
      await pollUntil(
        `${broker.name} knowing the cluster`,
        () => fetcher.metadata([]),
        (m) => m.brokers.length === NODE_IDS.length && m.controllerId === controller,
      );
    } finally {
      await fetcher.disconnect();
    }
  }
  return controller!;
}

const contender = (name: string, trial: () => Promise<Sample>) => ({ name, trial });

/** What one trial did, with its brokers' CPU seconds. */
type Metered = { ns: number; units: number; cpu: number[] };

/** A contender whose trials (warmup included) are also kept in `log`, CPU times with them. */
function metered(name: string, log: Metered[], trial: () => Promise<Sample>) {
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
const efficiency = (trials: Metered[]): number[] => trials.map((t) => t.units / 1e6 / totalCpu(t));

/**
 * MB per CPU-second of each trial's busiest broker: the MB/s the brokers would carry if each
 * had a core of its own and the busiest one were CPU-bound (a broker is one event loop, so
 * one core is its ceiling). The single node's is its own MB per CPU-second. On this 2-core
 * host the brokers share the cores, so this is the one figure of the run that says what
 * spreading the partitions buys; it assumes the client keeps up, which the throughput row
 * does not.
 */
const busiestBrokerCapacity = (trials: Metered[]): number[] =>
  trials.map((t) => t.units / 1e6 / Math.max(ONE_TICK_S, ...t.cpu));

/** "broker-1 52%, broker-2 48%, ...": each broker's median CPU over the trials, in % of one core. */
function cpuShares(brokers: readonly BrokerProcess[], trials: Metered[]): string {
  const share = (i: number): number => median(trials.map((t) => t.cpu[i]! / (t.ns / 1e9))) * 100;
  return brokers.map((b, i) => `${b.name} ${share(i).toFixed(0)}%`).join(', ');
}

/** A contender's target and its broker processes (in the order of its `pids`). */
interface Side {
  target: Target;
  brokers: readonly BrokerProcess[];
}

/** One kcat operation's rows: throughput cluster vs single node, and the brokers' CPU (rows and a note): summed, and the busiest's. */
function kcatRows(
  ctx: SuiteContext,
  kase: string,
  rates: Comparison,
  trials: { cluster: Metered[]; single: Metered[] },
  sides: { cluster: Side; single: Side },
): ResultRow[] {
  const cpu: Comparison = { subject: efficiency(trials.cluster), baselines: [efficiency(trials.single)] };
  const capacity: Comparison = {
    subject: busiestBrokerCapacity(trials.cluster),
    baselines: [busiestBrokerCapacity(trials.single)],
  };
  ctx.notes.push(
    `${SUITE}, ${kase}: broker CPU (user+sys, median, % of one core over the trial): ` +
      `${cpuShares(sides.cluster.brokers, trials.cluster)}; single node ${cpuShares(sides.single.brokers, trials.single)}`,
  );
  return [
    toRow(row(kase, 'throughput', 'MB/s', 'single node, same client', THROUGHPUT_TARGET), rates),
    toRow(row(kase, 'MB per broker CPU-second (the 3 summed)', 'MB/CPU-s', 'single node'), cpu),
    toRow(row(kase, 'MB per CPU-second of the busiest broker (a core each)', 'MB/CPU-s', 'single node'), capacity),
  ];
}

async function throughputCases(
  ctx: SuiteContext,
  plan: Plan,
  sides: { cluster: Side; single: Side },
): Promise<ResultRow[]> {
  const count = plan.kcatRecords;
  const { cluster, single } = sides;
  const file = kcatInputFile(ctx.tmpDir, count);
  const sources = {
    cluster: (await kcatProduce(cluster.target, file, count, true, null)).topic,
    single: (await kcatProduce(single.target, file, count, true, null)).topic,
  };
  const produced = { cluster: [] as Metered[], single: [] as Metered[] };
  const consumed = { cluster: [] as Metered[], single: [] as Metered[] };
  const produce = (side: 'cluster' | 'single') =>
    metered(
      `produce ${side}`,
      produced[side],
      async () => (await kcatProduce(sides[side].target, file, count, false, null)).sample,
    );
  const consume = (side: 'cluster' | 'single') =>
    metered(`consume ${side}`, consumed[side], () => kcatConsume(sides[side].target, sources[side], count, null));
  log(`${SUITE}: kcat, ${count} records of ${VALUE_BYTES} B over ${PARTITIONS} partitions`);
  const c = await compare({
    ...plan.rounds,
    rate: megabytesPerSecond,
    subject: produce('cluster'),
    baselines: [produce('single'), consume('cluster'), consume('single')],
  });
  for (const side of [cluster, single]) await deleteTrialTopic(side.target);
  await cluster.target.deleteTopic(sources.cluster);
  await single.target.deleteTopic(sources.single);

  const recorded = (trials: { cluster: Metered[]; single: Metered[] }) => ({
    cluster: trials.cluster.slice(plan.rounds.warmup),
    single: trials.single.slice(plan.rounds.warmup),
  });
  const size = `${count / 1000}k x 1 KiB, ${PARTITIONS} partitions`;
  return [
    ...kcatRows(
      ctx,
      `kcat produce (librdkafka) acks=-1, ${size}`,
      { subject: c.subject, baselines: [c.baselines[0]!] },
      recorded(produced),
      sides,
    ),
    ...kcatRows(ctx, `kcat consume to /dev/null, ${size}`, between(c, 1, 2), recorded(consumed), sides),
  ];
}

/**
 * A row of times (lower is better) from a comparison of their rates (`perSecond` / time):
 * the ratio stays baseline time / subject time, higher still better, and value and
 * baselineValue are the median times.
 */
function timeRow(spec: RowSpec, rates: Comparison, perSecond: number): ResultRow {
  const time = (values: number[]): number => Number(median(values.map((r) => perSecond / r)).toPrecision(4));
  return { ...toRow(spec, rates), value: time(rates.subject), baselineValue: time(rates.baselines[0]!) };
}

/** `count` Metadata requests for `topic`, one at a time on one connection: the median round trip. */
async function metadataRoundTrip(fetcher: KafkaJsBroker, topic: string, count: number): Promise<Sample> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await timeAsync(async () => void (await fetcher.metadata([topic]))));
  return { ns: median(times), units: 1 };
}

async function metadataCase(plan: Plan, sides: { cluster: Side; single: Side }): Promise<ResultRow> {
  const topic = 'metadata-probe';
  const fetchers: KafkaJsBroker[] = [];
  try {
    const trial = async (side: Side) => {
      await side.target.createTopic(topic);
      const fetcher = await kafkajsFetcher(side.target.port);
      fetchers.push(fetcher);
      return () => metadataRoundTrip(fetcher, topic, plan.metadataRoundTrips);
    };
    const onCluster = await trial(sides.cluster);
    const onSingle = await trial(sides.single);
    log(`${SUITE}: Metadata round trips, ${plan.metadataRoundTrips} a trial`);
    const c = await compare({
      ...plan.rounds,
      rate: perSecond,
      subject: contender('cluster', onCluster),
      baselines: [contender('single node', onSingle)],
    });
    const kase = `Metadata round trip (kafkajs, one topic of ${PARTITIONS} partitions), a cluster broker`;
    return timeRow(row(kase, 'median round trip', 'µs', 'single node'), c, 1e6);
  } finally {
    await Promise.all(fetchers.map((f) => f.disconnect()));
    for (const side of [sides.cluster, sides.single]) await side.target.deleteTopic(topic);
  }
}

/**
 * CreateTopics of one partition sent to the new controller once its Metadata
 * lists the live brokers only. Sooner, its cache may still hold the dead broker, and the
 * assignment is drawn from that cache (Kafka 3.8's ZkAdminManager.createTopics:
 * `metadataCache.getAliveBrokers()`, so Kafka has the same race): a replica placed on the
 * dead broker is never led, and the request times out.
 */
async function createTopicOn(fetcher: KafkaJsBroker, controller: number, topic: string): Promise<void> {
  await pollUntil(
    `the new controller's Metadata`,
    () => fetcher.metadata([]),
    (m) => m.brokers.length === NODE_IDS.length - 1 && m.controllerId === controller,
  );
  await pollUntil(
    `CreateTopics ${topic} on broker ${controller}`,
    async () => fetcher.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], timeout: 10_000 }),
    () => true,
  );
}

/**
 * kill -9 of the controller: ms until another broker holds /controller, and until a
 * CreateTopics on it succeeds (createTopicOn). The topic is deleted again, untimed: an
 * offline partition (its one replica on the next broker killed) would fail kafkajs'
 * Metadata of every topic, which the next trial reads.
 */
async function failOver(cluster: Cluster, serial: number): Promise<{ elected: number; created: number }> {
  const old = await settled(cluster);
  const victim = cluster.brokers.get(old)!;
  const start = performance.now();
  await victim.kill();
  const controller = (await pollUntil(
    'a new controller',
    () => cluster.zk.getControllerId(),
    (id) => id !== null && id !== old,
  ))!;
  const elected = performance.now() - start;
  const fetcher = await kafkajsFetcher(cluster.brokers.get(controller)!.port);
  const topic = `failover-${serial}`;
  let created: number;
  try {
    await createTopicOn(fetcher, controller, topic);
    created = performance.now() - start;
    await fetcher.deleteTopics({ topics: [topic], timeout: 10_000 });
  } finally {
    await fetcher.disconnect();
  }
  // The dead session is gone with /controller: the broker can register its id again.
  cluster.brokers.set(old, await startClusterBroker(victim.dataDir, cluster.connect, old, cluster.config));
  return { elected, created };
}

async function failoverCases(plan: Plan, cluster: Cluster): Promise<ResultRow[]> {
  log(`${SUITE}: controller failover after kill -9, ${plan.failovers} times`);
  const elected: number[] = [];
  const created: number[] = [];
  for (let i = 0; i < plan.failovers; i++) {
    const times = await failOver(cluster, i);
    elected.push(times.elected);
    created.push(times.created);
  }
  await settled(cluster);
  const bound = `zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS} (the bound)`;
  const asRates = (ms: number[]): Comparison => ({
    subject: ms.map((t) => 1000 / t),
    baselines: [ms.map(() => 1000 / SESSION_TIMEOUT_MS)],
  });
  const kase = (what: string) => `controller failover after kill -9, ${what} (${plan.failovers} failovers)`;
  return [
    timeRow(row(kase('until a new controller holds /controller'), 'median time', 'ms', bound), asRates(elected), 1000),
    timeRow(row(kase('until a CreateTopics succeeds on it'), 'median time', 'ms', bound), asRates(created), 1000),
  ];
}

/** A kafkajs admin on `brokers` as a Target whose trials also measure their CPU. */
async function side(name: string, brokers: readonly BrokerProcess[], stops: (() => Promise<unknown>)[]): Promise<Side> {
  const bootstrap = { bootstrap: brokers.map((b) => b.bootstrap).join(','), port: brokers[0]!.port };
  const connected = await connectTarget(name, bootstrap, (admin) => adminTopics(admin, true, PARTITIONS));
  stops.push(connected.disconnect);
  return { target: { ...connected.target, pids: brokers.map((b) => b.pid) }, brokers };
}

export async function runCluster(ctx: SuiteContext): Promise<ResultRow[]> {
  const plan = byMode(ctx, FULL, QUICK, SMOKE);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const singleNode = await startTributaryBroker(ctx.tmpDir);
    stops.push(singleNode.stop);
    const cluster = await startCluster(ctx, stops);
    const sides = {
      cluster: await side('cluster', [...cluster.brokers.values()], stops),
      single: await side('single node', [singleNode], stops),
    };
    return [
      ...(await throughputCases(ctx, plan, sides)),
      await metadataCase(plan, sides),
      ...(await failoverCases(plan, cluster)),
    ];
  } finally {
    // Last started, first stopped: the clients, then the brokers, then ZooKeeper.
    for (const stop of stops.reverse()) await stop();
  }
}
