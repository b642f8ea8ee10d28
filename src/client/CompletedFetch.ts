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
 */
import type { BatchRecordReader } from '../record/RecordBatch.js';
import { RecordBatch } from '../record/RecordBatch.js';
import { retainShape } from '../retainShape.js';
import { ConsumerRecord } from './ConsumerRecord.js';

export class CompletedFetch {
  private readonly batches: Iterator<RecordBatch>;
  private reader: BatchRecordReader | null = null;
  /** The offset after the batch being read. */
  private batchEnd: number;
  /** The position after what was handed out: past batches, or their tails, skipped. */
  nextOffset: number;
  /** What stopped the read (a corrupt batch), raised by every take() from then on. */
  private failure: unknown = null;

  constructor(
    bytes: Buffer,
    private readonly position: number,
    readonly topic: string,
    readonly partition: number,
    /** The partition's log end offset when the read was made. */
    readonly highWatermark: number,
    private readonly checkCrcs: boolean,
  ) {
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

  /** Opens the next batch with records to hand out; false once there is none. */
  private async nextBatch(): Promise<boolean> {
    for (let next = this.batches.next(); !next.done; next = this.batches.next()) {
      const batch = next.value;
      if (this.checkCrcs) batch.ensureValid(this);
      this.batchEnd = batch.lastOffset + 1;
      if (!batch.isControl) {
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

retainShape(new CompletedFetch(Buffer.alloc(0), 2 ** 40, '', 0, 2 ** 40, true));
