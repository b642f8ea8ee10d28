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
import { performance } from 'node:perf_hooks';
import type { KafkaJsBroker } from '../../test/helpers/kafkajs.js';
import { contender, metered, side, throughputAndCpuRows, type Metered, type Side } from '../brokerCpu.js';
import { startClusterBroker, startTributaryBroker } from '../brokerProcesses.js';
import {
  between,
  byMode,
  compare,
  log,
  median,
  megabytesPerSecond,
  perSecond,
  timeAsync,
  timeRow,
  rowMaker,
  type Comparison,
  type ResultRow,
  type Sample,
  type SuiteContext,
} from '../harness.js';
import { NODE_IDS, pollUntil, SESSION_TIMEOUT_MS, settled, startCluster, type Cluster } from '../zkCluster.js';
import {
  deleteTrialTopic,
  kafkajsFetcher,
  kcatConsume,
  kcatInputFile,
  kcatProduce,
  VALUE_BYTES,
} from './brokerClients.js';

const SUITE = 'cluster';
/** Two partitions led by each of the three brokers. */
const PARTITIONS = 6;
const THROUGHPUT_TARGET = 1;

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
    subject: trials.cluster.slice(plan.rounds.warmup),
    baseline: trials.single.slice(plan.rounds.warmup),
  });
  const size = `${count / 1000}k x 1 KiB, ${PARTITIONS} partitions`;
  const spec = (kase: string) => ({ suite: SUITE, kase, baseline: 'single node', target: THROUGHPUT_TARGET });
  const compared = { subject: cluster, baseline: single };
  return [
    ...throughputAndCpuRows(
      ctx,
      spec(`kcat produce (librdkafka) acks=-1, ${size}`),
      { subject: c.subject, baselines: [c.baselines[0]!] },
      recorded(produced),
      compared,
    ),
    ...throughputAndCpuRows(
      ctx,
      spec(`kcat consume to /dev/null, ${size}`),
      between(c, 1, 2),
      recorded(consumed),
      compared,
    ),
  ];
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

export async function runCluster(ctx: SuiteContext): Promise<ResultRow[]> {
  const plan = byMode(ctx, FULL, QUICK, SMOKE);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const singleNode = await startTributaryBroker(ctx.tmpDir);
    stops.push(singleNode.stop);
    const cluster = await startCluster(ctx, stops);
    const sides = {
      cluster: await side('cluster', [...cluster.brokers.values()], stops, { partitions: PARTITIONS }),
      single: await side('single node', [singleNode], stops, { partitions: PARTITIONS }),
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
