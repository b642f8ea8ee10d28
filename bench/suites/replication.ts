/**
 * replication: one cluster of three `tributary serve --zookeeper` brokers on a real
 * ZooKeeper (issue 21), a topic whose partitions have three replicas against a topic whose
 * partitions have one, same brokers, same client, same load, same rounds:
 *
 * - produce with kcat 1.7.1 (librdkafka 2.0.2) acks=all into 6 partitions, each broker
 *   leading two (explicit assignments, so both topics spread their leaders alike): with
 *   three replicas every record is also fetched by two followers and acknowledged once
 *   both have it. Target: >= 0.5x replication factor 1's throughput on this 2-core host,
 *   where one CPU serves three brokers and their followers' fetches. Each trial also reads
 *   the brokers' CPU time (a note per broker, MB per CPU-second rows).
 * - end-to-end latency with acks=all: a kafkajs producer, one record a request, to the
 *   leader of partition 0, and a Fetch long-poll on it; a consumer sees a record only once
 *   the high watermark passes it, that is once both followers have it.
 * - failover: kill -9 of the leader of a 3-replica partition while an idempotent kafkajs
 *   producer sends with acks=all, then the time until a send is acknowledged again: the
 *   dead broker's session expiring, the controller electing a leader from the ISR, and
 *   the producer finding it. Bounded by zookeeper.session.timeout.ms, the rows' baseline.
 *   The killed broker restarts on its data directory between trials, outside the timing,
 *   and each trial starts once it is back in the ISR.
 */
import { performance } from 'node:perf_hooks';
import type { Producer } from 'kafkajs';
import { contender, metered, side, throughputAndCpuRows, type Metered, type Side } from '../brokerCpu.js';
import { startClusterBroker } from '../brokerProcesses.js';
import {
  byMode,
  compare,
  log,
  megabytesPerSecond,
  rowMaker,
  timeRow,
  type Comparison,
  type ResultRow,
  type Sample,
  type SuiteContext,
} from '../harness.js';
import { NODE_IDS, pollUntil, SESSION_TIMEOUT_MS, settled, startCluster, type Cluster } from '../zkCluster.js';
import {
  brokerLatencyPath,
  deleteTrialTopic,
  kafkajsFetcher,
  kcatInputFile,
  kcatProduce,
  latencyRows,
  measureLatency,
  VALUE_BYTES,
  type LatencyResult,
} from './brokerClients.js';

const SUITE = 'replication';
/** Two partitions led by each of the three brokers. */
const PARTITIONS = 6;
const THROUGHPUT_TARGET = 0.5;
const LATENCY_RATE = 200;
const ACKS_ALL = -1;

interface Plan {
  rounds: { warmup: number; trials: number };
  kcatRecords: number;
  latencyRecords: number;
  failovers: number;
}

const FULL: Plan = { rounds: { warmup: 2, trials: 9 }, kcatRecords: 100_000, latencyRecords: 2000, failovers: 10 };
const QUICK: Plan = { rounds: { warmup: 1, trials: 5 }, kcatRecords: 40_000, latencyRecords: 600, failovers: 10 };
const SMOKE: Plan = { rounds: { warmup: 0, trials: 2 }, kcatRecords: 2_000, latencyRecords: 50, failovers: 2 };

const row = rowMaker(SUITE);

/**
 * Partition p led by broker NODE_IDS[p % 3], followed (with `replicas` 3) by the next two
 * round the ring: AdminUtils' rack-unaware layout from a fixed start, so both topics put
 * the same leaders on the same brokers, and partition 0 is led by the first broker.
 */
function assignment(replicas: number): number[][] {
  return Array.from({ length: PARTITIONS }, (_, p) =>
    Array.from({ length: replicas }, (_, r) => NODE_IDS[(p + r) % NODE_IDS.length]!),
  );
}

interface Sides {
  replicated: Side;
  single: Side;
}

