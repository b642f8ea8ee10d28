/**
 * The embedded transactional producer (Kafka's KafkaProducer with transactional.id and its
 * TransactionManager state machine), over the engine's transaction coordinator, read back
 * by read_committed and read_uncommitted embedded consumers. Each expectation is Kafka's:
 * - commit/abort: the coordinator's markers make a transaction's records visible to
 *   read_committed consumers or skip them (TransactionCoordinator.endTransaction); until
 *   then the last stable offset holds read_committed consumers before the transaction;
 * - fencing: InitProducerId with the same transactional id aborts the open transaction and
 *   bumps the epoch (prepareInitProducerIdTransit); the old producer's EndTxn and
 *   AddPartitionsToTxn get PRODUCER_FENCED, a fatal error (TransactionManager.maybeTransitionToErrorState);
 *   its append to a partition already in the transaction gets INVALID_PRODUCER_EPOCH from
 *   the log (ProducerAppendInfo.checkProducerEpoch), abortable, and its abort is fenced;
 * - offsets sent in a transaction are the group's only once it commits (TxnOffsetCommit,
 *   GroupMetadata.completePendingTxnOffsetCommit);
 * - the coordinator aborts a transaction open past transaction.timeout.ms
 *   (abortTimedOutTransactions), after which its producer is fenced;
 * - a call out of turn is refused as Kafka's client refuses it (IllegalStateException).
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { IsolationLevel } from '../../src/client/Consumer.js';
import type { Producer, ProducerOptions } from '../../src/client/Producer.js';
import { Tributary, type TributaryOptions } from '../../src/client/Tributary.js';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { refusal } from '../helpers/refusal.js';
import { tempDir } from '../helpers/tmp.js';

const opened: Tributary[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close().catch(() => undefined);
});

async function open(dataDir = tempDir(), options: Partial<TributaryOptions> = {}): Promise<Tributary> {
  const t = await Tributary.open({ dataDir, ...options });
  opened.push(t);
  return t;
}

async function withTopics(options: Partial<TributaryOptions> = {}): Promise<Tributary> {
  const t = await open(undefined, options);
  await t.admin.createTopic('events', { partitions: 2 });
  await t.admin.createTopic('audit', { partitions: 1 });
  return t;
}

async function transactional(t: Tributary, options: ProducerOptions = {}): Promise<Producer> {
  const producer = t.producer({ transactionalId: 'tx', lingerMs: 0, ...options });
  await producer.initTransactions();
  return producer;
}

const records = (...values: string[]) => values.map((value) => ({ value }));
const PARTITIONS = [
  { topic: 'events', partition: 0 },
  { topic: 'events', partition: 1 },
  { topic: 'audit', partition: 0 },
];

/**
 * Every value `isolationLevel` reads from the partitions, up to their end offsets (the last
 * stable offset for read_committed). Skipped control and aborted batches move the position
 * without handing out a batch, so the position is checked while waiting for one.
 */
