/**
 * Idempotent and transactional producers over a real socket, every sequence and epoch
 * edge as Kafka 3.8 answers it: each expectation names the method of Kafka's
 * storage.internals.log.ProducerAppendInfo / ProducerStateEntry / UnifiedLog it follows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { KafkaErrors } from '../../src/errors.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { BatchAttributes, BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

let broker: Broker;
let client: RawKafkaClient;

beforeEach(async () => {
  broker = await Broker.start({ dataDir: tempDir(), port: 0, logger: createLogger('silent') });
  broker.engine.createTopic('t', { partitions: 1 });
  client = await RawKafkaClient.connect(broker.port);
});

afterEach(async () => {
  client.close();
  await broker.close();
});

const PID = 4000;

interface Idempotent {
  epoch?: number;
  seq: number;
  count?: number;
  transactional?: boolean;
  producerId?: number;
}

function batch({ epoch = 0, seq, count = 1, transactional = false, producerId = PID }: Idempotent): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`r${seq + i}`) }));
  return buildRecordBatch(records, { producerId, producerEpoch: epoch, baseSequence: seq, transactional });
}

/** Produce; a transactional batch goes with a transactional id, which KafkaApis.handleProduceRequest requires of it. */
async function produce(records: Buffer, version = 9): Promise<Struct> {
  const transactional = (records.readInt16BE(BatchHeader.attributes) & BatchAttributes.transactional) !== 0;
  const body = await client.call(ApiKey.Produce, version, {
    transactionalId: transactional ? 'tx' : null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
  });
  return ((body.responses as Struct[])[0]!.partitionResponses as Struct[])[0]!;
}

const partition = () => broker.engine.partition('t', 0);

