/**
 * The transaction coordinator over a real socket: each expectation is the answer of
 * Kafka's TransactionCoordinator (the method named in the test) as KafkaApis sends it,
 * the markers it leaves in the partitions, `__transaction_state` reloaded at restart,
 * and the group coordinator's pending transactional offsets.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { Engine } from '../../src/engine/Engine.js';
import { ApiKey, type Struct } from '../../src/protocol/index.js';
import { KafkaErrors as E } from '../../src/errors.js';
import { controlRecordType, readEndTransactionMarker } from '../../src/record/ControlRecord.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import {
  transactionLogKey,
  transactionLogValue,
  type TransactionLogValueData,
} from '../../src/transaction/TransactionLog.js';
import { TRANSACTION_STATE_TOPIC_NAME } from '../../src/transaction/TransactionStateManager.js';
import { partitionForKey } from '../../src/engine/InternalTopic.js';
import { PRODUCER_ID_BLOCK_FILE } from '../../src/engine/FileProducerIdManager.js';
import { RawKafkaClient } from '../helpers/rawKafkaClient.js';
import { tempDir } from '../helpers/tmp.js';

let broker: Broker;
let client: RawKafkaClient;

async function start(dataDir = tempDir(), settings: Record<string, string> = {}): Promise<void> {
  broker = await Broker.start({ dataDir, port: 0, settings, logger: createLogger('silent') });
  if (!broker.engine.hasTopic('t')) broker.engine.createTopic('t', { partitions: 2 });
  client = await RawKafkaClient.connect(broker.port);
}

async function restart(settings: Record<string, string> = {}): Promise<void> {
  const dataDir = broker.engine.dataDir;
  client.close();
  await broker.close();
  await start(dataDir, settings);
}

afterEach(async () => {
  client.close();
  await broker.close();
});

const call = (apiKey: number, version: number, body: Struct) => client.call(apiKey, version, body);

interface Producer {
  producerId: number;
  producerEpoch: number;
}

async function initProducerId(
  transactionalId: string,
  options: { timeoutMs?: number; version?: number; expected?: Producer } = {},
): Promise<Struct> {
  return call(ApiKey.InitProducerId, options.version ?? 4, {
    transactionalId,
    transactionTimeoutMs: options.timeoutMs ?? 60_000,
    producerId: options.expected?.producerId ?? -1,
    producerEpoch: options.expected?.producerEpoch ?? -1,
  });
}

async function init(transactionalId: string, timeoutMs?: number): Promise<Producer> {
  const body = await initProducerId(transactionalId, { timeoutMs });
  expect(body.errorCode).toBe(0);
  return { producerId: body.producerId as number, producerEpoch: body.producerEpoch as number };
}

async function addPartitions(id: string, p: Producer, partitions: number[], version = 3): Promise<number[]> {
  const body = await call(ApiKey.AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: id,
    v3AndBelowProducerId: p.producerId,
    v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: [{ name: 't', partitions }],
  });
  const [topic] = body.resultsByTopicV3AndBelow as Struct[];
  return (topic!.resultsByPartition as Struct[]).map((r) => r.partitionErrorCode as number);
}

async function endTxn(id: string, p: Producer, committed: boolean, version = 3): Promise<number> {
  const body = await call(ApiKey.EndTxn, version, { transactionalId: id, ...p, committed });
  return body.errorCode as number;
}

async function describe1(id: string): Promise<Struct> {
  const body = await call(ApiKey.DescribeTransactions, 0, { transactionalIds: [id] });
  return (body.transactionStates as Struct[])[0]!;
}

async function waitForState(id: string, state: string, timeoutMs = 5_000): Promise<Struct> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = await describe1(id);
    if (described.transactionState === state) return described;
    if (Date.now() > deadline) throw new Error(`${id} stayed ${String(described.transactionState)}, not ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The control batches of t-partition, read uncommitted through the engine: type, producer, epoch. */