async function read(t: Tributary, isolationLevel: IsolationLevel, partitions = PARTITIONS): Promise<string[]> {
  const consumer = t.consumer({ isolationLevel });
  try {
    consumer.assign(partitions.map((tp) => ({ ...tp, offset: 'earliest' as const })));
    const ends = consumer.endOffsets(partitions);
    const values: string[] = [];
    const batches = consumer.batches();
    let next = batches.next();
    while (!ends.every((e) => consumer.position(e) >= e.offset)) {
      const result = await Promise.race([next, sleep(10).then(() => null)]);
      if (result === null) continue;
      if (result.done === true) break;
      const batch = result.value;
      values.push(...batch.records.map((r) => `${batch.topic}-${batch.partition}:${r.value!.toString()}`));
      next = batches.next();
    }
    return values.sort();
  } finally {
    await consumer.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sorted = (...values: string[]) => [...values].sort();

describe('transactional producer: commit and abort', () => {
  test('a transaction over several topics and partitions is invisible to read_committed until it commits', async () => {
    const t = await withTopics();
    const producer = await transactional(t);
    producer.beginTransaction();
    await producer.send('events', [
      { value: 'a', partition: 0 },
      { value: 'b', partition: 1 },
    ]);
    await producer.send('audit', records('c'));
    expect(await read(t, 'read_uncommitted')).toEqual(sorted('events-0:a', 'events-1:b', 'audit-0:c'));
    expect(await read(t, 'read_committed')).toEqual([]);
    await producer.commitTransaction();
    expect(producer.transactionState).toBe('READY');
    expect(await read(t, 'read_committed')).toEqual(sorted('events-0:a', 'events-1:b', 'audit-0:c'));
  });

  test('an aborted transaction is never seen by read_committed; the next one commits', async () => {
    const t = await withTopics();
    const producer = await transactional(t);
    producer.beginTransaction();
    await producer.send('events', [{ value: 'aborted', partition: 0 }]);
    await producer.abortTransaction();
    expect(await read(t, 'read_committed')).toEqual([]);
    producer.beginTransaction();
    // Not awaited: commitTransaction flushes what is still lingering first, as Kafka's does.
    const sent = producer.send('events', [{ value: 'committed', partition: 0 }]);
    await producer.commitTransaction();
    await sent;
    expect(await read(t, 'read_committed')).toEqual(['events-0:committed']);
    expect(await read(t, 'read_uncommitted')).toEqual(sorted('events-0:aborted', 'events-0:committed'));
  });

  test('a transaction with no record sent commits and aborts without the coordinator', async () => {
    const t = await withTopics();
    const producer = await transactional(t);
    producer.beginTransaction();
    await producer.commitTransaction();
    producer.beginTransaction();
    await producer.abortTransaction();
    expect(producer.transactionState).toBe('READY');
  });
});

describe('transactional producer: a failed batch', () => {
  test('leaves the transaction abortable; the abort takes a new epoch and the producer goes on (KIP-360)', async () => {
    const t = await withTopics();
    const producer = await transactional(t, { lingerMs: 60_000 });
    producer.beginTransaction();
    const kept = producer.send('audit', records('kept'));
    await producer.flush();
    await kept;
    const lost = producer.send('events', [{ value: 'lost', partition: 0 }]);
    // The topic goes while the batch lingers: its append fails (maybeTransitionToErrorState: abortable).
    await t.admin.deleteTopic('events');
    await producer.flush();
    expect(await refusal(() => lost)).toMatchObject({ code: 'ERR_UNKNOWN_TOPIC_OR_PARTITION' });
    expect(producer.transactionState).toBe('ABORTABLE_ERROR');
    expect(await refusal(() => producer.commitTransaction())).toMatchObject({ code: 'ERR_UNKNOWN_TOPIC_OR_PARTITION' });
    const before = (await t.admin.describeProducers('audit', 0))[0]!.producerEpoch;
    await producer.abortTransaction();
    expect(producer.transactionState).toBe('READY');
    producer.beginTransaction();
    await Promise.all([producer.send('audit', records('next')), producer.commitTransaction()]);
    expect((await t.admin.describeProducers('audit', 0))[0]!.producerEpoch).toBeGreaterThan(before);
    expect(await read(t, 'read_committed', [PARTITIONS[2]!])).toEqual(['audit-0:next']);
  });
});

describe('transactional producer: fencing', () => {
  test('a second producer with the transactional id fences the first and aborts its transaction', async () => {
    const t = await withTopics();
    const first = await transactional(t);
    first.beginTransaction();
    await first.send('events', [{ value: 'fenced', partition: 0 }]);
    const second = await transactional(t);
    expect(await refusal(() => first.commitTransaction())).toMatchObject({ code: 'ERR_PRODUCER_FENCED' });
    expect(first.transactionState).toBe('FATAL_ERROR');
    // Fatal: every later call is refused with the same error.
    expect(() => first.beginTransaction()).toThrow(expect.objectContaining({ code: 'ERR_PRODUCER_FENCED' }));
    expect(await read(t, 'read_committed')).toEqual([]);
    second.beginTransaction();
    await second.send('events', [{ value: 'second', partition: 0 }]);
    await second.commitTransaction();
    expect(await read(t, 'read_committed')).toEqual(['events-0:second']);
  });

  test('a fenced producer sending to a new partition is refused by AddPartitionsToTxn', async () => {
    const t = await withTopics();
    const first = await transactional(t);
    first.beginTransaction();
    await transactional(t);
    expect(await refusal(() => first.send('audit', records('late')))).toMatchObject({ code: 'ERR_PRODUCER_FENCED' });
    expect(first.transactionState).toBe('FATAL_ERROR');
    expect(await read(t, 'read_uncommitted')).toEqual([]);
  });

  test('a fenced producer appending to a partition of its transaction gets INVALID_PRODUCER_EPOCH, then is fenced', async () => {
    const t = await withTopics();
    const first = await transactional(t);
    first.beginTransaction();
    await first.send('events', [{ value: 'a', partition: 0 }]);
    await transactional(t);
    expect(await refusal(() => first.send('events', [{ value: 'b', partition: 0 }]))).toMatchObject({
      code: 'ERR_INVALID_PRODUCER_EPOCH',
    });
    expect(first.transactionState).toBe('ABORTABLE_ERROR');
    expect(await refusal(() => first.commitTransaction())).toMatchObject({ code: 'ERR_INVALID_PRODUCER_EPOCH' });
    expect(await refusal(() => first.abortTransaction())).toMatchObject({ code: 'ERR_PRODUCER_FENCED' });
    expect(await read(t, 'read_uncommitted')).toEqual(['events-0:a']);
    expect(await read(t, 'read_committed')).toEqual([]);
  });
});

describe('transactional producer: sendOffsetsToTransaction', () => {
  async function committedOffset(t: Tributary, groupId: string): Promise<number> {
    const groups = await t.groupCoordinator();
    const fetched = await groups.fetchOffsets({
      groupId,
      partitions: [{ topic: 'events', partition: 0 }],
      requireStable: false,
    });
    return fetched.offsets[0]!.offset;
  }

  test("offsets sent in a transaction become the group's committed offsets on commit, never on abort", async () => {
    const t = await withTopics();
    const producer = await transactional(t);
    producer.beginTransaction();
    await producer.sendOffsetsToTransaction([{ topic: 'events', partition: 0, offset: 7 }], 'aborted-group');
    await producer.abortTransaction();
    expect(await committedOffset(t, 'aborted-group')).toBe(-1);

    producer.beginTransaction();
    await producer.send('audit', records('out'));
    await producer.sendOffsetsToTransaction([{ topic: 'events', partition: 0, offset: 5 }], 'g');
    expect(await committedOffset(t, 'g')).toBe(-1);
    await producer.commitTransaction();
    expect(await committedOffset(t, 'g')).toBe(5);
    expect(await read(t, 'read_committed')).toEqual(['audit-0:out']);
  });

  test("a group member's offsets commit with its groupMetadata; a GroupConsumer sees them after commit", async () => {
    const t = await withTopics();
    const consumer = t.consumer({ groupId: 'members', sessionTimeoutMs: 6000 });
    consumer.subscribe(['events']);
    const iterator = consumer.batches()[Symbol.asyncIterator]();
    const producer = await transactional(t);
    const input = t.producer();
    await input.send('events', [{ value: 'in', partition: 0 }]);
    const batch = (await iterator.next()).value!;
    producer.beginTransaction();
    await producer.send('audit', records('out'));
    const metadata = consumer.groupMetadata();
    expect(metadata.generationId).toBeGreaterThan(0);
    await producer.sendOffsetsToTransaction(
      [{ topic: batch.topic, partition: batch.partition, offset: batch.records.at(-1)!.offset + 1 }],
      metadata,
    );
    await producer.commitTransaction();
    expect(await consumer.committed([{ topic: 'events', partition: 0 }])).toMatchObject([{ offset: 1 }]);
    await iterator.return?.(undefined);
  });
});

describe('transactional producer: the coordinator aborts a transaction past its timeout', () => {
  test('a transaction older than transactionTimeoutMs is aborted, and its producer fenced', async () => {
    const t = await withTopics({ transactions: { abortTimedOutTransactionsIntervalMs: 20 } });
    const producer = await transactional(t, { transactionTimeoutMs: 100 });
    producer.beginTransaction();
    await producer.send('events', [{ value: 'hung', partition: 0 }]);
    await waitFor(async () => (await read(t, 'read_committed', [PARTITIONS[0]!])).length === 0 && isStable(t));
    expect(await refusal(() => producer.commitTransaction())).toMatchObject({ code: 'ERR_PRODUCER_FENCED' });
    expect(await read(t, 'read_committed')).toEqual([]);
    expect(await read(t, 'read_uncommitted')).toEqual(['events-0:hung']);
  });
});

/** The last stable offset of events-0 has reached its end: no transaction is open on it. */
function isStable(t: Tributary): boolean {
  const tp = { topic: 'events', partition: 0 };
  const committed = t.consumer({ isolationLevel: 'read_committed' });
  const uncommitted = t.consumer({ isolationLevel: 'read_uncommitted' });
  const stable = committed.endOffsets([tp])[0]!.offset === uncommitted.endOffsets([tp])[0]!.offset;
  void committed.close();
  void uncommitted.close();
  return stable;
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
}

describe('transactional producer: restart mid-transaction', () => {
  async function openTransactionThenRestart(options: Partial<TributaryOptions> = {}): Promise<Tributary> {
    const dir = tempDir();
    const before = await open(dir, options);
    await before.admin.createTopic('events', { partitions: 2 });
    await before.admin.createTopic('audit', { partitions: 1 });
    const producer = await transactional(before, { transactionTimeoutMs: 1000 });
    producer.beginTransaction();
    await producer.send('events', [{ value: 'open', partition: 1 }]);
    await producer.send('audit', records('open'));
    await before.close();
    const after = await open(dir, options);
    expect(await read(after, 'read_uncommitted')).toEqual(sorted('events-1:open', 'audit-0:open'));
    expect(await read(after, 'read_committed')).toEqual([]);
    return after;
  }

  test('the next initTransactions with the same id aborts the transaction left open', async () => {
    const t = await openTransactionThenRestart();
    const producer = await transactional(t);
    expect(isStable(t)).toBe(true);
    producer.beginTransaction();
    await producer.send('audit', records('after'));
    await producer.commitTransaction();
    expect(await read(t, 'read_committed')).toEqual(['audit-0:after']);
  });

  test('the coordinator aborts the transaction left open after its timeout', async () => {
    const t = await openTransactionThenRestart({ transactions: { abortTimedOutTransactionsIntervalMs: 20 } });
    // The coordinator opens with the first transactional use of the directory, or a broker.
    await t.brokerResources();
    await waitFor(() => {
      const tp = { topic: 'audit', partition: 0 };
      const c = t.consumer({ isolationLevel: 'read_committed' });
      const end = c.endOffsets([tp])[0]!.offset;
      void c.close();
      return end === 2;
    });
    expect(await read(t, 'read_committed')).toEqual([]);
  });
});

describe('transactional producer: calls out of turn', () => {
  test("refused as Kafka's TransactionManager refuses them, with ERR_ILLEGAL_STATE", async () => {
    const t = await withTopics();
    const producer = t.producer({ transactionalId: 'tx' });
    await expect(producer.send('events', records('x'))).rejects.toMatchObject({
      code: 'ERR_ILLEGAL_STATE',
      message: "Cannot perform a 'send' before completing a call to initTransactions",
    });
    expect(() => producer.beginTransaction()).toThrow(
      expect.objectContaining({
        code: 'ERR_ILLEGAL_STATE',
        message: expect.stringContaining('from state UNINITIALIZED'),
      }),
    );
    await producer.initTransactions();
    await expect(producer.initTransactions()).rejects.toMatchObject({ code: 'ERR_ILLEGAL_STATE' });
    await expect(producer.send('events', records('x'))).rejects.toMatchObject({
      code: 'ERR_ILLEGAL_STATE',
      message: 'Cannot call send in state READY',
    });
    await expect(producer.commitTransaction()).rejects.toMatchObject({ code: 'ERR_ILLEGAL_STATE' });
    await expect(producer.abortTransaction()).rejects.toMatchObject({ code: 'ERR_ILLEGAL_STATE' });
    await expect(producer.sendOffsetsToTransaction([], 'g')).rejects.toMatchObject({
      code: 'ERR_ILLEGAL_STATE',
      message: 'Cannot send offsets if a transaction is not in progress (currentState= READY)',
    });
    producer.beginTransaction();
    expect(() => producer.beginTransaction()).toThrow(expect.objectContaining({ code: 'ERR_ILLEGAL_STATE' }));
    const committing = producer.commitTransaction();
    await expect(producer.abortTransaction()).rejects.toMatchObject({ code: 'ERR_ILLEGAL_STATE' });
    await committing;
    expect(producer.transactionState).toBe('READY');
  });

  test('transactional calls on a producer without a transactionalId, and a transactionalId without idempotence', async () => {
    const t = await withTopics();
    const idempotent = t.producer();
    await expect(idempotent.initTransactions()).rejects.toMatchObject({
      code: 'ERR_ILLEGAL_STATE',
      message: 'Transactional method invoked on a non-transactional producer.',
    });
    expect(() => t.producer({ idempotence: false }).beginTransaction()).toThrow(
      expect.objectContaining({ code: 'ERR_ILLEGAL_STATE' }),
    );
    expect(() => t.producer({ transactionalId: 'tx', idempotence: false })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
    );
    expect(() => t.producer({ transactionalId: '' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }));
  });
});

describe('one transaction coordinator per engine', () => {
  test('a broker serving the Tributary shares its transaction coordinator', async () => {
    const t = await withTopics();
    const producer = await transactional(t);
    const broker = await Broker.start({ tributary: t, port: 0, logger: createLogger('silent') });
    try {
      expect(broker.transactions).toBe((await t.brokerResources()).transactions);
      expect(broker.transactions.transactionState('tx')).toBe('Empty');
      producer.beginTransaction();
      await producer.send('audit', records('x'));
      expect(broker.transactions.transactionState('tx')).toBe('Ongoing');
      await producer.commitTransaction();
      expect(broker.transactions.transactionState('tx')).toBe('CompleteCommit');
    } finally {
      await broker.close();
    }
    // The broker leaves the Tributary's coordinator open.
    producer.beginTransaction();
    await producer.send('audit', records('y'));
    await producer.commitTransaction();
  });

  test('a kafkajs producer through the broker and an embedded one share transactional ids: the later fences the earlier', async () => {
    const t = await withTopics();
    const embedded = await transactional(t);
    embedded.beginTransaction();
    await embedded.send('audit', records('embedded'));
    const broker = await Broker.start({ tributary: t, port: 0, logger: createLogger('silent') });
    const remote = kafkaClient(broker.port).producer({
      transactionalId: 'tx',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    try {
      await remote.connect();
      const transaction = await remote.transaction();
      await transaction.send({ topic: 'audit', acks: -1, messages: [{ value: 'kafkajs' }] });
      await transaction.commit();
      expect(await refusal(() => embedded.commitTransaction())).toMatchObject({ code: 'ERR_PRODUCER_FENCED' });
      expect(await read(t, 'read_committed')).toEqual(['audit-0:kafkajs']);
    } finally {
      await remote.disconnect();
      await broker.close();
    }
  });
});
