/**
 * The transaction and read_committed comparisons of the embedded and broker suites
 * (issue 19), run by runEmbedded (embedded.ts) and runBroker (broker.ts).
 *
 * Cases, 1 KiB random values, partition 0, each contender on a fresh topic:
 * - transactions of 100 records (begin, send the 100, commit; one transaction at a time)
 *   against the same 100-record sends by an idempotent producer with no transaction,
 *   awaited one by one. Target >= 0.8x. Embedded: tributary's producers; broker: kafkajs
 *   (`transactionalId` vs `idempotent: true`, maxInFlightRequests 1 both).
 * - consume with read_committed against read_uncommitted, over the same log of committed
 *   transactions (so both read every record and skip the markers). Target >= 0.95x.
 *   Embedded: `consumer.batches()` to the last record; broker: kafkajs' Fetch loop with
 *   isolation_level 1 and 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Message, Producer as KafkaJsProducer } from 'kafkajs';
import { Tributary } from '../../src/index.js';
import type { ProducerRecord } from '../../src/client/Producer.js';
import {
  byMode,
  compare,
  log,
  megabytesPerSecond,
  perSecond,
  roundsFor,
  timeAsync,
  toRow,
  type ResultRow,
  type RowSpec,
  type Sample,
  type SuiteContext,
} from '../harness.js';
import { kafkajsConsume, kafkajsFetcher, randomChunks, VALUE_BYTES, type Target } from './brokerClients.js';

const PER_TRANSACTION = 100;
const TRANSACTION_TARGET = 0.8;
const READ_COMMITTED_TARGET = 0.95;
const TOPIC = 'bench';

const row = (suite: string, kase: string, metric: string, unit: string, baseline: string, target: number): RowSpec => ({
  suite,
  case: kase,
  metric,
  unit,
  baseline,
  target,
});

/** A fresh data directory with the topic, for `body`; closed and deleted after. */
async function withTributary<T>(root: string, body: (t: Tributary) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(root, 'txn-'));
  const t = await Tributary.open({ dataDir: dir });
  try {
    await t.admin.createTopic(TOPIC, { partitions: 1 });
    return await body(t);
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sends every chunk, each in a transaction of its own when `transactional`; timed from the first send. */
async function embeddedProduce(t: Tributary, chunks: ProducerRecord[][], transactional: boolean): Promise<number> {
  const producer = t.producer(transactional ? { lingerMs: 0, transactionalId: 'bench' } : { lingerMs: 0 });
  if (transactional) await producer.initTransactions();
  const ns = await timeAsync(async () => {
    for (const chunk of chunks) {
      if (transactional) producer.beginTransaction();
      await producer.send(TOPIC, chunk);
      if (transactional) await producer.commitTransaction();
    }
  });
  await producer.close();
  return ns;
}

/** Reads `count` data records from 'earliest' with `isolationLevel`, touching each value. */
async function embeddedConsume(
  t: Tributary,
  count: number,
  isolationLevel: 'read_committed' | 'read_uncommitted',
): Promise<Sample> {
  const consumer = t.consumer({ isolationLevel });
  consumer.assign([{ topic: TOPIC, partition: 0, offset: 'earliest' }]);
  let read = 0;
  let bytes = 0;
  const ns = await timeAsync(async () => {
    for await (const batch of consumer.batches()) {
      for (const r of batch.records) bytes += r.value?.length ?? 0;
      read += batch.records.length;
      if (read >= count) break;
    }
  });
  await consumer.close();
  if (read !== count || bytes !== count * VALUE_BYTES) throw new Error(`read ${read} of ${count} records`);
  return { ns, units: count };
}

export async function runEmbeddedTransactions(ctx: SuiteContext): Promise<ResultRow[]> {
  const count = byMode(ctx, 50_000, 10_000, 1_000);
  const chunks = randomChunks(count, PER_TRANSACTION);
  const label = `${count / 1000}k x 1 KiB`;
  const produce = (transactional: boolean) => async (): Promise<Sample> => ({
    ns: await withTributary(ctx.tmpDir, (t) => embeddedProduce(t, chunks, transactional)),
    units: count,
  });
  log(`embedded: transactions of ${PER_TRANSACTION} records, ${label}`);
  const written = await compare({
    ...roundsFor(ctx),
    rate: perSecond,
    subject: { name: 'transactional', trial: produce(true) },
    baselines: [{ name: 'not transactional', trial: produce(false) }],
  });
  log(`embedded: read_committed consume, ${label}`);
  const read = await withTributary(ctx.tmpDir, async (t) => {
    await embeddedProduce(t, chunks, true);
    return compare({
      ...roundsFor(ctx),
      rate: perSecond,
      subject: { name: 'read_committed', trial: () => embeddedConsume(t, count, 'read_committed') },
      baselines: [{ name: 'read_uncommitted', trial: () => embeddedConsume(t, count, 'read_uncommitted') }],
    });
  });
  const notTransactional = 'the same sends, idempotent, no transaction';
  return [
    toRow(
      row(
        'embedded',
        `transactions of ${PER_TRANSACTION} records, ${label}`,
        'records',
        'records/s',
        notTransactional,
        TRANSACTION_TARGET,
      ),
      written,
    ),
    toRow(
      row(
        'embedded',
        `consume read_committed, ${label} in transactions of ${PER_TRANSACTION}`,
        'records',
        'records/s',
        'read_uncommitted, same log',
        READ_COMMITTED_TARGET,
      ),
      read,
    ),
  ];
}

let topicSerial = 0;

/** Sends the chunks one at a time, each in a transaction when the producer is transactional. */
async function sendChunks(producer: KafkaJsProducer, topic: string, chunks: Message[][], transactional: boolean) {
  for (const messages of chunks) {
    if (!transactional) {
      await producer.send({ topic, acks: -1, messages });
      continue;
    }
    const transaction = await producer.transaction();
    await transaction.send({ topic, acks: -1, messages });
    await transaction.commit();
  }
}

/**
 * Produces the chunks into a new topic with a transactional or an idempotent kafkajs
 * producer (maxInFlightRequests 1, as kafkajs wants for both); the topic is the caller's.
 */
async function kafkajsProduce(
  target: Target,
  chunks: Message[][],
  transactional: boolean,
): Promise<{ sample: Sample; topic: string }> {
  const topic = `txn-${++topicSerial}`;
  await target.createTopic(topic);
  const producer = target.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    ...(transactional ? { transactionalId: `bench-${topic}` } : {}),
  });
  await producer.connect();
  const ns = await timeAsync(() => sendChunks(producer, topic, chunks, transactional));
  await producer.disconnect();
  const count = chunks.reduce((n, c) => n + c.length, 0);
  return { sample: { ns, units: count * VALUE_BYTES }, topic };
}