/**
 * A side whose new topics are written to once before a trial starts: one record with
 * acks=all into each partition, answered only once every replica has it, so the trial
 * measures replication running, not its start. A new topic's followers first ask the
 * leader where to truncate, and one that asks before the leader has its LeaderAndIsr is
 * answered NOT_LEADER_OR_FOLLOWER and waits out replica.fetch.backoff.ms (1 s, as in
 * Kafka), stalling acks=all meanwhile; and each replica checkpoints the new leader epoch
 * (two fsyncs) on its first append. Both sides are warmed alike; the end offset a trial
 * checks leaves the warm-up records out.
 */
function warmed(s: Side): Side {
  const { target } = s;
  const createTopic = async (topic: string): Promise<void> => {
    await target.createTopic(topic);
    const producer = target.producer();
    await producer.connect();
    try {
      const messages = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: 'warm-up' }));
      await producer.send({ topic, acks: ACKS_ALL, messages });
    } finally {
      await producer.disconnect();
    }
  };
  const endOffset = target.endOffset;
  return {
    ...s,
    target: {
      ...target,
      createTopic,
      endOffset: endOffset === null ? null : async (topic) => (await endOffset(topic)) - PARTITIONS,
    },
  };
}

async function throughputCases(ctx: SuiteContext, plan: Plan, cold: Sides): Promise<ResultRow[]> {
  const sides: Sides = { replicated: warmed(cold.replicated), single: warmed(cold.single) };
  const count = plan.kcatRecords;
  const file = kcatInputFile(ctx.tmpDir, count);
  const trials = { replicated: [] as Metered[], single: [] as Metered[] };
  const produce = (which: keyof Sides) =>
    metered(
      sides[which].target.name,
      trials[which],
      async () => (await kcatProduce(sides[which].target, file, count, false, null)).sample,
    );
  log(`${SUITE}: kcat acks=all, ${count} records of ${VALUE_BYTES} B over ${PARTITIONS} partitions`);
  const c = await compare({
    ...plan.rounds,
    rate: megabytesPerSecond,
    subject: produce('replicated'),
    baselines: [produce('single')],
  });
  for (const s of [sides.replicated, sides.single]) await deleteTrialTopic(s.target);
  const kase = `kcat produce (librdkafka) acks=-1, ${count / 1000}k x 1 KiB, ${PARTITIONS} partitions`;
  return throughputAndCpuRows(
    ctx,
    { suite: SUITE, kase, baseline: sides.single.target.name, target: THROUGHPUT_TARGET },
    c,
    { subject: trials.replicated.slice(plan.rounds.warmup), baseline: trials.single.slice(plan.rounds.warmup) },
    { subject: sides.replicated, baseline: sides.single },
  );
}

async function latencyCases(plan: Plan, sides: Sides): Promise<ResultRow[]> {
  const paths = [
    brokerLatencyPath(sides.replicated.target, ACKS_ALL),
    brokerLatencyPath(sides.single.target, ACKS_ALL),
  ];
  const results: LatencyResult[][] = paths.map(() => []);
  const trial = (i: number) => async (): Promise<Sample> => {
    const p = await measureLatency(paths[i]!, plan.latencyRecords, LATENCY_RATE);
    results[i]!.push(p);
    return { ns: p.p50 * 1e6, units: 1 };
  };
  log(`${SUITE}: end-to-end latency, ${plan.latencyRecords} records at ${LATENCY_RATE}/s, acks=all`);
  await compare({
    ...plan.rounds,
    rate: (s) => s.ns / 1e6,
    subject: contender(paths[0]!.name, trial(0)),
    baselines: [contender(paths[1]!.name, trial(1))],
  });
  for (const s of [sides.replicated, sides.single]) await deleteTrialTopic(s.target);
  return latencyRows(
    SUITE,
    `end-to-end latency, ${LATENCY_RATE} x 1 KiB records/s, kafkajs acks=all -> Fetch long-poll`,
    paths,
    results.map((r) => r.slice(plan.rounds.warmup)),
  );
}

const FAILOVER_TOPIC = 'failover';

/** The partition's leader and ISR in the Metadata of `port`'s broker. */
async function leaderAndIsr(port: number): Promise<{ leader: number; isr: number[] }> {
  const fetcher = await kafkajsFetcher(port);
  try {
    const { topicMetadata } = await fetcher.metadata([FAILOVER_TOPIC]);
    const p = topicMetadata[0]!.partitionMetadata.find((m) => m.partitionId === 0)!;
    return { leader: p.leader, isr: p.isr };
  } finally {
    await fetcher.disconnect();
  }
}