function markers(partition: number, topic = 't'): { type: string; producerId: number; producerEpoch: number }[] {
  const log = broker.engine.partition(topic, partition);
  const { records } = log.read(log.logStartOffset, 1 << 20);
  return [...RecordBatch.all(records)]
    .filter((b) => b.isControl)
    .map((b) => ({
      type: controlRecordType([...b.records()][0]!.key),
      producerId: b.producerId,
      producerEpoch: b.producerEpoch,
      coordinatorEpoch: readEndTransactionMarker([...b.records()][0]!).coordinatorEpoch,
    }))
    .map(({ coordinatorEpoch, ...m }) => {
      expect(coordinatorEpoch).toBe(0);
      return m;
    });
}

function transactionalBatch(p: Producer, value: string): Buffer {
  return buildRecordBatch([{ value: Buffer.from(value) }], { ...p, baseSequence: 0, transactional: true });
}

async function produce(id: string, records: Buffer, partition = 0): Promise<number> {
  const body = await call(ApiKey.Produce, 7, {
    transactionalId: id,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: 't', partitionData: [{ index: partition, records }] }],
  });
  return ((body.responses as Struct[])[0]!.partitionResponses as Struct[])[0]!.errorCode as number;
}

describe('finding the coordinator and starting', () => {
  it('FindCoordinator with key type 1 names this node, as for groups (KafkaApis.handleFindCoordinatorRequest)', async () => {
    await start();
    const old = await call(ApiKey.FindCoordinator, 2, { key: 'tx', keyType: 1 });
    expect(old).toMatchObject({ errorCode: 0, nodeId: broker.config.nodeId, port: broker.port });
    const batched = await call(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['a', 'b'] });
    expect(batched.coordinators).toMatchObject([
      { key: 'a', errorCode: 0, port: broker.port },
      { key: 'b', errorCode: 0, port: broker.port },
    ]);
  });

  it('refuses a timeout above transaction.max.timeout.ms or not positive with INVALID_TRANSACTION_TIMEOUT (validateTransactionTimeoutMs)', async () => {
    await start(tempDir(), { 'transaction.max.timeout.ms': '1000' });
    expect(await initProducerId('tx', { timeoutMs: 1001 })).toMatchObject({ errorCode: 50, producerId: -1 });
    expect(await initProducerId('tx', { timeoutMs: 0 })).toMatchObject({ errorCode: 50 });
    expect(await initProducerId('tx', { timeoutMs: 1000 })).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(await initProducerId('', {})).toMatchObject({ errorCode: E.INVALID_REQUEST.code });
  });

  it('bumps the epoch on each InitProducerId and, with KIP-360 ids, fences a stranger (prepareInitProducerIdTransit)', async () => {
    await start();
    const first = await init('tx');
    expect(first.producerEpoch).toBe(0);
    const second = await init('tx');
    expect(second).toEqual({ producerId: first.producerId, producerEpoch: 1 });
    // The current producer asks to bump its own epoch (v3+): the same id, the next epoch.
    expect(await initProducerId('tx', { expected: second })).toMatchObject({ errorCode: 0, producerEpoch: 2 });
    // A retry of that bump (the epoch it had) gets the same answer without another bump.
    expect(await initProducerId('tx', { expected: second })).toMatchObject({ errorCode: 0, producerEpoch: 2 });
    const stranger = { producerId: first.producerId + 1000, producerEpoch: 0 };
    expect(await initProducerId('tx', { expected: stranger })).toMatchObject({ errorCode: E.PRODUCER_FENCED.code });
    expect(await initProducerId('tx', { expected: stranger, version: 3 })).toMatchObject({
      errorCode: E.INVALID_PRODUCER_EPOCH.code,
    });
    // Only one of the two: INVALID_REQUEST (KafkaApis.handleInitProducerIdRequest).
    expect(
      await call(ApiKey.InitProducerId, 4, {
        transactionalId: 'tx',
        transactionTimeoutMs: 1000,
        producerId: 5,
        producerEpoch: -1,
      }),
    ).toMatchObject({ errorCode: E.INVALID_REQUEST.code });
  });

  it('answers a producer id it cannot reserve with that error, and hands out none of the block (Errors.forException)', async () => {
    const dataDir = tempDir();
    await start(dataDir);
    // The block's file cannot be written: its temporary name is taken by a directory.
    const obstacle = join(dataDir, `${PRODUCER_ID_BLOCK_FILE}.tmp`);
    mkdirSync(obstacle);
    const storageError = { errorCode: E.KAFKA_STORAGE_ERROR.code, producerId: -1, producerEpoch: -1 };
    const idempotent = () =>
      call(ApiKey.InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 1000,
        producerId: -1,
        producerEpoch: -1,
      });
    expect(await idempotent()).toMatchObject(storageError);
    expect(await initProducerId('tx')).toMatchObject(storageError);
    rmSync(obstacle, { recursive: true });
    expect(await idempotent()).toMatchObject({ errorCode: 0, producerId: 0, producerEpoch: 0 });
    expect(await initProducerId('tx')).toMatchObject({ errorCode: 0, producerId: 1, producerEpoch: 0 });
    // The block was written before its first id went out: a restart starts after it.
    await restart();
    expect(await idempotent()).toMatchObject({ errorCode: 0, producerId: 1000 });
  });
});

