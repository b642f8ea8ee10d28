/**
 * The clients the broker suite drives, one trial each: kafkajs 2.2.4 (in this process)
 * producing and fetching, kcat 1.7.1 (librdkafka 2.0.2, a process per trial) producing
 * from a file and consuming to /dev/null, reading bytes from the loopback peer, and the
 * end-to-end latency of records sent at a fixed rate.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Message, Producer, ProducerConfig } from 'kafkajs';
import type { KafkaJsBroker, KafkaJsFetchedMessage } from '../../test/helpers/kafkajs.js';
import type { LoopbackPeer } from '../brokerProcesses.js';
import { median, rowMaker, timeAsync, toRow, type Comparison, type ResultRow, type Sample } from '../harness.js';
import { withProcessCpu } from '../processCpu.js';

const require = createRequire(import.meta.url);

export const VALUE_BYTES = 1024;
const TIMEOUT_MS = 60_000;
/** kafkajs' consumer defaults (maxBytesPerPartition, maxBytes). */
const PARTITION_FETCH_BYTES = 1024 * 1024;
const FETCH_BYTES = 10 * 1024 * 1024;

/** A broker as the clients see it: where it listens and how topics come and go. */
export interface Target {
  name: string;
  bootstrap: string;
  port: number;
  createTopic(topic: string): Promise<void>;
  deleteTopic(topic: string): Promise<void>;
  /** The sum of the topic's partitions' log end offsets, where the broker stores records (null for the null sink). */
  endOffset: ((topic: string) => Promise<number>) | null;
  /** The broker processes whose CPU time each kcat trial also measures (the cluster suite). */
  pids?: readonly number[];
  /**
   * A new, unconnected kafkajs producer (`config` over the bench's: no topic
   * auto-creation): one per topic, since kafkajs keeps asking for the metadata of every
   * topic it ever sent to, deleted or not.
   */
  producer(config?: ProducerConfig): Producer;
}

/**
 * Topic management through a kafkajs admin client (tributary and the null sink both
 * serve it); topics of `partitions` partitions, replication factor 1, or, given
 * `replicaAssignment`, each partition's replicas as listed (the first leads).
 */
export function adminTopics(
  admin: Admin,
  stores: boolean,
  partitions = 1,
  replicaAssignment?: readonly (readonly number[])[],
): Pick<Target, 'createTopic' | 'deleteTopic' | 'endOffset'> {
  const layout =
    replicaAssignment === undefined
      ? { numPartitions: partitions, replicationFactor: 1 }
      : { replicaAssignment: replicaAssignment.map((replicas, partition) => ({ partition, replicas: [...replicas] })) };
  return {
    createTopic: async (topic) => {
      if (
        !(await admin.createTopics({
          topics: [{ topic, ...layout }],
          waitForLeaders: true,
          timeout: TIMEOUT_MS,
        }))
      )
        throw new Error(`topic ${topic} exists`);
    },
    deleteTopic: (topic) => admin.deleteTopics({ topics: [topic], timeout: TIMEOUT_MS }),
    endOffset: stores
      ? async (topic) => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0)
      : null,
  };
}

let topicSerial = 0;
/** Per target, the topic its last trial wrote, deleted when the next trial starts. */
const leftOver = new Map<Target, string>();

/**
 * A new topic for a trial. The one the previous trial on this target wrote is deleted
 * first, right before the writing starts (as the log-append suite does): the pages it
 * frees are then the ones the new writes land on, as in a broker whose memory is full
 * of page cache. Pages freed seconds earlier may have gone back to the VM's host, and
 * writes that land on those take host faults. A topic `kept` is the caller's to delete.
 */
async function trialTopic(target: Target, prefix: string, kept: boolean): Promise<string> {
  await deleteTrialTopic(target);
  const topic = `${prefix}-${++topicSerial}`;
  await target.createTopic(topic);
  if (!kept) leftOver.set(target, topic);
  return topic;
}

/** Deletes what the last trial on `target` left. */
export async function deleteTrialTopic(target: Target): Promise<void> {
  const previous = leftOver.get(target);
  leftOver.delete(target);
  if (previous !== undefined) await target.deleteTopic(previous);
}

