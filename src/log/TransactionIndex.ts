/**
 * `<baseOffset>.txnindex`: the aborted transactions whose ABORT marker is in a segment
 * (Kafka's TransactionIndex and AbortedTxn), 34 bytes each, big-endian:
 *
 *   version i16 = 0 | producerId i64 | firstOffset i64 | lastOffset i64 | lastStableOffset i64
 *
 * lastOffset is the marker's offset, lastStableOffset the partition's LSO once it was
 * written. The file is created by the first abort in the segment (as Kafka opens its
 * channel lazily) and goes with the segment. Entries are few (one per aborted
 * transaction), so each index keeps them in memory too, for read_committed fetches.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { readInt64, writeInt64 } from '../record/RecordBatchHeader.js';

export const ABORTED_TXN_SIZE = 34;
const CURRENT_VERSION = 0;

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export function encodeAbortedTxn(txn: AbortedTxn): Buffer {
  const bytes = Buffer.alloc(ABORTED_TXN_SIZE);
  bytes.writeInt16BE(CURRENT_VERSION, 0);
  writeInt64(bytes, txn.producerId, 2);
  writeInt64(bytes, txn.firstOffset, 10);
  writeInt64(bytes, txn.lastOffset, 18);
  writeInt64(bytes, txn.lastStableOffset, 26);
  return bytes;
}

export class TransactionIndex {
  private readonly txns: AbortedTxn[];

  /**
   * Opens the index of the segment at `startOffset` (empty if the file is missing). Its
   * entries are read up to the first that is torn (a crash mid-write), of another
   * version, below the segment or not after the previous one (Kafka's sanityCheck and
   * append's ordering); the file is cut there, and the rebuild of producer state from
   * the log writes again the aborts it lost.
   */
  constructor(
    readonly path: string,
    readonly startOffset: number,
  ) {
    this.txns = existsSync(path) ? this.load() : [];
  }

  private load(): AbortedTxn[] {
    const bytes = readFileSync(this.path);
    const txns: AbortedTxn[] = [];
    let at = 0;
    for (; at + ABORTED_TXN_SIZE <= bytes.length; at += ABORTED_TXN_SIZE) {
      const txn = {
        producerId: readInt64(bytes, at + 2),
        firstOffset: readInt64(bytes, at + 10),
        lastOffset: readInt64(bytes, at + 18),
        lastStableOffset: readInt64(bytes, at + 26),
      };
      const previous = txns.at(-1)?.lastOffset ?? -1;
      if (bytes.readInt16BE(at) !== CURRENT_VERSION || txn.lastOffset < this.startOffset || txn.lastOffset <= previous)
        break;
      txns.push(txn);
    }
    if (at !== bytes.length) truncateSync(this.path, at);
    return txns;
  }

  get lastOffset(): number {
    return this.txns.at(-1)?.lastOffset ?? -1;
  }

  get isEmpty(): boolean {
    return this.txns.length === 0;
  }

  /** Appends an aborted transaction, whose marker must come after every one indexed (Kafka's append). */
  append(txn: AbortedTxn): void {
    if (txn.lastOffset <= this.lastOffset) {
      throw new RangeError(
        `The last offset of appended transactions must increase sequentially, but ${txn.lastOffset} ` +
          `is not greater than current last offset ${this.lastOffset} of index ${this.path}`,
      );
    }
    appendFileSync(this.path, encodeAbortedTxn(txn));
    this.txns.push(txn);
  }

  /** Removes the transactions whose marker is at or after `offset` (Kafka's truncateTo). */
  truncateTo(offset: number): void {
    const keep = this.txns.findIndex((t) => t.lastOffset >= offset);
    if (keep < 0) return;
    this.txns.length = keep;
    if (keep === 0) this.delete();
    else truncateSync(this.path, keep * ABORTED_TXN_SIZE);
  }

  /** The transactions overlapping [fetchOffset, upperBoundOffset) (Kafka's collectAbortedTxns). */
  collect(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.txns.filter((t) => t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset);
  }

  all(): readonly AbortedTxn[] {
    return this.txns;
  }

  delete(): void {
    this.txns.length = 0;
    rmSync(this.path, { force: true });
  }
}
