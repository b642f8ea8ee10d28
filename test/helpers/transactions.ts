/**
 * Transactions written straight into a partition, as the producers and the transaction
 * coordinator write them: transactional batches with each producer's sequence numbers in
 * order, and commit/abort markers appended as the coordinator appends them. For the
 * read_committed tests (broker, consumers, CLI): a scenario is a list of steps, so a case
 * with an open or aborted transaction is one more list.
 */
import type { Partition } from '../../src/engine/Partition.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';

export type TransactionStep =
  { send: number; values: string[] } | { commit: number } | { abort: number } | { plain: string[] };

export const T0 = 1_700_000_000_000;

/** Appends `steps` to `partition`; a producer's batches carry consecutive sequence numbers from 0. */
export async function writeTransactions(partition: Partition, steps: readonly TransactionStep[]): Promise<void> {
  const sequences = new Map<number, number>();
  for (const step of steps) {
    if ('plain' in step) {
      await partition.append(buildRecordBatch(step.plain.map((v) => ({ value: Buffer.from(v), timestamp: T0 }))));
    } else if ('send' in step) {
      const producerId = step.send;
      const baseSequence = sequences.get(producerId) ?? 0;
      sequences.set(producerId, baseSequence + step.values.length);
      const records = step.values.map((v) => ({ value: Buffer.from(v), timestamp: T0 }));
      await partition.append(
        buildRecordBatch(records, { producerId, producerEpoch: 0, baseSequence, transactional: true }),
      );
    } else {
      const [type, producerId] =
        'commit' in step ? (['commit', step.commit] as const) : (['abort', step.abort] as const);
      const marker = buildEndTransactionMarkerBatch(type, {
        producerId,
        producerEpoch: 0,
        coordinatorEpoch: 0,
        timestamp: T0,
      });
      await partition.append(marker, { origin: 'coordinator' });
    }
  }
}