describe('the state machine', () => {
  it('refuses transactional records without a transactionalId with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (KafkaApis.handleProduceRequest)', async () => {
    await start();
    const p = await init('tx');
    const body = await call(ApiKey.Produce, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: transactionalBatch(p, 'a') }] }],
    });
    expect((body.responses as Struct[])[0]!.partitionResponses).toMatchObject([
      { errorCode: E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code },
    ]);
    expect(broker.engine.partition('t', 0).logEndOffset).toBe(0);
  });

  it('commits: AddPartitions, produce, EndTxn writes a COMMIT marker to each partition, then CompleteCommit', async () => {
    await start();
    const p = await init('tx');
    expect(await addPartitions('tx', p, [0, 1])).toEqual([0, 0]);
    expect(await describe1('tx')).toMatchObject({
      transactionState: 'Ongoing',
      topics: [{ topic: 't', partitions: [0, 1] }],
    });
    expect(await produce('tx', transactionalBatch(p, 'a'))).toBe(0);
    expect(await endTxn('tx', p, true)).toBe(0);
    await waitForState('tx', 'CompleteCommit');
    expect(markers(0)).toEqual([{ type: 'commit', ...p }]);
    expect(markers(1)).toEqual([{ type: 'commit', ...p }]);
    // EndTxn commit again: the retry of a commit that completed (handleEndTransaction, CompleteCommit).
    expect(await endTxn('tx', p, true)).toBe(0);
    expect(markers(0)).toHaveLength(1);
  });

  it('answers EndTxn without a transaction with INVALID_TXN_STATE, and commit after abort too (handleEndTransaction)', async () => {
    await start();
    const p = await init('tx');
    expect(await endTxn('tx', p, true)).toBe(E.INVALID_TXN_STATE.code);
    expect(await endTxn('tx', p, false)).toBe(E.INVALID_TXN_STATE.code);
    expect(await addPartitions('tx', p, [0])).toEqual([0]);
    expect(await endTxn('tx', p, false)).toBe(0);
    await waitForState('tx', 'CompleteAbort');
    expect(markers(0)).toEqual([{ type: 'abort', ...p }]);
    expect(await endTxn('tx', p, true)).toBe(E.INVALID_TXN_STATE.code);
    expect(await endTxn('tx', p, false)).toBe(0);
    // Unknown ids and producer ids: INVALID_PRODUCER_ID_MAPPING.
    expect(await endTxn('nobody', p, true)).toBe(E.INVALID_PRODUCER_ID_MAPPING.code);
    expect(await endTxn('tx', { ...p, producerId: p.producerId + 1 }, true)).toBe(E.INVALID_PRODUCER_ID_MAPPING.code);
    expect(await addPartitions('nobody', p, [0])).toEqual([E.INVALID_PRODUCER_ID_MAPPING.code]);
  });

  it('fails the whole AddPartitionsToTxn when a partition does not exist (KafkaApis.handleAddPartitionsToTxnRequest)', async () => {
    await start();
    const p = await init('tx');
    expect(await addPartitions('tx', p, [0, 9])).toEqual([
      E.OPERATION_NOT_ATTEMPTED.code,
      E.UNKNOWN_TOPIC_OR_PARTITION.code,
    ]);
    expect(await describe1('tx')).toMatchObject({ transactionState: 'Empty', topics: [] });
  });

  it('a second InitProducerId aborts the first producer’s transaction (CONCURRENT_TRANSACTIONS), then fences it (prepareFenceProducerEpoch)', async () => {
    await start();
    const old = await init('tx');
    expect(await addPartitions('tx', old, [0])).toEqual([0]);
    expect(await produce('tx', transactionalBatch(old, 'doomed'))).toBe(0);

    // Ongoing: the coordinator aborts at epoch + 1 and the new producer is told to retry.
    expect(await initProducerId('tx')).toMatchObject({ errorCode: E.CONCURRENT_TRANSACTIONS.code, producerId: -1 });
    await waitForState('tx', 'CompleteAbort');
    expect(markers(0)).toEqual([{ type: 'abort', producerId: old.producerId, producerEpoch: old.producerEpoch + 1 }]);
    const fresh = await init('tx');
    expect(fresh).toEqual({ producerId: old.producerId, producerEpoch: old.producerEpoch + 2 });

    // The old epoch is fenced: PRODUCER_FENCED from v2, INVALID_PRODUCER_EPOCH for older clients.
    expect(await addPartitions('tx', old, [1], 2)).toEqual([E.PRODUCER_FENCED.code]);
    expect(await addPartitions('tx', old, [1], 1)).toEqual([E.INVALID_PRODUCER_EPOCH.code]);
    expect(await endTxn('tx', old, true, 2)).toBe(E.PRODUCER_FENCED.code);
    expect(await endTxn('tx', old, false, 1)).toBe(E.INVALID_PRODUCER_EPOCH.code);
    const offsets = await call(ApiKey.AddOffsetsToTxn, 1, { transactionalId: 'tx', ...old, groupId: 'g' });
    expect(offsets.errorCode).toBe(E.INVALID_PRODUCER_EPOCH.code);
    expect(await addPartitions('tx', fresh, [1])).toEqual([0]);
  });
});

