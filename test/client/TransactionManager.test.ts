import { describe, expect, test } from 'vitest';
import {
  TransactionManager,
  TxnPartitionEntry,
  type ProducerIdAndEpoch,
  type SequencedBatch,
} from '../../src/client/TransactionManager.js';
import { incrementSequence } from '../../src/record/RecordBatchHeader.js';

class Batch implements SequencedBatch {
  state: [number, number, number] = [-1, -1, -1];
  constructor(readonly recordCount: number) {}
  setProducerState(p: ProducerIdAndEpoch, baseSequence: number): void {
    this.state = [p.producerId, p.epoch, baseSequence];
  }
}

function managerFrom(firstId: number): TransactionManager {
  let next = firstId;
  return new TransactionManager(() => next++);
}

describe('TransactionManager (the idempotent part of Kafka’s)', () => {
  test('sequences advance by record count and wrap past Int32 max to 0 (DefaultRecordBatch.incrementSequence)', () => {
    expect(incrementSequence(5, 3)).toBe(8);
    expect(incrementSequence(2 ** 31 - 1, 1)).toBe(0);
    expect(incrementSequence(2 ** 31 - 3, 5)).toBe(2);
    const manager = managerFrom(7);
    const entry = new TxnPartitionEntry<Batch>();
    const batches = [new Batch(3), new Batch(2)];
    for (const b of batches) manager.assignSequence(entry, b);
    expect(batches.map((b) => b.state)).toEqual([
      [7, 0, 0],
      [7, 0, 3],
    ]);
    entry.nextSequence = 2 ** 31 - 2;
    const wrapping = new Batch(4);
    manager.assignSequence(entry, wrapping);
    expect(wrapping.state).toEqual([7, 0, 2 ** 31 - 2]);
    expect(entry.nextSequence).toBe(2);
  });

  test('a failure bumps the epoch once; a batch failing on an older epoch does not bump it again', () => {
    const manager = managerFrom(7);
    const [p0, p1] = [new TxnPartitionEntry<Batch>(), new TxnPartitionEntry<Batch>()];
    const [a, b, c, d] = [new Batch(1), new Batch(2), new Batch(1), new Batch(1)];
    manager.assignSequence(p0, a);
    manager.assignSequence(p0, b);
    manager.assignSequence(p0, c);
    manager.assignSequence(p1, d);
    const epoch0 = manager.producerIdAndEpoch;
    manager.handleCompletedBatch(p0); // a
    manager.handleFailedBatch(p1, epoch0); // d
    expect(manager.producerIdAndEpoch).toEqual({ producerId: 7, epoch: 1 });
    expect(b.state).toEqual([7, 0, 1]); // another partition's batches in flight keep their epoch
    const e = new Batch(1);
    manager.assignSequence(p1, e);
    expect(e.state).toEqual([7, 1, 0]);
    manager.handleFailedBatch(p0, epoch0); // b, written with epoch 0
    expect(manager.producerIdAndEpoch.epoch).toBe(1);
    expect(c.state).toEqual([7, 1, 0]);
    expect(p0.inFlight).toEqual([c]);
  });

  test('renumbering gives the batches still in flight consecutive sequences from 0', () => {
    const manager = managerFrom(1);
    const entry = new TxnPartitionEntry<Batch>();
    const batches = [new Batch(2), new Batch(3), new Batch(4)];
    for (const b of batches) manager.assignSequence(entry, b);
    manager.handleFailedBatch(entry, manager.producerIdAndEpoch);
    expect(batches.slice(1).map((b) => b.state)).toEqual([
      [1, 1, 0],
      [1, 1, 3],
    ]);
    expect(entry.nextSequence).toBe(7);
  });

  test('bumping past epoch Short.MAX_VALUE takes a new producer id at epoch 0', () => {
    const manager = managerFrom(40);
    const entry = new TxnPartitionEntry<Batch>();
    for (let epoch = 0; epoch < 32767; epoch++) {
      manager.assignSequence(entry, new Batch(1));
      manager.handleFailedBatch(entry, manager.producerIdAndEpoch);
    }
    expect(manager.producerIdAndEpoch).toEqual({ producerId: 40, epoch: 32767 });
    manager.assignSequence(entry, new Batch(1));
    manager.handleFailedBatch(entry, manager.producerIdAndEpoch);
    expect(manager.producerIdAndEpoch).toEqual({ producerId: 41, epoch: 0 });
  });
});
