/**
 * kafkajs 2.2.4's transactional producer against the broker: commit, abort, offsets sent
 * in the transaction, and a second producer with the same transactional id fencing the
 * first. The markers are checked in the partitions themselves (read uncommitted through
 * the engine); what read_committed consumers make of them is not tested here.
 */
import type { Kafka, Producer } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { controlRecordType } from '../../src/record/ControlRecord.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { kafkaClient } from '../helpers/kafkajs.js';
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
  });

  it('aborts: an ABORT marker after the records', async () => {
    const producer = await transactionalProducer('tx-abort');
    const txn = await producer.transaction();
    await txn.send({ topic: TOPIC, messages: [{ value: 'x', partition: 1 }] });
    await txn.abort();
    await transactionState('tx-abort', 'CompleteAbort');
    expect(partitionContent(1).map((c) => c.content)).toEqual(['x', '<abort>']);
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
  });
});