describe('while a transaction completes', () => {
  it('answers CONCURRENT_TRANSACTIONS until its markers are written (prepareInitProducerIdTransit, endTransaction)', async () => {
    await start();
    // A topic that cannot take the marker batch: the commit stays between PrepareCommit and CompleteCommit.
    broker.engine.createTopic('tiny', { partitions: 1, config: { 'max.message.bytes': '10' } });
    const p = await init('tx');
    const added = await call(ApiKey.AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: 'tx',
      v3AndBelowProducerId: p.producerId,
      v3AndBelowProducerEpoch: p.producerEpoch,
      v3AndBelowTopics: [{ name: 'tiny', partitions: [0] }],
    });
    expect(added.resultsByTopicV3AndBelow).toMatchObject([{ resultsByPartition: [{ partitionErrorCode: 0 }] }]);
    expect(await endTxn('tx', p, true)).toBe(0);
    expect(await describe1('tx')).toMatchObject({ transactionState: 'PrepareCommit' });

    expect(await initProducerId('tx')).toMatchObject({ errorCode: E.CONCURRENT_TRANSACTIONS.code });
    expect(await endTxn('tx', p, true)).toBe(E.CONCURRENT_TRANSACTIONS.code);
    expect(await endTxn('tx', p, false)).toBe(E.CONCURRENT_TRANSACTIONS.code);
    expect(await addPartitions('tx', p, [0])).toEqual([E.CONCURRENT_TRANSACTIONS.code]);

    // The marker fits again: the coordinator's retry writes it and completes the commit.
    broker.engine.alterTopicConfig('tiny', { 'max.message.bytes': null });
    await waitForState('tx', 'CompleteCommit');
    expect(markers(0, 'tiny')).toEqual([{ type: 'commit', ...p }]);
    expect(await initProducerId('tx')).toMatchObject({ errorCode: 0, producerEpoch: p.producerEpoch + 1 });
  });
});

