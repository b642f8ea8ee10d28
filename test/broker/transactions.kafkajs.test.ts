/**
 * kafkajs 2.2.4's transactional producer against the broker: commit, abort, offsets sent
 * in the transaction, and a second producer with the same transactional id fencing the
 * first. The markers are checked in the partitions themselves (read uncommitted through
 * the engine), and the same partitions are then read by kafkajs consumers, as Kafka's
 * Fetcher reads them: with `readUncommitted: false` (read_committed: Fetch stops at the last
 * stable offset and lists the aborted transactions, which the client drops, as
 * CompletedFetch.nextFetchedRecord does) every committed record and no aborted one, with
 * `readUncommitted: true` every data record; neither sees a marker, whose offset is skipped.
 */
import type { Kafka, Producer } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { controlRecordType } from '../../src/record/ControlRecord.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { consumeFromStart, kafkaClient } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

const TOPIC = 'orders';

let broker: Broker;
let kafka: Kafka;
const producers: Producer[] = [];

beforeEach(async () => {
  broker = await Broker.start({
    dataDir: tempDir(),
    port: 0,
    logger: createLogger('silent'),
    settings: { 'offsets.topic.num.partitions': '3', 'transaction.state.log.num.partitions': '3' },
  });
  broker.engine.createTopic(TOPIC, { partitions: 2 });
  kafka = kafkaClient(broker.port);
});

afterEach(async () => {
  for (const p of producers.splice(0)) await p.disconnect().catch(() => undefined);
  await broker.close();
});

async function transactionalProducer(transactionalId: string): Promise<Producer> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  producers.push(producer);
  await producer.connect();
  return producer;
}

/** Each batch of the partition: a marker's type, or the values of a data batch, with its producer. */
function partitionContent(partition: number, topic = TOPIC): { content: string; producerId: number }[] {
  const log = broker.engine.partition(topic, partition);
  const { records } = log.read(log.logStartOffset, 1 << 20);
  return [...RecordBatch.all(records)].map((b) => ({
    content: b.isControl
      ? `<${controlRecordType([...b.records()][0]!.key)}>`
      : [...b.records()].map((r) => String(r.value)).join(','),
    producerId: b.producerId,
  }));
}

async function transactionState(transactionalId: string, state: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (broker.transactions.transactionState(transactionalId) !== state) {
    if (Date.now() > deadline) throw new Error(`${transactionalId} never reached ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let readers = 0;

/**
 * After a plain `end` record on `partition`, kafkajs consumers read TOPIC at both isolation levels:
 * read_committed must give `committed` then `end`, read_uncommitted `committed` and `aborted` in
 * offset order, then `end`. Records are [offset, value].
 */
async function expectConsumed(
  partition: number,
  committed: [number, string][],
  aborted: [number, string][],
  endOffset: number,
): Promise<void> {
  const plain = kafka.producer();
  producers.push(plain);
  await plain.connect();
  await plain.send({ topic: TOPIC, messages: [{ value: 'end', partition }] });
  const end: [number, string] = [endOffset, 'end'];
  const all = [...committed, ...aborted].sort((a, b) => a[0] - b[0]);
  for (const [readUncommitted, expected] of [
    [false, [...committed, end]],
    [true, [...all, end]],
  ] as const) {
    const groupId = `reader-${++readers}`;
    const records = await consumeFromStart(kafka, TOPIC, expected.length, { groupId, readUncommitted });
    expect(records.map((r) => [r.partition, r.offset, r.value])).toEqual(expected.map(([o, v]) => [partition, o, v]));
  }
}

describe('kafkajs transactions', () => {
  it('commits: the records, then a COMMIT marker in the partition', async () => {
    const producer = await transactionalProducer('tx-commit');
    const txn = await producer.transaction();
    await txn.send({
      topic: TOPIC,
      messages: [
        { value: 'a', partition: 0 },
        { value: 'b', partition: 0 },
      ],
    });
    await txn.commit();
    await transactionState('tx-commit', 'CompleteCommit');
    const content = partitionContent(0);
    expect(content.map((c) => c.content)).toEqual(['a,b', '<commit>']);
    expect(new Set(content.map((c) => c.producerId)).size).toBe(1);
    expect(partitionContent(1)).toEqual([]);
    await expectConsumed(
      0,
      [
        [0, 'a'],
        [1, 'b'],
      ],
      [],
      3,
    );
  });

  it('aborts: an ABORT marker after the records', async () => {
    const producer = await transactionalProducer('tx-abort');
    const txn = await producer.transaction();
    await txn.send({ topic: TOPIC, messages: [{ value: 'x', partition: 1 }] });
    await txn.abort();
    await transactionState('tx-abort', 'CompleteAbort');
    expect(partitionContent(1).map((c) => c.content)).toEqual(['x', '<abort>']);
    await expectConsumed(1, [], [[0, 'x']], 2);
  });

  it('sendOffsets: the group’s offsets are committed with the transaction, and not on abort', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const producer = await transactionalProducer('tx-offsets');
      const offsetsOf = async () =>
        (await admin.fetchOffsets({ groupId: 'copier', topics: [TOPIC] }))[0]!.partitions.find(
          (p) => p.partition === 0,
        )!.offset;

      // A record and the group's offset 5, then 7, in one transaction each: the first aborted, the second committed.
      for (const [offset, commit] of [
        [5, false],
        [7, true],
      ] as const) {
        const txn = await producer.transaction();
        await txn.send({ topic: TOPIC, messages: [{ value: `up to ${offset}`, partition: 0 }] });
        await txn.sendOffsets({
          consumerGroupId: 'copier',
          topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: String(offset) }] }],
        });
        await (commit ? txn.commit() : txn.abort());
        await transactionState('tx-offsets', commit ? 'CompleteCommit' : 'CompleteAbort');
        if (!commit) expect(await offsetsOf()).toBe('-1');
      }
      expect(await offsetsOf()).toBe('7');
      const offsetsPartition = broker.groups.partitionFor('copier');
      expect(partitionContent(offsetsPartition, '__consumer_offsets').map((c) => c.content)).toEqual([
        expect.any(String),
        '<abort>',
        expect.any(String),
        '<commit>',
      ]);
      await expectConsumed(0, [[2, 'up to 7']], [[0, 'up to 5']], 4);
    } finally {
      await admin.disconnect();
    }
  });

  it('a second producer with the same transactional id fences the first, whose open transaction is aborted', async () => {
    const first = await transactionalProducer('tx-fenced');
    const txn = await first.transaction();
    await txn.send({ topic: TOPIC, messages: [{ value: 'zombie', partition: 0 }] });

    // kafkajs sends InitProducerId as the first transaction begins: CONCURRENT_TRANSACTIONS while the
    // open transaction is aborted, then, retried, the next epoch.
    const second = await transactionalProducer('tx-fenced');
    const next = await second.transaction();
    expect(broker.transactions.transactionState('tx-fenced')).toBe('Empty');
    expect(partitionContent(0).map((c) => c.content)).toEqual(['zombie', '<abort>']);

    await expect(txn.commit()).rejects.toThrow(/epoch/i);
    await next.send({ topic: TOPIC, messages: [{ value: 'fresh', partition: 0 }] });
    await next.commit();
    await transactionState('tx-fenced', 'CompleteCommit');
    expect(partitionContent(0).map((c) => c.content)).toEqual(['zombie', '<abort>', 'fresh', '<commit>']);
    await expectConsumed(0, [[2, 'fresh']], [[0, 'zombie']], 4);
  });
});
