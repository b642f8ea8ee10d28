/**
 * A cluster's transaction coordinator serves only the transactional ids of the
 * `__transaction_state` partitions its broker leads (TransactionCoordinator.onElection /
 * onResignation, TransactionStateManager's loadingPartitions and getTransactionState):
 * NOT_COORDINATOR before an election, COORDINATOR_LOAD_IN_PROGRESS while the partition
 * loads, the id as its log holds it after, NOT_COORDINATOR again once resigned; a stale
 * resignation changes nothing. Its markers go through the writer it is given, with the
 * partition's leader epoch as their coordinator epoch.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { KafkaErrors as E } from '../../src/errors.js';
import { GroupCoordinator } from '../../src/group/GroupCoordinator.js';
import { TransactionCoordinator } from '../../src/transaction/TransactionCoordinator.js';
import type { TxnMarker } from '../../src/transaction/TransactionMarkerWriter.js';
import { tempDir } from '../helpers/tmp.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of opened.splice(0).reverse()) await c.close();
});

async function clusterCoordinator() {
  const engine = await Engine.open({ dataDir: tempDir(), retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 });
  opened.push(engine);
  engine.createTopic('orders', { partitions: 2 });
  // LeaderAndIsr creates the partition's log on a cluster's broker.
  engine.createTopic('__transaction_state', { partitions: 4 });
  const cluster = { offsetsTopicPartitionCount: () => 4, containsPartition: () => true };
  const groups = await GroupCoordinator.open({ engine, offsetsTopicPartitions: 4, cluster });
  opened.push(groups);
  const markers: TxnMarker[] = [];
  const transactions = TransactionCoordinator.open({
    engine,
    groups,
    cluster: {
      stateTopicPartitionCount: () => 4,
      writeTxnMarkers: (marker) => {
        markers.push(marker);
        return Promise.resolve(marker.partitions.map((tp) => ({ ...tp, errorCode: 0 })));
      },
    },
  });
  opened.push(transactions);
  return { transactions, markers };
}

const init = (t: TransactionCoordinator) => t.handleInitProducerId('tx', 60000, null);

describe('TransactionCoordinator in a cluster: onElection and onResignation', () => {
  test('serves an id once its partition is loaded, until resigned; markers carry the election epoch', async () => {
    const { transactions: t, markers } = await clusterCoordinator();
    const p = t.partitionFor('tx');
    expect((await init(t)).errorCode).toBe(E.NOT_COORDINATOR.code);
    const loaded = t.onElection(p, 7);
    expect((await init(t)).errorCode).toBe(E.COORDINATOR_LOAD_IN_PROGRESS.code);
    await loaded;
    const { errorCode, producerId, producerEpoch } = await init(t);
    expect(errorCode).toBe(0);
    expect(
      await t.handleAddPartitionsToTransaction('tx', producerId, producerEpoch, [{ topic: 'orders', partition: 1 }]),
    ).toBe(0);
    expect(await t.handleEndTransaction('tx', producerId, producerEpoch, true)).toBe(0);
    await t.transactionCompletion('tx');
    expect(markers).toEqual([
      { producerId, producerEpoch, coordinatorEpoch: 7, commit: true, partitions: [{ topic: 'orders', partition: 1 }] },
    ]);
    expect(t.transactionState('tx')).toBe('CompleteCommit');

    t.onResignation(p, 6);
    expect(t.describeTransaction('tx').errorCode).toBe(0);
    t.onResignation(p, 7);
    expect(t.describeTransaction('tx').errorCode).toBe(E.NOT_COORDINATOR.code);
    expect(await t.handleEndTransaction('tx', producerId, producerEpoch, true)).toBe(E.NOT_COORDINATOR.code);

    // Elected again: the id comes back from the log, as it was left.
    await t.onElection(p, 8);
    const described = t.describeTransaction('tx');
    expect([described.errorCode, described.transactionState, described.producerId]).toEqual([
      0,
      'CompleteCommit',
      producerId,
    ]);
  });
});