describe('idempotent producer: sequences and epochs', () => {
  // ProducerStateEntry.findDuplicateBatch, UnifiedLog.append (maybeDuplicate: the original's offsets).
  it('a retried batch is not appended again and answers with the original offset', async () => {
    expect(await produce(batch({ seq: 0, count: 3 }))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(batch({ seq: 3, count: 2 }))).toMatchObject({ errorCode: 0, baseOffset: 3 });
    expect(await produce(batch({ seq: 0, count: 3 }))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(batch({ seq: 3, count: 2 }))).toMatchObject({ errorCode: 0, baseOffset: 3 });
    expect(partition().logEndOffset).toBe(5);
  });

  // Only the last NUM_BATCHES_TO_RETAIN (5) batches are remembered: an older one is out of order.
  it('remembers the last 5 batches only', async () => {
    for (let seq = 0; seq < 6; seq++) await produce(batch({ seq }));
    expect(await produce(batch({ seq: 1 }))).toMatchObject({ errorCode: 0, baseOffset: 1 });
    const oldest = await produce(batch({ seq: 0 }));
    expect(oldest.errorCode).toBe(KafkaErrors.OUT_OF_ORDER_SEQUENCE_NUMBER.code);
    expect(partition().logEndOffset).toBe(6);
  });

  // ProducerAppendInfo.checkSequence: "Out of order sequence number for producer ...".
  it('a gap in the sequence is OUT_OF_ORDER_SEQUENCE_NUMBER and nothing is appended', async () => {
    await produce(batch({ seq: 0 }));
    const response = await produce(batch({ seq: 5 }));
    expect(response).toMatchObject({ errorCode: KafkaErrors.OUT_OF_ORDER_SEQUENCE_NUMBER.code, baseOffset: -1 });
    expect(response.errorMessage).toBe(
      `Out of order sequence number for producer ${PID} at offset 1 in partition t-0: 5 (incoming seq. number), 0 (current end sequence number)`,
    );
    expect(partition().logEndOffset).toBe(1);
    expect(await produce(batch({ seq: 1 }))).toMatchObject({ errorCode: 0, baseOffset: 1 });
  });

  // ProducerAppendInfo.checkProducerEpoch: InvalidProducerEpochException (since 2.7).
  it('an older epoch is INVALID_PRODUCER_EPOCH', async () => {
    await produce(batch({ epoch: 3, seq: 0 }));
    const response = await produce(batch({ epoch: 2, seq: 1 }));
    expect(response.errorCode).toBe(KafkaErrors.INVALID_PRODUCER_EPOCH.code);
    expect(response.errorMessage).toBe(
      `Epoch of producer ${PID} at offset 1 in t-0 is 2, which is smaller than the last seen epoch 3`,
    );
    expect(partition().logEndOffset).toBe(1);
  });

  // ProducerAppendInfo.checkSequence: a new epoch (KIP-360's bump too) must start at 0.
  it('a new epoch must start at sequence 0', async () => {
    await produce(batch({ epoch: 0, seq: 0 }));
    const response = await produce(batch({ epoch: 1, seq: 1 }));
    expect(response.errorCode).toBe(KafkaErrors.OUT_OF_ORDER_SEQUENCE_NUMBER.code);
    expect(response.errorMessage).toMatch(/^Invalid sequence number for new epoch of producer 4000at offset 1/);
    expect(await produce(batch({ epoch: 1, seq: 0 }))).toMatchObject({ errorCode: 0, baseOffset: 1 });
    // The old epoch's batches are forgotten with it: its sequence 0 is no duplicate now, but fenced.
    expect((await produce(batch({ epoch: 0, seq: 0 }))).errorCode).toBe(KafkaErrors.INVALID_PRODUCER_EPOCH.code);
    expect(partition().logEndOffset).toBe(2);
  });

  // ProducerAppendInfo.inSequence: Int32 max is followed by 0; incrementSequence wraps a batch's last sequence.
  it('sequences wrap at Int32 max', async () => {
    const max = 0x7fffffff;
    expect(await produce(batch({ seq: max - 1, count: 2 }))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(batch({ seq: 0, count: 2 }))).toMatchObject({ errorCode: 0, baseOffset: 2 });
    expect(await produce(batch({ seq: max - 1, count: 2 }))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    // A batch that itself wraps: max, 0, 1.
    const wrapping = { producerId: PID + 1, seq: max, count: 3 };
    expect(await produce(batch(wrapping))).toMatchObject({ errorCode: 0, baseOffset: 4 });
    expect(await produce(batch(wrapping))).toMatchObject({ errorCode: 0, baseOffset: 4 });
    expect(await produce(batch({ producerId: PID + 1, seq: 2 }))).toMatchObject({ errorCode: 0, baseOffset: 7 });
    expect(partition().logEndOffset).toBe(8);
  });

  // ProducerAppendInfo.checkSequence: "If there is no current producer epoch ... accept writes with any
  // sequence number" (3.x raises no UNKNOWN_PRODUCER_ID from the log).
  it('a producer the partition does not know may start at any sequence', async () => {
    expect(await produce(batch({ seq: 42 }))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(batch({ seq: 43 }))).toMatchObject({ errorCode: 0, baseOffset: 1 });
    expect(partition().activeProducers()).toEqual([
      expect.objectContaining({ producerId: PID, producerEpoch: 0, lastSequence: 43, currentTxnStartOffset: -1 }),
    ]);
  });

  // ProduceRequest.validateRecords (KafkaApis.handleProduceRequest): v3+ carries exactly one batch.
  it('refuses two batches for one partition in Produce v3+ (INVALID_RECORD)', async () => {
    const two = Buffer.concat([batch({ seq: 0 }), batch({ seq: 1 })]);
    const response = await produce(two);
    expect(response.errorCode).toBe(KafkaErrors.INVALID_RECORD.code);
    expect(response.errorMessage).toBe(
      'Produce requests with version 9 are only allowed to contain exactly one record batch per partition',
    );
    expect(partition().logEndOffset).toBe(0);
  });

  // Batches without a producer id skip producer state (UnifiedLog.analyzeAndValidateProducerState: batch.hasProducerId).
  it('plain batches are appended as often as they are sent', async () => {
    const plain = buildRecordBatch([{ value: Buffer.from('x') }]);
    expect(await produce(plain)).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(plain)).toMatchObject({ errorCode: 0, baseOffset: 1 });
    expect(partition().activeProducers()).toEqual([]);
  });
});