export async function runBrokerTransactions(ctx: SuiteContext, target: Target): Promise<ResultRow[]> {
  const count = byMode(ctx, 30_000, 6_000, 1_000);
  const chunks = randomChunks(count, PER_TRANSACTION);
  const label = `${count / 1000}k x 1 KiB`;
  const produce = (transactional: boolean) => async (): Promise<Sample> => {
    const { sample, topic } = await kafkajsProduce(target, chunks, transactional);
    await target.deleteTopic(topic);
    return sample;
  };
  log(`broker: kafkajs transactions of ${PER_TRANSACTION} records, ${label}`);
  const written = await compare({
    ...roundsFor(ctx),
    rate: megabytesPerSecond,
    subject: { name: 'transactional', trial: produce(true) },
    baselines: [{ name: 'idempotent, no transaction', trial: produce(false) }],
  });
  log(`broker: kafkajs read_committed consume, ${label}`);
  const source = (await kafkajsProduce(target, chunks, true)).topic;
  const end = await target.endOffset!(source);
  const fetcher = await kafkajsFetcher(target.port);
  const consume = (isolationLevel: 0 | 1) => () =>
    kafkajsConsume(fetcher, source, 0, end, { isolationLevel, records: count });
  const read = await compare({
    ...roundsFor(ctx),
    rate: megabytesPerSecond,
    subject: { name: 'read_committed', trial: consume(1) },
    baselines: [{ name: 'read_uncommitted', trial: consume(0) }],
  });
  await fetcher.disconnect();
  await target.deleteTopic(source);
  return [
    toRow(
      row(
        'broker',
        `kafkajs transactions of ${PER_TRANSACTION} records, ${label}`,
        'throughput',
        'MB/s',
        'the same sends, idempotent, no transaction (maxInFlightRequests 1 both)',
        TRANSACTION_TARGET,
      ),
      written,
    ),
    toRow(
      row(
        'broker',
        `kafkajs consume read_committed (Fetch loop), ${label} in transactions of ${PER_TRANSACTION}`,
        'throughput',
        'MB/s',
        'read_uncommitted (isolation_level 0), same log',
        READ_COMMITTED_TARGET,
      ),
      read,
    ),
  ];
}
