/**
 * broker: tributary's Kafka-protocol broker (`tributary serve`, its own process, a fresh
 * data directory) against baselines measured in the same rounds, with real clients:
 *
 * - produce, kafkajs 2.2.4 (acks=-1 and acks=1; 1 KiB values, 200 records a send, 4
 *   sends in flight) and kcat 1.7.1 / librdkafka 2.0.2 (`-P -l FILE`, linger.ms=5,
 *   batch.size=1000000, acks=all; the whole process timed), each against the NULL SINK:
 *   the same broker, protocol layer and connection handling with a Produce that stores
 *   nothing (bench/nullSinkBroker.ts). Target: >= 0.7x.
 * - idempotent produce, kafkajs (`idempotent: true`, acks=-1, which kafkajs wants with
 *   maxInFlightRequests 1), against the same producer without idempotence, also with
 *   maxInFlightRequests 1, on the same broker. Target: >= 0.95x.
 * - consume, the same clients (kafkajs' Fetch loop; `kcat -C -e -o beginning` to
 *   /dev/null) over a partition their producer wrote, against that client's produce
 *   rate in the same round (target: consume >= produce) and against reading the same
 *   number of bytes from a socket another process writes (the loopback ceiling).
 * - end-to-end latency at a fixed rate: kafkajs producer (acks=1, one record a request)
 *   → a Fetch long-poll loop (maxWaitTime 100 ms, minBytes 1) on another connection,
 *   against the same over librdkafka's mock cluster and a plain echo through another
 *   process. Rows give milliseconds; their ratio is baseline latency / tributary
 *   latency, so higher is still better.
 *
 * Every produce trial writes a topic of its own, deleted after the trial, outside the
 * timing; so is the check that the log holds every record.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type ProducerConfig } from 'kafkajs';
import {
  startLoopbackPeer,
  startNullSinkBroker,
  startTributaryBroker,
  type BrokerProcess,
  type LoopbackPeer,
} from '../brokerProcesses.js';
import { runBrokerTransactions } from './transactions.js';
import {
  between,
  byMode,
  compare,
  log,
  megabytesPerSecond,
  rowMaker,
  toRow,
  type Comparison,
  type ResultRow,
  type Sample,
  type SuiteContext,
} from '../harness.js';
import {
  adminTopics,
  brokerLatencyPath,
  latencyRows,
  deleteTrialTopic,
  echoLatencyPath,
  randomChunks,
  kafkajsConsume,
  kafkajsFetcher,
  kafkajsProduce,
  kcatConsume,
  kcatInputFile,
  kcatProduce,
  loopbackRead,
  measureLatency,
  VALUE_BYTES,
  type LatencyPath,
  type LatencyResult,
  type Target,
} from './brokerClients.js';

const SUITE = 'broker';
const RECORDS_PER_SEND = 200;
const SENDS_IN_FLIGHT = 4;
const LATENCY_RATE = 1000;
const PRODUCE_TARGET = 0.7;
const CONSUME_TARGET = 1;
const IDEMPOTENCE_TARGET = 0.95;
/** kafkajs' idempotent producer wants one request in flight; the producer it is compared with gets the same. */
const ONE_IN_FLIGHT: ProducerConfig = { maxInFlightRequests: 1 };
const IDEMPOTENT: ProducerConfig = { ...ONE_IN_FLIGHT, idempotent: true };

interface Plan {
  rounds: { warmup: number; trials: number };
  latencyRounds: { warmup: number; trials: number };
  kafkajsRecords: number;
  kcatRecords: number;
  latencyRecords: number;
}

const FULL: Plan = {
  rounds: { warmup: 2, trials: 11 },
  latencyRounds: { warmup: 1, trials: 5 },
  kafkajsRecords: 30_000,
  kcatRecords: 150_000,
  latencyRecords: 3 * LATENCY_RATE,
};

const QUICK: Plan = {
  rounds: { warmup: 1, trials: 4 },
  latencyRounds: { warmup: 1, trials: 2 },
  kafkajsRecords: 6_000,
  kcatRecords: 30_000,
  latencyRecords: LATENCY_RATE,
};

