/**
 * The records of one log read from a position on (Kafka's CompletedFetch), handed out a
 * poll's worth at a time: reads are whole batches, so the first may start before the
 * position and its earlier records are skipped; control batches (transaction markers) are
 * never handed out. Between polls it stays where it stopped, so a batch larger than a poll
 * is parsed (and decompressed) once.
 *
 * With `checkCrcs` (Kafka's check.crcs) each batch's CRC32C is checked before its records
 * are handed out. A corrupt batch ends the read as Kafka's CompletedFetch.fetchRecords
 * does: the records before it are handed out, and from then on every take() raises the
 * error again, so the position stays at the bad batch until the caller seeks past it.
 *
 * Read read_committed (given the fetch's aborted transactions), the batches of aborted
 * transactions are skipped too, as Kafka's CompletedFetch does (AbortedTransactionFilter).
 */
import type { BatchRecordReader } from '../record/RecordBatch.js';
import { RecordBatch } from '../record/RecordBatch.js';
import { retainShape } from '../retainShape.js';
import { AbortedTransactionFilter, type AbortedTransaction } from './AbortedTransactionFilter.js';
import { ConsumerRecord } from './ConsumerRecord.js';

/** Where a read came from, and the partition's ends when it was made. */
export interface FetchedPartition {
  topic: string;
  partition: number;
  highWatermark: number;
  lastStableOffset: number;
}

export interface CompletedFetchOptions {
  /** Kafka's check.crcs. */
  checkCrcs: boolean;
  /** read_committed: the aborted transactions the read overlaps; null reads uncommitted (every batch but markers). */
  abortedTransactions: readonly AbortedTransaction[] | null;
}

export class CompletedFetch {
  private readonly batches: Iterator<RecordBatch>;
  private reader: BatchRecordReader | null = null;
  /** The offset after the batch being read. */
  private batchEnd: number;
  /** The position after what was handed out: past batches, or their tails, skipped. */
  nextOffset: number;
  /** What stopped the read (a corrupt batch), raised by every take() from then on. */
  private failure: unknown = null;
  readonly topic: string;
  readonly partition: number;
  /** The partition's log end offset when the read was made. */
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  private readonly checkCrcs: boolean;
  private readonly aborted: AbortedTransactionFilter | null;

  constructor(
    bytes: Buffer,
    private readonly position: number,
    from: FetchedPartition,
    options: CompletedFetchOptions,
  ) {
    this.topic = from.topic;
    this.partition = from.partition;
    this.highWatermark = from.highWatermark;
    this.lastStableOffset = from.lastStableOffset;
    this.checkCrcs = options.checkCrcs;
    const { abortedTransactions } = options;
    this.aborted = abortedTransactions === null ? null : new AbortedTransactionFilter(abortedTransactions);
    this.batches = RecordBatch.all(bytes);
    this.batchEnd = position;
    this.nextOffset = position;
  }

  /** Up to `max` records from where the last call stopped; none once the read is used up. */
  async take(max: number): Promise<ConsumerRecord[]> {
    if (this.failure !== null) throw this.failure;
    const records: ConsumerRecord[] = [];
    try {
      while (records.length < max && (this.reader !== null || (await this.nextBatch()))) {
        const record = this.reader!.next();
        if (record === null) {
          this.reader = null;
          this.nextOffset = Math.max(this.nextOffset, this.batchEnd);
        } else if (record.offset >= this.position) {
          records.push(new ConsumerRecord(this.topic, this.partition, record));
          this.nextOffset = record.offset + 1;
        }
      }
    } catch (error) {
      // The batches' iterator is past the bad batch: going on would skip it silently.
      this.failure = error;
      if (records.length === 0) throw error;
    }
    return records;
  }

  /** Opens the next batch with records to hand out (not a marker, not aborted); false once there is none. */
  private async nextBatch(): Promise<boolean> {
    for (let next = this.batches.next(); !next.done; next = this.batches.next()) {
      const batch = next.value;
      if (this.checkCrcs) batch.ensureValid(this);
      this.batchEnd = batch.lastOffset + 1;
      const aborted = this.aborted !== null && this.aborted.isAborted(batch);
      if (!batch.isControl && !aborted) {
        this.reader = batch.reader(
          batch.compression === 'none' ? batch.recordsSection() : await batch.recordsSectionAsync(),
        );
        return true;
      }
      this.nextOffset = Math.max(this.nextOffset, this.batchEnd);
    }
    return false;
  }
}

retainShape(
  new CompletedFetch(
    Buffer.alloc(0),
    2 ** 40,
    { topic: '', partition: 0, highWatermark: 2 ** 40, lastStableOffset: 2 ** 40 },
    { checkCrcs: true, abortedTransactions: [] },
  ),
);