describe('transactions in the log', () => {
  const marker = (type: 'commit' | 'abort', coordinatorEpoch: number, producerEpoch = 0) =>
    partition().append(buildEndTransactionMarkerBatch(type, { producerId: PID, producerEpoch, coordinatorEpoch }), {
      origin: 'coordinator',
    });

  // ProducerAppendInfo.appendDataBatch begins a transaction; appendEndTxnMarker ends it; UnifiedLog's LSO.
  it('a transactional batch holds the last stable offset until its marker', async () => {
    expect(partition().lastStableOffset).toBe(0);
    await produce(buildRecordBatch([{ value: Buffer.from('plain') }]));
    expect(await produce(batch({ seq: 0, count: 2, transactional: true }))).toMatchObject({
      errorCode: 0,
      baseOffset: 1,
    });
    expect(partition().lastStableOffset).toBe(1);
    expect(partition().logEndOffset).toBe(3);
    expect(partition().activeProducers()[0]).toMatchObject({ currentTxnStartOffset: 1 });
    await marker('commit', 5);
    expect(partition().lastStableOffset).toBe(4);
    expect(partition().abortedTransactions(0, 4)).toEqual([]);
    expect(partition().activeProducers()[0]).toMatchObject({ currentTxnStartOffset: -1, coordinatorEpoch: 5 });
  });

  // TransactionIndex: an ABORT marker's transaction is indexed, with the LSO once written.
  it('an aborted transaction is listed for the fetch range it overlaps', async () => {
    await produce(batch({ seq: 0, count: 2, transactional: true }));
    await marker('abort', 0);
    expect(partition().lastStableOffset).toBe(3);
    expect(partition().abortedTransactions(0, 3)).toEqual([{ producerId: PID, firstOffset: 0 }]);
    expect(partition().abortedTransactions(1, 2)).toEqual([{ producerId: PID, firstOffset: 0 }]);
    expect(partition().abortedTransactions(3, 10)).toEqual([]);
  });

  // ProducerAppendInfo.checkCoordinatorEpoch: TransactionCoordinatorFencedException.
  it('a marker from an older coordinator epoch is TRANSACTION_COORDINATOR_FENCED', async () => {
    await produce(batch({ seq: 0, transactional: true }));
    await marker('commit', 3);
    await produce(batch({ seq: 1, transactional: true }));
    await expect(marker('abort', 2)).rejects.toMatchObject({
      code: 'ERR_TRANSACTION_COORDINATOR_FENCED',
      message: `Invalid coordinator epoch for producerId ${PID} at offset 3 in partition t-0: 2 (zombie), 3 (current)`,
    });
    expect(partition().logEndOffset).toBe(3);
    expect(partition().lastStableOffset).toBe(2);
  });

  // appendEndTxnMarker calls checkProducerEpoch first: a marker for an older epoch is refused.
  it('a marker for an older producer epoch is INVALID_PRODUCER_EPOCH', async () => {
    await produce(batch({ epoch: 2, seq: 0, transactional: true }));
    await expect(marker('commit', 0, 1)).rejects.toMatchObject({ code: 'ERR_INVALID_PRODUCER_EPOCH' });
    expect(partition().lastStableOffset).toBe(0);
  });

  // ProducerAppendInfo.appendDataBatch: "Expected transactional write from producer ...".
  it('a plain batch from a producer in a transaction is INVALID_TXN_STATE', async () => {
    await produce(batch({ seq: 0, transactional: true }));
    const response = await produce(batch({ seq: 1 }));
    expect(response.errorCode).toBe(KafkaErrors.INVALID_TXN_STATE.code);
    expect(response.errorMessage).toBe(
      `Expected transactional write from producer ${PID} at offset 1 in partition t-0`,
    );
  });
});

describe('DescribeProducers', () => {
  // Kafka's ReplicaManager.activeProducerState: the partition's producers; an unknown one UNKNOWN_TOPIC_OR_PARTITION.
  it('lists the producers of each partition asked for', async () => {
    await produce(batch({ epoch: 2, seq: 0, count: 3 }));
    await produce(batch({ producerId: PID + 1, seq: 0, transactional: true }));
    const body = await client.call(ApiKey.DescribeProducers, 0, {
      topics: [{ name: 't', partitionIndexes: [0, 7] }],
    });
    const [known, unknown] = (body.topics as Struct[])[0]!.partitions as Struct[];
    expect(known).toMatchObject({ partitionIndex: 0, errorCode: 0, errorMessage: null });
    expect(known!.activeProducers).toEqual([
      {
        producerId: PID,
        producerEpoch: 2,
        lastSequence: 2,
        lastTimestamp: expect.any(Number),
        coordinatorEpoch: -1,
        currentTxnStartOffset: -1,
      },
      expect.objectContaining({ producerId: PID + 1, producerEpoch: 0, lastSequence: 0, currentTxnStartOffset: 3 }),
    ]);
    expect(unknown).toMatchObject({
      partitionIndex: 7,
      errorCode: KafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code,
      activeProducers: [],
    });
  });
});

describe('producer.id.expiration.ms', () => {
  // ProducerStateManager.removeExpiredProducers, run every producer.id.expiration.check.interval.ms
  // (UnifiedLog's producer-expiration task): a producer idle past producer.id.expiration.ms is
  // forgotten, so its next batch may start at any sequence (ProducerAppendInfo.checkSequence).
  it('forgets an idle producer after the broker setting, and then takes any sequence from it', async () => {
    const settings = { 'producer.id.expiration.ms': '300', 'producer.id.expiration.check.interval.ms': '50' };
    const expiring = await Broker.start({ dataDir: tempDir(), port: 0, settings, logger: createLogger('silent') });
    try {
      expiring.engine.createTopic('t', { partitions: 1 });
      const p = expiring.engine.partition('t', 0);
      await p.append(batch({ seq: 0 }));
      await expect(p.append(batch({ seq: 42 }))).rejects.toMatchObject({
        kafka: KafkaErrors.OUT_OF_ORDER_SEQUENCE_NUMBER,
      });
      await expect.poll(() => p.activeProducers().length, { timeout: 5000, interval: 50 }).toBe(0);
      expect(await p.append(batch({ seq: 42 }))).toMatchObject({ baseOffset: 1 });
    } finally {
      await expiring.close();
    }
  });
});