const SMOKE: Plan = {
  rounds: { warmup: 0, trials: 2 },
  latencyRounds: { warmup: 0, trials: 1 },
  kafkajsRecords: 1_000,
  kcatRecords: 2_000,
  latencyRecords: LATENCY_RATE / 5,
};

const row = rowMaker(SUITE);

const scaled = (c: Comparison, factor: number): Comparison => ({
  subject: c.subject.map((v) => v * factor),
  baselines: c.baselines.map((b) => b.map((v) => v * factor)),
});

/** MB/s → records/s of 1 KiB values. */
const RECORDS_PER_MB = 1e6 / VALUE_BYTES;

/** The produce rows of one client and acks: MB/s and records/s, tributary vs the null sink. */
function produceRows(kase: string, c: Comparison): ResultRow[] {
  const baseline = 'null-sink broker, same client';
  return [
    toRow(row(kase, 'throughput', 'MB/s', baseline, PRODUCE_TARGET), c),
    toRow(row(kase, 'records', 'records/s', baseline, PRODUCE_TARGET), scaled(c, RECORDS_PER_MB)),
  ];
}

const contender = (name: string, trial: () => Promise<Sample>) => ({ name, trial });
const sampleOf = async (run: Promise<{ sample: Sample }>): Promise<Sample> => (await run).sample;

interface Brokers {
  tributary: Target;
  nullSink: Target;
  peer: LoopbackPeer;
}

/** Deletes the consume source and what the last produce trials left. */
async function cleanUp(b: Brokers, source: string): Promise<void> {
  await b.tributary.deleteTopic(source);
  await deleteTrialTopic(b.tributary);
  await deleteTrialTopic(b.nullSink);
}

async function kafkajsCases(plan: Plan, b: Brokers): Promise<ResultRow[]> {
  const chunks = randomChunks(plan.kafkajsRecords, RECORDS_PER_SEND);
  const bytes = plan.kafkajsRecords * VALUE_BYTES;
  const source = (await kafkajsProduce(b.tributary, -1, chunks, SENDS_IN_FLIGHT, { kept: true })).topic;
  const fetcher = await kafkajsFetcher(b.tributary.port);
  const produce = (target: Target, acks: number, config?: ProducerConfig, name = `produce acks=${acks}`) =>
    contender(`${name} ${target.name}`, () =>
      sampleOf(kafkajsProduce(target, acks, chunks, SENDS_IN_FLIGHT, { config })),
    );
  log(`${SUITE}: kafkajs, ${plan.kafkajsRecords} records of ${VALUE_BYTES} B`);
  const c = await compare({
    ...plan.rounds,
    rate: megabytesPerSecond,
    // Offset 0 is the untimed record that loaded the producer's metadata.
    subject: contender('consume tributary', () => kafkajsConsume(fetcher, source, 1, plan.kafkajsRecords + 1)),
    baselines: [
      produce(b.tributary, -1),
      produce(b.nullSink, -1),
      produce(b.tributary, 1),
      produce(b.nullSink, 1),
      contender('loopback read', () => loopbackRead(b.peer, bytes)),
      produce(b.tributary, -1, IDEMPOTENT, 'produce acks=-1 idempotent'),
      produce(b.tributary, -1, ONE_IN_FLIGHT, 'produce acks=-1 maxInFlightRequests=1'),
    ],
  });
  await fetcher.disconnect();
  await cleanUp(b, source);
  const consume = `kafkajs consume (Fetch loop), ${plan.kafkajsRecords / 1000}k x 1 KiB`;
  const idempotent = `kafkajs produce acks=-1 idempotent, maxInFlightRequests=1, ${plan.kafkajsRecords / 1000}k x 1 KiB`;
  const notIdempotent = 'the same producer without idempotence, same broker';
  return [
    ...produceRows(`kafkajs produce acks=-1, ${plan.kafkajsRecords / 1000}k x 1 KiB`, between(c, 0, 1)),
    ...produceRows(`kafkajs produce acks=1, ${plan.kafkajsRecords / 1000}k x 1 KiB`, between(c, 2, 3)),
    toRow(row(consume, 'throughput', 'MB/s', 'kafkajs produce acks=-1, same run', CONSUME_TARGET), c, 0),
    toRow(row(consume, 'throughput', 'MB/s', 'loopback TCP read of the same bytes'), c, 4),
    toRow(row(idempotent, 'throughput', 'MB/s', notIdempotent, IDEMPOTENCE_TARGET), between(c, 5, 6)),
  ];
}