async function expectEndOffset(target: Target, topic: string, expected: number): Promise<void> {
  if (target.endOffset === null) return;
  const end = await target.endOffset(topic);
  if (end !== expected) throw new Error(`${target.name}: ${topic} ends at offset ${end}, expected ${expected}`);
}

/** A record of partition 0 as both kafkajs' producer and tributary's take it. */
export interface ValueRecord {
  partition: number;
  value: Buffer;
}

/** 1 KiB random values, `perSend` to a chunk, all for partition 0. */
export function randomChunks(count: number, perSend: number): ValueRecord[][] {
  const pool = randomBytes(count * VALUE_BYTES);
  const chunks: ValueRecord[][] = [];
  for (let i = 0; i < count; i += perSend) {
    chunks.push(
      Array.from({ length: Math.min(perSend, count - i) }, (_, j) => ({
        partition: 0,
        value: pool.subarray((i + j) * VALUE_BYTES, (i + j + 1) * VALUE_BYTES),
      })),
    );
  }
  return chunks;
}

/** Sends every chunk with `inFlight` sends outstanding at a time. */
async function sendAll(
  producer: Producer,
  topic: string,
  acks: number,
  chunks: Message[][],
  inFlight: number,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) await producer.send({ topic, acks, timeout: TIMEOUT_MS, messages: chunks[next++]! });
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

const recordsIn = (chunks: Message[][]): number => chunks.reduce((n, c) => n + c.length, 0);

/**
 * A fresh topic and a producer connected to it, which has sent one record (at offset 0)
 * so that the connection and the topic's metadata are ready before any timing starts.
 */
async function readyProducer(
  target: Target,
  prefix: string,
  acks: number,
  { kept = false, config }: ProduceOptions = {},
): Promise<{ topic: string; producer: Producer }> {
  const topic = await trialTopic(target, prefix, kept);
  const producer = target.producer(config);
  await producer.connect();
  await producer.send({ topic, acks, messages: [{ partition: 0, value: Buffer.alloc(VALUE_BYTES) }] });
  return { topic, producer };
}

export interface ProduceOptions {
  /** The topic is the caller's to delete (else the next trial on the target deletes it). */
  kept?: boolean;
  /** The kafkajs producer's settings (idempotent, maxInFlightRequests...). */
  config?: ProducerConfig;
}

/** Produces the chunks into a topic of their own, from offset 1. */
export async function kafkajsProduce(
  target: Target,
  acks: number,
  chunks: Message[][],
  inFlight: number,
  options: ProduceOptions = {},
): Promise<{ sample: Sample; topic: string }> {
  const { topic, producer } = await readyProducer(target, 'kafkajs', acks, options);
  const ns = await timeAsync(() => sendAll(producer, topic, acks, chunks, inFlight));
  await producer.disconnect();
  const count = recordsIn(chunks);
  await expectEndOffset(target, topic, count + 1);
  return { sample: { ns, units: count * VALUE_BYTES }, topic };
}

/**
 * kafkajs' own Broker (its Fetch encoder and RecordBatch decoder) on one connection: its
 * public consumer needs consumer groups. (test/helpers/kafkajs.ts has the same, but it
 * imports a name kafkajs' ESM face lacks, so it loads under vitest only.)
 */
export async function kafkajsFetcher(port: number): Promise<KafkaJsBroker> {
  const KafkajsBroker = require('kafkajs/src/broker');
  const ConnectionPool = require('kafkajs/src/network/connectionPool');
  const { createLogger, LEVELS } = require('kafkajs/src/loggers');
  const logger = createLogger({ level: LEVELS.NOTHING, logCreator: require('kafkajs/src/loggers/console') });
  const pool = new ConnectionPool({
    host: '127.0.0.1',
    port,
    logger,
    socketFactory: require('kafkajs/src/network/socketFactory')(),
    requestTimeout: TIMEOUT_MS,
    connectionTimeout: TIMEOUT_MS,
    clientId: 'bench-fetch',
  });
  const broker = new KafkajsBroker({ connectionPool: pool, logger });
  await broker.connect();
  return broker as KafkaJsBroker;
}