describe('timeouts', () => {
  it('aborts a transaction past transaction.timeout.ms at a bumped epoch (abortTimedOutTransactions)', async () => {
    await start(tempDir(), { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '50' });
    const p = await init('slow', 200);
    expect(await addPartitions('slow', p, [1])).toEqual([0]);
    const aborted = await waitForState('slow', 'CompleteAbort');
    expect(aborted.producerEpoch).toBe(p.producerEpoch + 1);
    expect(markers(1)).toEqual([{ type: 'abort', producerId: p.producerId, producerEpoch: p.producerEpoch + 1 }]);
    expect(await endTxn('slow', p, true)).toBe(E.PRODUCER_FENCED.code);
  });

  it('expires an idle transactional id after transactional.id.expiration.ms (removeExpiredTransactionalIds)', async () => {
    await start(tempDir(), {
      'transactional.id.expiration.ms': '100',
      'transaction.remove.expired.transaction.cleanup.interval.ms': '50',
    });
    await init('idle');
    const deadline = Date.now() + 5_000;
    while ((await describe1('idle')).errorCode !== E.TRANSACTIONAL_ID_NOT_FOUND.code) {
      if (Date.now() > deadline) throw new Error('the transactional id did not expire');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await restart();
    expect((await describe1('idle')).errorCode).toBe(E.TRANSACTIONAL_ID_NOT_FOUND.code);
  });
});

describe('__transaction_state at restart', () => {
  it('reloads every transaction; an open one times out and aborts after the restart (loadTransactionsForTxnTopicPartition)', async () => {
    await start();
    const done = await init('done');
    expect(await addPartitions('done', done, [0])).toEqual([0]);
    expect(await endTxn('done', done, true)).toBe(0);
    await waitForState('done', 'CompleteCommit');
    const open = await init('open', 300);
    expect(await addPartitions('open', open, [1])).toEqual([0]);

    await restart({ 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '50' });
    expect(await describe1('done')).toMatchObject({ transactionState: 'CompleteCommit', ...done });
    const reloaded = await describe1('open');
    expect(['Ongoing', 'PrepareAbort', 'CompleteAbort']).toContain(reloaded.transactionState);
    expect(reloaded).toMatchObject({ producerId: open.producerId, transactionTimeoutMs: 300 });
    await waitForState('open', 'CompleteAbort');
    expect(markers(1)).toEqual([{ type: 'abort', producerId: open.producerId, producerEpoch: open.producerEpoch + 1 }]);
    // The next InitProducerId goes on from the reloaded epoch.
    expect(await init('open')).toEqual({ producerId: open.producerId, producerEpoch: open.producerEpoch + 2 });
  });

  /** A data directory whose `__transaction_state` holds `id` in the given state, as a stopped broker left it. */
  async function stoppedWith(id: string, state: Partial<TransactionLogValueData>): Promise<string> {
    const dataDir = tempDir();
    const engine = await Engine.open({ dataDir });
    engine.createTopic('t', { partitions: 2 });
    engine.createTopic(TRANSACTION_STATE_TOPIC_NAME, { partitions: 50 });
    const value = transactionLogValue({
      producerId: 42,
      producerEpoch: 3,
      transactionTimeoutMs: 60_000,
      transactionStatus: 0,
      transactionPartitions: null,
      transactionLastUpdateTimestampMs: Date.now(),
      transactionStartTimestampMs: Date.now(),
      ...state,
    });
    await engine
      .partition(TRANSACTION_STATE_TOPIC_NAME, partitionForKey(id, 50))
      .append(buildRecordBatch([{ key: transactionLogKey(id), value }]));
    await engine.close();
    return dataDir;
  }

  it('completes a transaction found in PrepareCommit: the markers are written, then CompleteCommit', async () => {
    // Stopped right after writing PrepareCommit (state 2), before any marker.
    await start(
      await stoppedWith('prepared', {
        transactionStatus: 2,
        transactionPartitions: [{ topic: 't', partitionIds: [0, 1] }],
      }),
    );
    await waitForState('prepared', 'CompleteCommit');
    expect(markers(0)).toEqual([{ type: 'commit', producerId: 42, producerEpoch: 3 }]);
    expect(markers(1)).toEqual([{ type: 'commit', producerId: 42, producerEpoch: 3 }]);
    await restart();
    expect(await describe1('prepared')).toMatchObject({ transactionState: 'CompleteCommit', topics: [] });
    expect(markers(0)).toHaveLength(1);
  });

  it('gives a new producer id at epoch 0 once the epoch is exhausted (prepareProducerIdRotation)', async () => {
    // CompleteCommit (4) at epoch Short.MaxValue - 1, the last one a client may have.
    await start(await stoppedWith('old', { transactionStatus: 4, producerEpoch: 32766 }));
    const exhausted = { producerId: 42, producerEpoch: 32766 };
    const rotated = await initProducerId('old', { expected: exhausted });
    expect(rotated).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(rotated.producerId).not.toBe(42);
    // A retry whose answer was lost: the old id at the exhausted epoch is not fenced and gets the same answer.
    expect(await initProducerId('old', { expected: exhausted })).toMatchObject({
      errorCode: 0,
      producerId: rotated.producerId,
      producerEpoch: 0,
    });
    // Another old epoch of the old id is.
    expect(await initProducerId('old', { expected: { producerId: 42, producerEpoch: 5 } })).toMatchObject({
      errorCode: E.PRODUCER_FENCED.code,
    });
  });
});

describe('transactional offsets', () => {
  async function fetchOffset(requireStable: boolean): Promise<Struct> {
    const body = await call(ApiKey.OffsetFetch, 7, {
      groupId: 'g',
      topics: [{ name: 't', partitionIndexes: [0] }],
      requireStable,
    });
    return ((body.topics as Struct[])[0]!.partitions as Struct[])[0]!;
  }

  async function commitInTransaction(p: Producer, offset: number): Promise<void> {
    const added = await call(ApiKey.AddOffsetsToTxn, 3, { transactionalId: 'tx', ...p, groupId: 'g' });
    expect(added.errorCode).toBe(0);
    const body = await call(ApiKey.TxnOffsetCommit, 3, {
      transactionalId: 'tx',
      groupId: 'g',
      ...p,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: 'm' }] }],
    });
    expect(body.topics).toMatchObject([{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }]);
  }

  it('holds TxnOffsetCommit offsets until the commit marker: UNSTABLE_OFFSET_COMMIT with requireStable (GroupMetadata.hasPendingOffsetCommitsFromProducer)', async () => {
    await start();
    const p = await init('tx');
    await commitInTransaction(p, 7);
    expect(await fetchOffset(true)).toMatchObject({ errorCode: E.UNSTABLE_OFFSET_COMMIT.code, committedOffset: -1 });
    expect(await fetchOffset(false)).toMatchObject({ errorCode: 0, committedOffset: -1 });

    // Pending across a restart: the transactional batch has no marker yet.
    await restart();
    expect(await fetchOffset(true)).toMatchObject({ errorCode: E.UNSTABLE_OFFSET_COMMIT.code });

    expect(await endTxn('tx', p, true)).toBe(0);
    await waitForState('tx', 'CompleteCommit');
    expect(await fetchOffset(true)).toMatchObject({ errorCode: 0, committedOffset: 7, metadata: 'm' });
    const offsetsPartition = broker.groups.partitionFor('g');
    expect(markers(offsetsPartition, '__consumer_offsets')).toEqual([{ type: 'commit', ...p }]);
    await restart();
    expect(await fetchOffset(true)).toMatchObject({ errorCode: 0, committedOffset: 7 });
  });

  it('keeps a commit written after the transaction’s offsets when the transaction commits (GroupMetadata.completePendingTxnOffsetCommit)', async () => {
    await start();
    const p = await init('tx');
    await commitInTransaction(p, 7);
    const simple = await call(ApiKey.OffsetCommit, 2, {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 9, committedMetadata: '' }] }],
    });
    expect(simple.topics).toMatchObject([{ partitions: [{ errorCode: 0 }] }]);
    expect(await endTxn('tx', p, true)).toBe(0);
    await waitForState('tx', 'CompleteCommit');
    expect(await fetchOffset(true)).toMatchObject({ errorCode: 0, committedOffset: 9 });
    await restart();
    expect(await fetchOffset(true)).toMatchObject({ errorCode: 0, committedOffset: 9 });
  });

  it('drops them on abort, also when the abort marker is read at load', async () => {
    await start();
    const p = await init('tx');
    await commitInTransaction(p, 3);
    expect(await endTxn('tx', p, true)).toBe(0);
    await waitForState('tx', 'CompleteCommit');
    await commitInTransaction(p, 9);
    expect(await endTxn('tx', p, false)).toBe(0);
    await waitForState('tx', 'CompleteAbort');
    expect(await fetchOffset(true)).toMatchObject({ errorCode: 0, committedOffset: 3 });
    await restart();
    expect(await fetchOffset(true)).toMatchObject({ errorCode: 0, committedOffset: 3 });
  });
});

