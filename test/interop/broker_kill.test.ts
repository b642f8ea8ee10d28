/**
 * The broker killed with SIGKILL under librdkafka's idempotent and transactional producers
 * (confluent-kafka-python, librdkafka 2.0.2), then restarted on the same data directory and
 * port, where the producer reconnects (issue 19's Tests).
 *
 * - Mid idempotent stream: batches the broker wrote but never acknowledged are sent again
 *   with their sequence numbers; the producer state rebuilt at restart (snapshot + log tail,
 *   ProducerStateManager.loadProducerState / UnifiedLog.rebuildProducerState) answers them as
 *   duplicates (ProducerAppendInfo.checkSequence: the original batch's offset, nothing
 *   appended). Every acknowledged record is in the log exactly once, in order, at the offset
 *   its acknowledgement named.
 * - Mid transaction: the coordinator reloads the ongoing transaction from __transaction_state
 *   (TransactionStateManager.loadTransactionsForTxnTopicPartition) and the log its producer's
 *   open transaction (the LSO held at its first offset). Then, as Kafka: the producer's
 *   commit completes it; a new producer with the same transactional.id fences it and its
 *   InitProducerId aborts it (TransactionCoordinator.handleInitProducerId, Ongoing ->
 *   PrepareEpochFence); with no one to end it, transaction.timeout.ms aborts it
 *   (TransactionCoordinator.abortTimedOutTransactions). read_committed never sees a part.
 *
 * TRIBUTARY_STRESS=1 kills the broker at several seeded random points of a longer stream.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Consumer, type IsolationLevel } from '../../src/client/Consumer.js';
import { Engine } from '../../src/engine/Engine.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';
import { pythonEnv, Rng, SYSTEM_PYTHON, testSeed } from './support.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BROKER_CHILD = join(HERE, '..', 'broker', 'fixtures', 'broker-child.mjs');
const PRODUCER_SESSION = join(HERE, 'clients', 'confluent_producer_session.py');
const TOPIC = 'kill';
const stress = process.env.TRIBUTARY_STRESS === '1';
/**
 * The coordinator's scan for timed-out transactions every 200 ms instead of Kafka's 10 s;
 * 4 KiB segments, so the producer state a restart rebuilds is a roll's snapshot and the log
 * after it (UnifiedLog.rebuildProducerState), not the whole log.
 */
