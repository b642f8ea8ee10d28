/**
 * What a read_committed consumer drops from a fetch (Kafka's CompletedFetch.nextFetchedRecord
 * under READ_COMMITTED): the batches of aborted transactions. The fetch lists the aborted
 * transactions it overlaps, each as a producer id and the transaction's first offset; the
 * batches are walked in offset order, and a producer is aborted from the first offset of
 * one of its aborted transactions until its abort marker (a control batch) ends it. A
 * transactional batch of an aborted producer is skipped whole. Control batches themselves
 * are never handed out, in either isolation level; that is the reader's part.
 */
import type { AbortedTransaction } from '../engine/Partition.js';
import { controlRecordType } from '../record/ControlRecord.js';
import type { RecordBatch } from '../record/RecordBatch.js';

export type { AbortedTransaction } from '../engine/Partition.js';

export class AbortedTransactionFilter {
  /** Not yet reached, by first offset: Kafka's PriorityQueue ordered by firstOffset. */
  private readonly pending: AbortedTransaction[];
  private next = 0;
  /** Producers inside an aborted transaction at the current batch (Kafka's abortedProducerIds). */
  private readonly abortedProducerIds = new Set<number>();

  constructor(abortedTransactions: readonly AbortedTransaction[]) {
    this.pending = [...abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /**
   * Whether `batch`, the next one in offset order, belongs to an aborted transaction and is
   * to be skipped. An abort marker ends its producer's aborted transaction (and is not itself
   * "aborted": the reader skips it as a control batch).
   */
  isAborted(batch: RecordBatch): boolean {
    if (batch.producerId < 0) return false;
    this.consumeAbortedTransactionsUpTo(batch.lastOffset);
    if (containsAbortMarker(batch)) {
      this.abortedProducerIds.delete(batch.producerId);
      return false;
    }
    return batch.isTransactional && this.abortedProducerIds.has(batch.producerId);
  }

  /** Every aborted transaction that began at or before `offset` makes its producer aborted (Kafka's consumeAbortedTransactionsUpTo). */
  private consumeAbortedTransactionsUpTo(offset: number): void {
    for (; this.next < this.pending.length && this.pending[this.next]!.firstOffset <= offset; this.next++)
      this.abortedProducerIds.add(this.pending[this.next]!.producerId);
  }
}

/**
 * Whether a control batch's first record is an abort marker (Kafka's CompletedFetch.containsAbortMarker).
 * Read on the calling thread: a marker batch holds one small record, and is written uncompressed.
 */
function containsAbortMarker(batch: RecordBatch): boolean {
  if (!batch.isControl) return false;
  const first = batch.reader().next();
  return first !== null && controlRecordType(first.key) === 'abort';
}