describe('WriteTxnMarkers, DescribeTransactions, ListTransactions', () => {
  it('writes the markers a coordinator asks for, per partition (KafkaApis.handleWriteTxnMarkersRequest)', async () => {
    await start();
    const body = await call(ApiKey.WriteTxnMarkers, 1, {
      markers: [
        {
          producerId: 77,
          producerEpoch: 2,
          transactionResult: false,
          topics: [{ name: 't', partitionIndexes: [1, 5] }],
          coordinatorEpoch: 0,
        },
      ],
    });
    expect(body.markers).toMatchObject([
      {
        producerId: 77,
        topics: [
          {
            name: 't',
            partitions: [
              { partitionIndex: 1, errorCode: 0 },
              { partitionIndex: 5, errorCode: E.UNKNOWN_TOPIC_OR_PARTITION.code },
            ],
          },
        ],
      },
    ]);
    expect(markers(1)).toEqual([{ type: 'abort', producerId: 77, producerEpoch: 2 }]);
  });

  it('lists by state and producer id, with the unknown state names; describes an unknown id as TRANSACTIONAL_ID_NOT_FOUND', async () => {
    await start();
    const a = await init('a');
    const b = await init('b');
    expect(await addPartitions('b', b, [0])).toEqual([0]);
    const list = async (stateFilters: string[], producerIdFilters: number[] = []) =>
      call(ApiKey.ListTransactions, 1, { stateFilters, producerIdFilters, durationFilter: -1 });
    const all = await list([]);
    expect(all.errorCode).toBe(0);
    expect((all.transactionStates as Struct[]).map((t) => t.transactionalId).sort()).toEqual(['a', 'b']);
    expect(await list(['Ongoing', 'Bogus'])).toMatchObject({
      unknownStateFilters: ['Bogus'],
      transactionStates: [{ transactionalId: 'b', producerId: b.producerId, transactionState: 'Ongoing' }],
    });
    expect(await list([], [a.producerId])).toMatchObject({
      transactionStates: [{ transactionalId: 'a', transactionState: 'Empty' }],
    });
    expect(await describe1('nobody')).toMatchObject({ errorCode: E.TRANSACTIONAL_ID_NOT_FOUND.code });
    expect(await describe1('b')).toMatchObject({
      errorCode: 0,
      transactionState: 'Ongoing',
      transactionTimeoutMs: 60_000,
      producerEpoch: 0,
      topics: [{ topic: 't', partitions: [0] }],
    });
  });
});