async function kcatCases(ctx: SuiteContext, plan: Plan, b: Brokers): Promise<ResultRow[]> {
  const count = plan.kcatRecords;
  const file = kcatInputFile(ctx.tmpDir, count);
  const source = (await kcatProduce(b.tributary, file, count, true)).topic;
  const produce = (target: Target) =>
    contender(`produce ${target.name}`, () => sampleOf(kcatProduce(target, file, count)));
  log(`${SUITE}: kcat, ${count} records of ${VALUE_BYTES} B`);
  const c = await compare({
    ...plan.rounds,
    rate: megabytesPerSecond,
    subject: contender('consume tributary', () => kcatConsume(b.tributary, source, count)),
    baselines: [
      produce(b.tributary),
      produce(b.nullSink),
      contender('loopback read', () => loopbackRead(b.peer, count * VALUE_BYTES)),
    ],
  });
  await cleanUp(b, source);
  const consume = `kcat consume to /dev/null, ${count / 1000}k x 1 KiB`;
  return [
    ...produceRows(`kcat produce (librdkafka) acks=-1, ${count / 1000}k x 1 KiB`, between(c, 0, 1)),
    toRow(row(consume, 'throughput', 'MB/s', 'kcat produce, same run', CONSUME_TARGET), c, 0),
    toRow(row(consume, 'throughput', 'MB/s', 'loopback TCP read of the same bytes'), c, 2),
  ];
}

/** A kafkajs client on a broker (or several, `bootstrap` a comma-separated list), with its admin connected, as a Target. */
export async function connectTarget(
  name: string,
  broker: { bootstrap: string; port: number },
  topics: (admin: Admin) => Pick<Target, 'createTopic' | 'deleteTopic' | 'endOffset'>,
) {
  const kafka = new Kafka({
    clientId: `bench-${name}`,
    brokers: broker.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 50 },
  });
  const admin = kafka.admin();
  await admin.connect();
  const producer = (config: ProducerConfig = {}) => kafka.producer({ allowAutoTopicCreation: false, ...config });
  const target: Target = { name, bootstrap: broker.bootstrap, port: broker.port, producer, ...topics(admin) };
  return { target, disconnect: () => admin.disconnect() };
}

/**
 * librdkafka's mock cluster (test/interop/brokers.ts). Its launcher finds mock_cluster.py
 * next to itself, so the script is copied beside the compiled copy first. Null (with a
 * note) when the mock cannot start.
 */
async function startMock(ctx: SuiteContext): Promise<{ target: Target; stop: () => Promise<void> } | null> {
  const script = fileURLToPath(new URL('../../test/interop/mock_cluster.py', import.meta.url));
  const original = join(ctx.projectRoot, 'test', 'interop', 'mock_cluster.py');
  if (script !== original && existsSync(original)) copyFileSync(original, script);
  try {
    const { startMockCluster } = await import('../../test/interop/brokers.js');
    const mock = await startMockCluster();
    const [host, port] = mock.bootstrap.split(',')[0]!.split(':');
    const connected = await connectTarget('mock cluster', { bootstrap: `${host}:${port}`, port: Number(port) }, () => ({
      createTopic: (topic) => mock.createTopic(topic, 1),
      // The mock keeps only each partition's last 5 MiB: its topics cost little memory.
      deleteTopic: async () => undefined,
      endOffset: null,
    }));
    return { target: connected.target, stop: async () => (await connected.disconnect(), await mock.stop()) };
  } catch (error) {
    ctx.notes.push(
      `broker: librdkafka's mock cluster did not start, latency has no mock baseline (${(error as Error).message.split('\n')[0]})`,
    );
    return null;
  }
}

