/**
 * The aborted-transaction indexes of a log's segments, by the segment's base offset: a
 * `.txnindex` for each segment whose offsets hold an ABORT marker (Kafka keeps one in each
 * LogSegment, its txnIndex), created with the first, deleted and cut with its segment.
 */
import { transactionIndexFile } from './LogFileNames.js';
import { TransactionIndex, type AbortedTxn } from './TransactionIndex.js';

export class TransactionIndexes {
  private readonly bySegment = new Map<number, TransactionIndex>();

  constructor(private readonly dir: string) {}

  /** Opens the index of the segment at `base`, without the aborts past `logEndOffset` (a tail recovery cut away). */
  open(base: number, logEndOffset: number): void {
    const index = new TransactionIndex(transactionIndexFile(this.dir, base), base);
    index.truncateTo(logEndOffset);
    if (!index.isEmpty) this.bySegment.set(base, index);
  }

  /** Indexes `txn` in the segment at `base`; one already indexed (a rebuild reading its marker again) is skipped. */
  append(base: number, txn: AbortedTxn): void {
    const index = this.bySegment.get(base) ?? new TransactionIndex(transactionIndexFile(this.dir, base), base);
    if (txn.lastOffset <= index.lastOffset) return;
    index.append(txn);
    this.bySegment.set(base, index);
  }

  /** The aborted transactions overlapping [fetchOffset, upperBoundOffset), segment by segment (Kafka's collectAbortedTransactions). */
  collect(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const bases = [...this.bySegment.keys()].sort((a, b) => a - b);
    return bases.flatMap((base) => this.bySegment.get(base)!.collect(fetchOffset, upperBoundOffset));
  }

  /** Removes the aborts whose marker is at or after `offset` from the segment at `base` (a truncation). */
  truncateSegment(base: number, offset: number): void {
    const index = this.bySegment.get(base);
    index?.truncateTo(offset);
    if (index?.isEmpty === true) this.bySegment.delete(base);
  }

  /** Deletes the index of a deleted segment. */
  deleteSegment(base: number): void {
    this.bySegment.get(base)?.delete();
    this.bySegment.delete(base);
  }
}