const BROKER_SETTINGS = ['transaction.abort.timed.out.transaction.cleanup.interval.ms=200', 'log.segment.bytes=4096'];
/** How long a broker about to be killed appends without answering. */
const HOLD_MS = 200;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A port free now, for a broker that must come back on the same address. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** broker-child.mjs (dist/) on `dataDir` and `port`: SIGKILLed or stopped by the test. */
class BrokerProcess {
  private readonly lines: string[] = [];
  private readonly waiters: (() => void)[] = [];

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async start(dataDir: string, port: number): Promise<BrokerProcess> {
    const child = spawn(process.execPath, [BROKER_CHILD, dataDir, `--port=${port}`, ...BROKER_SETTINGS], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const broker = new BrokerProcess(child);
    await broker.line(`port ${port}`);
    return broker;
  }

  private async line(expected: string): Promise<void> {
    while (!this.lines.includes(expected)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(
          `broker child ended (${this.child.exitCode ?? this.child.signalCode}) before printing ${expected}`,
        );
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /**
   * SIGKILL after `holdMs` in which the broker appended what came but answered nothing
   * (SIGUSR2): the producer has batches in flight that are in the log, unacknowledged.
   */
  async kill(holdMs = 0): Promise<void> {
    if (holdMs > 0) {
      this.child.kill('SIGUSR2');
      await this.line('holding');
      await new Promise((resolve) => setTimeout(resolve, holdMs));
    }
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM: a clean close (producer snapshots written), then the process ends. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
}

type SessionEvent = {
  ack?: string;
  offset?: number;
  failed?: string;
  error?: string;
  fatal?: boolean;
  client_error?: string;
  [answer: string]: unknown;
};

/** confluent_producer_session.py: one librdkafka producer taking commands while the broker comes and goes. */
class ProducerSession {
  readonly events: SessionEvent[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private exited = false;

  constructor() {
    this.child = spawn(SYSTEM_PYTHON, ['-I', PRODUCER_SESSION], { env: pythonEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(this.child);
    let stderr = '';
    this.child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    this.child.stdin.on('error', () => undefined);
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      if (code !== 0 && signal === null) this.events.push({ client_error: `exited with ${code}: ${stderr}` });
      this.notify();
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.events.push(JSON.parse(line) as SessionEvent);
      this.notify();
    });
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  send(command: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** The first event (from `from` on) with field `key`, waiting up to `timeoutMs`. */
  async next(key: string, timeoutMs = 60_000, from = 0): Promise<SessionEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find((e) => key in e);
      if (found !== undefined) return found;
      if (this.exited || Date.now() > deadline)
        throw new Error(
          `no ${key} event ${this.exited ? 'before the producer exited' : `in ${timeoutMs} ms`}: ${JSON.stringify(this.events.slice(-5))}`,
        );
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Sends `command` and waits for its answer, the next event with field `key`. */
  async call(command: Record<string, unknown>, key: string): Promise<SessionEvent> {
    const from = this.events.length;
    this.send(command);
    return this.next(key, 60_000, from);
  }

  acks(): { value: string; offset: number }[] {
    return this.events.filter((e) => e.ack !== undefined).map((e) => ({ value: e.ack!, offset: e.offset! }));
  }

  async kill(): Promise<void> {
    if (this.exited) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = once(this.child, 'exit');
    this.child.stdin.end();
    await exited;
  }
}

const producerConfig = (port: number, extra: Record<string, unknown>): Record<string, unknown> => ({
  'bootstrap.servers': `127.0.0.1:${port}`,
  'enable.idempotence': true,
  'linger.ms': 2,
  'batch.num.messages': 20,
  'message.timeout.ms': 60_000,
  'retry.backoff.ms': 50,
  'reconnect.backoff.ms': 50,
  'reconnect.backoff.max.ms': 200,
  ...extra,
});

/** A data directory holding topic TOPIC (one partition), and a port for its broker. */
async function prepared(): Promise<{ dataDir: string; port: number }> {
  const dataDir = tempDir();
  const engine = await Engine.open({ dataDir });
  engine.createTopic(TOPIC, { partitions: 1 });
  await engine.close();
  return { dataDir, port: await freePort() };
}

/** The records of TOPIC-0 at `isolationLevel`, read by the engine on the stopped broker's data. */
async function readLog(dataDir: string, isolationLevel: IsolationLevel): Promise<{ value: string; offset: number }[]> {
  const engine = await Engine.open({ dataDir });
  try {
    const consumer = new Consumer(engine, { isolationLevel });
    const tp = { topic: TOPIC, partition: 0 };
    const end = consumer.endOffsets([tp])[0]!.offset;
    consumer.assign([{ ...tp, offset: 'earliest' }]);
    const records: { value: string; offset: number }[] = [];
    const reading = (async () => {
      for await (const batch of consumer.batches())
        for (const r of batch.records) records.push({ value: r.value!.toString(), offset: r.offset });
    })();
    // An aborted tail hands out nothing: the position passing the end is what says all is read.
    while (consumer.position(tp) < end) await new Promise((resolve) => setTimeout(resolve, 5));
    await consumer.close();
    await reading;
    return records;
  } finally {
    await engine.close();
  }
}

/** The high watermark and last stable offset of TOPIC-0, from a read_committed Fetch. */
async function partitionEnds(port: number): Promise<{ highWatermark: number; lastStableOffset: number }> {
  const client = await RawKafkaClient.connect(port);
  try {
    const body = await client.call(ApiKey.Fetch, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1,
      isolationLevel: 1,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 }] }],
    });
    const p = ((body.responses as Struct[])[0]!.partitions as Struct[])[0]!;
    return { highWatermark: p.highWatermark as number, lastStableOffset: p.lastStableOffset as number };
  } finally {
    client.close();
  }
}

/**
 * An idempotent stream of `count` records ('0', '1', ...) sent `chunk` every 5 ms while the broker is
 * SIGKILLed once the producer has had each of `killAfterAcks` acknowledgements, and restarted
 * after `downMs`. Returns the acknowledgements and the log read after a clean stop.
 */
async function idempotentStreamThroughKills(
  count: number,
  killAfterAcks: number[],
  downMs: number,
  chunk = 50,
): Promise<{ acks: { value: string; offset: number }[]; log: { value: string; offset: number }[]; kills: number }> {
  const { dataDir, port } = await prepared();
  let broker = await BrokerProcess.start(dataDir, port);
  const producer = new ProducerSession();
  await producer.call({ op: 'start', config: producerConfig(port, {}) }, 'started');
  // The stream goes on in chunks whatever the broker does: a kill always finds batches in flight.
  let sent = 0;
  const producing = (async () => {
    while (sent < count) {
      const values = Array.from({ length: Math.min(chunk, count - sent) }, (_, i) => String(sent + i));
      producer.send({ op: 'produce', topic: TOPIC, values });
      sent += values.length;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  let kills = 0;
  for (const point of killAfterAcks) {
    // Acknowledgements are reported as the producer polls: each chunk polls, then a flush.
    while (producer.acks().length < point)
      if (sent < count) await new Promise((resolve) => setTimeout(resolve, 5));
      else await producer.call({ op: 'flush', timeout: 1 }, 'flushed');
    await broker.kill(HOLD_MS);
    kills++;
    await new Promise((resolve) => setTimeout(resolve, downMs));
    broker = await BrokerProcess.start(dataDir, port);
  }
  await producing;
  const flushed = await producer.call({ op: 'flush', timeout: 60 }, 'flushed');
  expect(flushed.flushed, JSON.stringify(producer.events.filter((e) => 'failed' in e).slice(0, 5))).toBe(0);
  await producer.close();
  await broker.stop();
  const snapshots = readdirSync(join(dataDir, `${TOPIC}-0`)).filter((f) => f.endsWith('.snapshot'));
  expect(snapshots.length).toBeGreaterThan(1);
  return { acks: producer.acks(), log: await readLog(dataDir, 'read_uncommitted'), kills };
}

function expectExactlyOnceInOrder(
  count: number,
  { acks, log }: { acks: { value: string; offset: number }[]; log: { value: string; offset: number }[] },
): void {
  const all = Array.from({ length: count }, (_, i) => String(i));
  // Every record acknowledged (none failed), each at the offset its acknowledgement named...
  expect(acks.map((a) => a.value).sort((a, b) => Number(a) - Number(b))).toEqual(all);
  const offsetOf = new Map(log.map((r) => [r.value, r.offset]));
  expect(acks.filter((a) => offsetOf.get(a.value) !== a.offset)).toEqual([]);
  // ...and the log holds each once, in the order produced: no duplicate, no gap.
  expect(log.map((r) => r.value)).toEqual(all);
}

/**
 * A transactional producer that has sent `acked` in an open transaction, all acknowledged,
 * then `inFlight`, which the broker appends without answering before it is SIGKILLed; the
 * broker is restarted on its data and port.
 */
async function openTransactionThroughKill(
  transactionTimeoutMs: number,
  acked: string[],
  inFlight: string[] = [],
): Promise<{ dataDir: string; port: number; producer: ProducerSession; broker: BrokerProcess }> {
  const { dataDir, port } = await prepared();
  let broker = await BrokerProcess.start(dataDir, port);
  const producer = new ProducerSession();
  // librdkafka wants message.timeout.ms <= transaction.timeout.ms.
  const config = producerConfig(port, {
    'transactional.id': 'kill-tx',
    'transaction.timeout.ms': transactionTimeoutMs,
    'message.timeout.ms': transactionTimeoutMs,
  });
  await producer.call({ op: 'start', config }, 'started');
  await producer.call({ op: 'begin' }, 'begun');
  producer.send({ op: 'produce', topic: TOPIC, values: acked });
  expect(await producer.call({ op: 'flush' }, 'flushed')).toEqual({ flushed: 0 });
  expect(producer.acks().map((a) => a.value)).toEqual(acked);
  if (inFlight.length > 0) producer.send({ op: 'produce', topic: TOPIC, values: inFlight });
  await broker.kill(inFlight.length > 0 ? HOLD_MS : 0);
  broker = await BrokerProcess.start(dataDir, port);
  // The reloaded producer state holds the open transaction: nothing of it is stable.
  const ends = await partitionEnds(port);
  expect(ends.lastStableOffset).toBe(0);
  expect(ends.highWatermark).toBeGreaterThanOrEqual(acked.length);
  return { dataDir, port, producer, broker };
}

const txValues = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `t${from + i}`);
const firstHalf = txValues(0, 10);

describe('the broker SIGKILLed under librdkafka producers, restarted on its data and port', () => {
  it('mid idempotent stream: the retried batches are deduplicated, every record is in the log once, in order', async () => {
    const result = await idempotentStreamThroughKills(2000, [600], 100);
    expect(result.kills).toBe(1);
    expectExactlyOnceInOrder(2000, result);
  });

  it('mid transaction, the producer commits after the restart: the records acked, in flight at the kill and sent after are committed once', async () => {
    const inFlight = txValues(10, 10);
    const after = txValues(20, 10);
    const { dataDir, port, producer, broker } = await openTransactionThroughKill(60_000, firstHalf, inFlight);
    producer.send({ op: 'produce', topic: TOPIC, values: after });
    expect(await producer.call({ op: 'commit' }, 'committed')).toEqual({ committed: true });
    const all = [...firstHalf, ...inFlight, ...after];
    expect(producer.acks().map((a) => a.value)).toEqual(all);
    // 30 records and the commit marker: the transaction is complete.
    expect(await partitionEnds(port)).toEqual({ highWatermark: 31, lastStableOffset: 31 });
    await producer.close();
    await broker.stop();
    expect((await readLog(dataDir, 'read_uncommitted')).map((r) => r.value)).toEqual(all);
    expect((await readLog(dataDir, 'read_committed')).map((r) => r.value)).toEqual(all);
  });

  it('mid transaction, a new producer with the same transactional.id: the open transaction is aborted, the old producer fenced', async () => {
    const { dataDir, port, producer, broker } = await openTransactionThroughKill(60_000, firstHalf);
    const successor = new ProducerSession();
    const config = producerConfig(port, { 'transactional.id': 'kill-tx' });
    await successor.call({ op: 'start', config }, 'started');
    // Its InitProducerId returned once the abort's marker was written: the partition is stable again.
    expect(await partitionEnds(port)).toEqual({ highWatermark: 11, lastStableOffset: 11 });
    await successor.call({ op: 'begin' }, 'begun');
    successor.send({ op: 'produce', topic: TOPIC, values: ['s0', 's1'] });
    expect(await successor.call({ op: 'commit' }, 'committed')).toEqual({ committed: true });
    const fenced = await producer.call({ op: 'commit' }, 'error');
    expect(fenced).toMatchObject({ fatal: true });
    expect(fenced.error).toMatch(/fenced|epoch/i);
    await Promise.all([producer.close(), successor.close()]);
    await broker.stop();
    expect((await readLog(dataDir, 'read_committed')).map((r) => r.value)).toEqual(['s0', 's1']);
    expect((await readLog(dataDir, 'read_uncommitted')).map((r) => r.value)).toEqual([...firstHalf, 's0', 's1']);
  });

  it('mid transaction, the producer gone too: transaction.timeout.ms after the restart, the coordinator aborts it', async () => {
    const { dataDir, port, producer, broker } = await openTransactionThroughKill(2_000, firstHalf);
    await producer.kill();
    const deadline = Date.now() + 20_000;
    let ends = await partitionEnds(port);
    while (ends.lastStableOffset < ends.highWatermark && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ends = await partitionEnds(port);
    }
    expect(ends).toEqual({ highWatermark: 11, lastStableOffset: 11 });
    await broker.stop();
    expect(await readLog(dataDir, 'read_committed')).toEqual([]);
    expect((await readLog(dataDir, 'read_uncommitted')).map((r) => r.value)).toEqual(firstHalf);
  });

  it.runIf(stress)(
    'stress: an idempotent stream through several SIGKILLs at seeded random points',
    async () => {
      const rng = new Rng(testSeed(19_002));
      // 20,000 records at 2,000 a second: the stream is still going at every kill point.
      const count = 20_000;
      const points = Array.from({ length: 10 }, () => rng.int(1, count * 0.8)).sort((a, b) => a - b);
      const result = await idempotentStreamThroughKills(count, points, rng.int(0, 300), 10);
      expect(result.kills).toBe(points.length);
      expectExactlyOnceInOrder(count, result);
    },
    600_000,
  );
});