/** Fetch's isolation_level: 0 read_uncommitted, 1 read_committed (up to the last stable offset). */
export type IsolationLevel = 0 | 1;

/**
 * One Fetch of partition 0 from `offset`, long-polling up to `maxWaitMs`; the records at
 * or past `offset`, transaction markers among them (kafkajs' decoder returns control
 * records, flagged, and leaves them to its consumer to drop).
 */
async function fetchFrom(
  fetcher: KafkaJsBroker,
  topic: string,
  offset: number,
  maxWaitMs: number,
  isolationLevel: IsolationLevel = 0,
): Promise<(KafkaJsFetchedMessage & { isControlRecord?: boolean })[]> {
  const { responses } = await fetcher.fetch({
    maxWaitTime: maxWaitMs,
    minBytes: 1,
    maxBytes: FETCH_BYTES,
    isolationLevel,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: String(offset), maxBytes: PARTITION_FETCH_BYTES }] }],
  });
  const partition = responses[0]!.partitions[0]!;
  if (partition.errorCode !== 0) throw new Error(`fetch of ${topic} at ${offset}: error ${partition.errorCode}`);
  // A fetch returns whole batches: records before the fetch offset come along.
  return partition.messages.filter((m) => Number(m.offset) >= offset);
}

export interface ConsumeOptions {
  isolationLevel?: IsolationLevel;
  /** The data records in [from, end); default all of those offsets (no transaction markers among them). */
  records?: number;
}

/**
 * Reads partition 0 of `topic` from `from` to `end` with Fetch after Fetch, counting the
 * data records' bytes (not the transaction markers'); the timing covers the loop.
 */
export async function kafkajsConsume(
  fetcher: KafkaJsBroker,
  topic: string,
  from: number,
  end: number,
  { isolationLevel = 0, records = end - from }: ConsumeOptions = {},
): Promise<Sample> {
  let bytes = 0;
  const ns = await timeAsync(async () => {
    for (let offset = from; offset < end;) {
      const messages = await fetchFrom(fetcher, topic, offset, 100, isolationLevel);
      for (const m of messages) if (m.isControlRecord !== true) bytes += m.value?.length ?? 0;
      offset = messages.length > 0 ? Number(messages.at(-1)!.offset) + 1 : offset;
    }
  });
  if (bytes !== records * VALUE_BYTES)
    throw new Error(`kafkajs read ${bytes} bytes of ${topic}, expected ${records * VALUE_BYTES}`);
  return { ns, units: bytes };
}

/** A file of `count` lines of VALUE_BYTES printable random bytes, for `kcat -P -l`. */
export function kcatInputFile(dir: string, count: number): string {
  const line = (i: number): string =>
    randomBytes(VALUE_BYTES)
      .toString('base64')
      .slice(0, VALUE_BYTES - 8) + String(i).padStart(8, '0');
  const path = join(dir, 'kcat-input.txt');
  writeFileSync(path, `${Array.from({ length: count }, (_, i) => line(i)).join('\n')}\n`);
  return path;
}

/** Runs kcat with its output to /dev/null; resolves to its stderr, rejects on a failure or an error it reports. */
function kcat(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && !/failed|error/i.test(stderr)) resolve(stderr);
      else reject(new Error(`kcat ${args.join(' ')}: ${signal ?? `exit code ${code}`}\n${stderr}`));
    });
  });
}

/** Times `fn`, and the CPU time of the target's broker processes over the same span when it names them. */
async function timedOn(target: Target, units: number, fn: () => Promise<void>): Promise<Sample> {
  if (target.pids === undefined) return { ns: await timeAsync(fn), units };
  const { result: ns, cpu } = await withProcessCpu(target.pids, () => timeAsync(fn));
  return { ns, units, cpu };
}

/** kcat's partition option: one partition, or none (every partition of the topic). */
const partitionArgs = (partition: number | null): string[] => (partition === null ? [] : ['-p', String(partition)]);