/** Above this event-loop utilization the sending client surely queues records itself. */
const CLIENT_SATURATED = 0.9;

/**
 * How busy the bench process was while each path ran: the kafkajs client's own work
 * (one send a record, the fetch loop) is in every latency through a broker, and once
 * its event loop is nearly full its backlog is too.
 */
function noteClientLoad(ctx: SuiteContext, paths: LatencyPath[], results: LatencyResult[][]): void {
  const percent = (x: number): string => `${(x * 100).toFixed(0)}%`;
  const ranges = paths.map((path, i) => {
    const busy = results[i]!.map((r) => r.clientBusy);
    return `${path.name} ${percent(Math.min(...busy))}-${percent(Math.max(...busy))}`;
  });
  const saturated = results.some((trials) => trials.some((t) => t.clientBusy > CLIENT_SATURATED));
  ctx.notes.push(
    `broker latency: the bench process's event loop was busy ${ranges.join(', ')} of each trial` +
      (saturated
        ? `; over ${percent(CLIENT_SATURATED)} kafkajs lacked CPU for one send a record at ${LATENCY_RATE}/s, and its backlog is in those latencies`
        : ''),
  );
}

async function latencyCases(ctx: SuiteContext, plan: Plan, b: Brokers): Promise<ResultRow[]> {
  const mock = await startMock(ctx);
  try {
    const paths = [
      brokerLatencyPath(b.tributary),
      ...(mock === null ? [] : [brokerLatencyPath(mock.target)]),
      echoLatencyPath(b.peer),
    ];
    const results: LatencyResult[][] = paths.map(() => []);
    const trial = (i: number) => async (): Promise<Sample> => {
      const p = await measureLatency(paths[i]!, plan.latencyRecords, LATENCY_RATE);
      results[i]!.push(p);
      return { ns: p.p50 * 1e6, units: 1 };
    };
    log(`${SUITE}: end-to-end latency, ${plan.latencyRecords} records at ${LATENCY_RATE}/s`);
    await compare({
      ...plan.latencyRounds,
      rate: (s) => s.ns / 1e6,
      subject: contender(paths[0]!.name, trial(0)),
      baselines: paths.slice(1).map((p, i) => contender(p.name, trial(i + 1))),
    });
    await deleteTrialTopic(b.tributary);
    const recorded = results.map((r) => r.slice(plan.latencyRounds.warmup));
    noteClientLoad(ctx, paths, recorded);
    return latencyRows(
      SUITE,
      `end-to-end latency, ${LATENCY_RATE} x 1 KiB records/s, kafkajs acks=1 -> Fetch long-poll`,
      paths,
      recorded,
    );
  } finally {
    await mock?.stop();
  }
}

export async function runBroker(ctx: SuiteContext): Promise<ResultRow[]> {
  const plan = byMode(ctx, FULL, QUICK, SMOKE);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const started = await Promise.allSettled([
      startTributaryBroker(ctx.tmpDir),
      startNullSinkBroker(ctx.tmpDir),
      startLoopbackPeer(),
    ]);
    for (const s of started) if (s.status === 'fulfilled') stops.push(s.value.stop);
    const [tributary, nullSink, peer] = started.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    }) as [BrokerProcess, BrokerProcess, LoopbackPeer];
    const t = await connectTarget('tributary', tributary, (admin) => adminTopics(admin, true));
    stops.unshift(t.disconnect);
    const n = await connectTarget('null sink', nullSink, (admin) => adminTopics(admin, false));
    stops.unshift(n.disconnect);
    const brokers: Brokers = { tributary: t.target, nullSink: n.target, peer };
    return [
      ...(await kafkajsCases(plan, brokers)),
      ...(await kcatCases(ctx, plan, brokers)),
      ...(await latencyCases(ctx, plan, brokers)),
      ...(await runBrokerTransactions(ctx, brokers.tributary)),
    ];
  } finally {
    for (const stop of stops) await stop();
  }
}
