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

/**
 * Plain records and two producers' committed transactions, interleaved. Offsets: p0 0,
 * a 1, b 2 (producer 1), c 3 (producer 2), commit(1) 4, commit(2) 5, p1 6; every level
 * reads the data records p0, a, b, c, p1 and the log end is 7.
 */
export const COMMITTED_TRANSACTIONS: readonly TransactionStep[] = [
  { plain: ['p0'] },
  { send: 1, values: ['a', 'b'] },
  { send: 2, values: ['c'] },
  { commit: 1 },
  { commit: 2 },
  { plain: ['p1'] },
];

/**
 * Producer 1's transaction left open between plain records. Offsets: p0 0, a 1, b 2
 * (producer 1, open), p1 3. The last stable offset is 1 (the open transaction's first
 * offset) and the log end 4: read_committed reads p0 only.
 */
export const OPEN_TRANSACTION: readonly TransactionStep[] = [
  { plain: ['p0'] },
  { send: 1, values: ['a', 'b'] },
  { plain: ['p1'] },
];

/**
 * Producer 1's transaction aborted between plain records. Offsets: p0 0, a 1, b 2,
 * abort(1) 3, p1 4; the log end and last stable offset 5. read_committed reads p0 and p1.
 */
export const ABORTED_TRANSACTION: readonly TransactionStep[] = [
  { plain: ['p0'] },
  { send: 1, values: ['a', 'b'] },
  { abort: 1 },
  { plain: ['p1'] },
];

/**
 * Two producers' transactions interleaved, producer 1's aborted and producer 2's
 * committed. Offsets: a 0 (1), x 1 (2), b 2 (1), abort(1) 3, y 4 (2), commit(2) 5, p 6;
 * the log end and last stable offset 7. read_committed reads x, y and p.
 */
export const INTERLEAVED_ABORT_AND_COMMIT: readonly TransactionStep[] = [
  { send: 1, values: ['a'] },
  { send: 2, values: ['x'] },
  { send: 1, values: ['b'] },
  { abort: 1 },
  { send: 2, values: ['y'] },
  { commit: 2 },
  { plain: ['p'] },
];

/**
 * Producer 1's aborted transaction with a plain record inside it, each batch in a segment of
 * its own when segment.bytes is SEGMENT_PER_BATCH: a 0, p0 1, b 2, abort(1) 3, p1 4. The
 * abort is indexed in the marker's segment (3), its first offset in segment 0.
 */
export const ABORT_ACROSS_SEGMENTS: readonly TransactionStep[] = [
  { send: 1, values: ['a'] },
  { plain: ['p0'] },
  { send: 1, values: ['b'] },
  { abort: 1 },
  { plain: ['p1'] },
];

/** A segment.bytes below two one-record batches: each batch written rolls a new segment. */
export const SEGMENT_PER_BATCH = 100;