/** librdkafka's producer settings for the kcat trials: a 5 ms linger, batches up to 1 MB. */
const KCAT_PRODUCER = ['-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'acks=all'];

/**
 * `kcat -P -l FILE` into a fresh topic, timing the whole process; into `partition`, or
 * with `null` into every partition (librdkafka's default partitioner spreads keyless
 * records, sticking to one partition for a few ms at a time).
 */
export async function kcatProduce(
  target: Target,
  file: string,
  count: number,
  kept = false,
  partition: number | null = 0,
): Promise<{ sample: Sample; topic: string }> {
  const topic = await trialTopic(target, 'kcat', kept);
  const args = ['-P', '-q', '-b', target.bootstrap, '-t', topic, ...partitionArgs(partition), ...KCAT_PRODUCER];
  const sample = await timedOn(target, count * VALUE_BYTES, async () => void (await kcat([...args, '-l', file])));
  await expectEndOffset(target, topic, count);
  return { sample, topic };
}

/**
 * `kcat -C -o beginning -c COUNT -e` of `partition` (`null`: every partition) to
 * /dev/null, timing the whole process. It stops at the COUNTth record: at the end of a
 * partition librdkafka would learn of the end only from one more Fetch, which waits out
 * fetch.wait.max.ms (500 ms) on any broker, tributary or Kafka. `-e` only ends a short
 * topic early: kcat says ": exiting" when every partition it reads reached its end.
 */
export async function kcatConsume(
  target: Target,
  topic: string,
  count: number,
  partition: number | null = 0,
): Promise<Sample> {
  let stderr = '';
  const args = ['-C', '-b', target.bootstrap, '-t', topic, ...partitionArgs(partition), '-o', 'beginning'];
  const sample = await timedOn(
    target,
    count * VALUE_BYTES,
    async () => void (stderr = await kcat([...args, '-c', String(count), '-e'])),
  );
  if (/Reached end of topic .*: exiting/.test(stderr))
    throw new Error(`kcat reached the end of ${topic} before ${count} records\n${stderr}`);
  return sample;
}

/** Reads `bytes` bytes the loopback peer writes: the ceiling for any consumer of them. */
export async function loopbackRead(peer: LoopbackPeer, bytes: number): Promise<Sample> {
  const ns = await timeAsync(
    () =>
      new Promise<void>((resolve) => {
        let got = 0;
        const onData = (chunk: Buffer): void => {
          got += chunk.length;
          if (got < bytes) return;
          peer.socket.off('data', onData);
          resolve();
        };
        peer.socket.on('data', onData);
        peer.send(bytes);
      }),
  );
  return { ns, units: bytes };
}

/** How one latency trial's records travel: sent one at a time, delivered to `receive`. */
export interface LatencyPath {
  name: string;
  /** Prepares a fresh run of `count` records; `receive` gets every record's value once, in order. */
  open(count: number, receive: (value: Buffer) => void): Promise<{ send(value: Buffer): void; close(): Promise<void> }>;
}

export interface LatencyResult {
  p50: number;
  p99: number;
  p999: number;
  /** The bench process's event-loop utilization over the trial: near 1, the client's own backlog is in the figures. */
  clientBusy: number;
}

type Percentiles = Omit<LatencyResult, 'clientBusy'>;

/** Nearest-rank percentiles of latencies in milliseconds. */
function percentiles(latenciesNs: number[]): Percentiles {
  const sorted = latenciesNs.sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! / 1e6;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}

/** A value stamped with the time it is sent (hrtime ns in its first 8 bytes). */
function stampedValue(): Buffer {
  const value = Buffer.alloc(VALUE_BYTES);
  value.writeBigUInt64BE(process.hrtime.bigint(), 0);
  return value;
}

/**
 * Sends `count` stamped records at `rate` a second (timers fire about every
 * millisecond; each record is stamped when sent) and waits until all arrive;
 * latency = arrival time - stamp.
 */
export async function measureLatency(path: LatencyPath, count: number, rate: number): Promise<LatencyResult> {
  const latencies: number[] = [];
  let arrived!: () => void;
  const allArrived = new Promise<void>((resolve) => (arrived = resolve));
  const run = await path.open(count, (value) => {
    latencies.push(Number(process.hrtime.bigint() - value.readBigUInt64BE(0)));
    if (latencies.length === count) arrived();
  });
  const loopBefore = performance.eventLoopUtilization();
  const start = performance.now();
  for (let sent = 0; sent < count; await sleep(1)) {
    const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (sent < due) {
      run.send(stampedValue());
      sent++;
    }
  }
  const timer = setTimeout(arrived, TIMEOUT_MS);
  await allArrived;
  clearTimeout(timer);
  const clientBusy = performance.eventLoopUtilization(loopBefore).utilization;
  await run.close();
  if (latencies.length !== count) throw new Error(`${path.name}: ${latencies.length} of ${count} records arrived`);
  return { ...percentiles(latencies), clientBusy };
}

/** Latency rows: milliseconds, with ratio = baseline latency / tributary latency (higher is better). */
export function latencyRows(
  suite: string,
  kase: string,
  paths: LatencyPath[],
  results: LatencyResult[][],
): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const [key, label] of [
    ['p50', 'p50'],
    ['p99', 'p99'],
    ['p999', 'p99.9'],
  ] as const) {
    const ms = results.map((trials) => trials.map((p) => p[key]));
    const inverse: Comparison = {
      subject: ms[0]!.map((v) => 1 / v),
      baselines: ms.slice(1).map((b) => b.map((v) => 1 / v)),
    };
    paths.slice(1).forEach((path, i) => {
      const r = toRow(rowMaker(suite)(kase, `${label} latency`, 'ms', path.name), inverse, i);
      rows.push({
        ...r,
        value: Number(median(ms[0]!).toPrecision(4)),
        baselineValue: Number(median(ms[i + 1]!).toPrecision(4)),
      });
    });
  }
  return rows;
}