/** Waits until every replica is in the ISR again and a leader serves; returns that leader. */
async function fullyReplicated(cluster: Cluster): Promise<number> {
  const port = cluster.brokers.get(NODE_IDS[0]!)!.port;
  const state = await pollUntil(
    `${FAILOVER_TOPIC}-0 with all ${NODE_IDS.length} replicas in sync`,
    () => leaderAndIsr(port),
    (s) => s.leader >= 0 && s.isr.length === NODE_IDS.length,
  );
  return state.leader;
}

/** Sends one record with acks=all until one is acknowledged; resolves when it is. */
async function sendUntilAcknowledged(producer: Producer): Promise<void> {
  for (;;) {
    const sent = await producer
      .send({ topic: FAILOVER_TOPIC, acks: ACKS_ALL, messages: [{ partition: 0, value: Buffer.alloc(VALUE_BYTES) }] })
      .then(
        () => true,
        () => false,
      );
    if (sent) return;
  }
}

/** kill -9 of the partition's leader: ms until a send with acks=all is acknowledged again. */
async function failOver(cluster: Cluster, producer: Producer): Promise<number> {
  const leader = await fullyReplicated(cluster);
  await sendUntilAcknowledged(producer);
  const victim = cluster.brokers.get(leader)!;
  const start = performance.now();
  await victim.kill();
  await sendUntilAcknowledged(producer);
  const ms = performance.now() - start;
  cluster.brokers.set(leader, await startClusterBroker(victim.dataDir, cluster.connect, leader, cluster.config));
  return ms;
}

async function failoverCases(plan: Plan, cluster: Cluster, sides: Sides): Promise<ResultRow[]> {
  await sides.replicated.target.createTopic(FAILOVER_TOPIC);
  const producer = sides.replicated.target.producer({ idempotent: true });
  await producer.connect();
  const times: number[] = [];
  try {
    log(`${SUITE}: leader failover after kill -9, ${plan.failovers} times`);
    for (let i = 0; i < plan.failovers; i++) times.push(await failOver(cluster, producer));
  } finally {
    await producer.disconnect();
  }
  await settled(cluster);
  await fullyReplicated(cluster);
  await sides.replicated.target.deleteTopic(FAILOVER_TOPIC);
  const rates: Comparison = {
    subject: times.map((t) => 1000 / t),
    baselines: [times.map(() => 1000 / SESSION_TIMEOUT_MS)],
  };
  const kase = `leader failover after kill -9 of a 3-replica partition's leader, until acks=all is acknowledged again (${plan.failovers} failovers)`;
  const bound = `zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS} (the bound)`;
  const maxRates: Comparison = { subject: [Math.min(...rates.subject)], baselines: [[rates.baselines[0]![0]!]] };
  return [
    timeRow(row(kase, 'median time', 'ms', bound), rates, 1000),
    timeRow(row(kase, 'max time', 'ms', bound), maxRates, 1000),
  ];
}

export async function runReplication(ctx: SuiteContext): Promise<ResultRow[]> {
  const plan = byMode(ctx, FULL, QUICK, SMOKE);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const cluster = await startCluster(ctx, stops);
    // Partition 0 of both topics is led by the first broker: the latency path's fetcher connects to brokers[0].
    const brokers = NODE_IDS.map((id) => cluster.brokers.get(id)!);
    const sides: Sides = {
      replicated: await side('replication factor 3', brokers, stops, {
        partitions: PARTITIONS,
        replicaAssignment: assignment(3),
      }),
      single: await side('replication factor 1', brokers, stops, {
        partitions: PARTITIONS,
        replicaAssignment: assignment(1),
      }),
    };
    return [
      ...(await throughputCases(ctx, plan, sides)),
      ...(await latencyCases(plan, sides)),
      ...(await failoverCases(plan, cluster, sides)),
    ];
  } finally {
    // Last started, first stopped: the clients, then the brokers, then ZooKeeper.
    for (const stop of stops.reverse()) await stop();
  }
}