/**
 * Through a broker: a kafkajs producer (`acks`, default 1, one record a request) into a fresh
 * topic, a Fetch long-poll loop (maxWaitTime 100 ms, minBytes 1) on another connection to the
 * same broker (which must lead partition 0).
 */
export function brokerLatencyPath(target: Target, acks = 1): LatencyPath {
  return {
    name: target.name,
    async open(count, receive) {
      const { topic, producer } = await readyProducer(target, 'latency', acks);
      const fetcher = await kafkajsFetcher(target.port);
      let failure: unknown = null;
      const poll = async (): Promise<void> => {
        for (let offset = 1; offset <= count;) {
          for (const m of await fetchFrom(fetcher, topic, offset, 100)) {
            receive(m.value!);
            offset = Number(m.offset) + 1;
          }
        }
      };
      const polling = poll().catch((error: unknown) => (failure = error));
      return {
        send: (value) =>
          void producer
            .send({ topic, acks, messages: [{ partition: 0, value }] })
            .catch((error: unknown) => (failure = error)),
        async close() {
          await polling;
          await Promise.all([fetcher.disconnect(), producer.disconnect()]);
          if (failure !== null) throw failure;
        },
      };
    },
  };
}

/** Through the loopback peer's echo: one process hop each way, no broker. */
export function echoLatencyPath(peer: LoopbackPeer): LatencyPath {
  return {
    name: 'loopback echo',
    async open(_count, receive) {
      let pending: Buffer[] = [];
      let buffered = 0;
      const onData = (chunk: Buffer): void => {
        pending.push(chunk);
        buffered += chunk.length;
        if (buffered < VALUE_BYTES) return;
        const all = Buffer.concat(pending);
        const whole = all.length - (all.length % VALUE_BYTES);
        for (let at = 0; at < whole; at += VALUE_BYTES) receive(all.subarray(at, at + VALUE_BYTES));
        pending = whole < all.length ? [all.subarray(whole)] : [];
        buffered = all.length - whole;
      };
      peer.socket.on('data', onData);
      return {
        send: (value) => void peer.socket.write(value),
        close: async () => void peer.socket.off('data', onData),
      };
    },
  };
}
