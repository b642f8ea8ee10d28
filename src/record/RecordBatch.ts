/**
 * A read-only view of one RecordBatch v2 (layout in RecordBatchHeader.ts), as fetched
 * from the log or received from a producer: header fields on demand, records parsed
 * lazily. Keys and values of an uncompressed batch are views into its bytes.
 */
import { TributaryError } from '../errors.js';
import { native } from '../native/addon.js';
import { retainShape } from '../retainShape.js';
import { compressionCodecOf, decompress, decompressSync, type CompressionCodec } from './Compression.js';
import type { Record, TimestampType } from './Record.js';
import { EXEMPLAR_BASE, RecordCursor, type RecordBase } from './RecordCursor.js';
import {
  baseOffsetOf,
  BatchAttributes,
  BatchHeader,
  batchSizeAt,
  CURRENT_MAGIC,
  maxTimestampOf,
  producerIdOf,
  readInt64,
} from './RecordBatchHeader.js';

const hex = (crc: number): string => `0x${crc.toString(16).padStart(8, '0')}`;

export class RecordBatch {
  static {
    retainShape(new RecordBatch(Buffer.alloc(0)));
  }

  private constructor(readonly bytes: Buffer) {}

  /**
   * The batch at the start of `bytes` (which may hold more after it). Checks only that
   * its framing fits: ERR_TRUNCATED if `bytes` ends inside it, ERR_CORRUPT_BATCH if its
   * length or magic is impossible. Use validateRecordBatch before trusting the rest.
   */
  static from(bytes: Buffer): RecordBatch {
    if (bytes.length < BatchHeader.size) {
      throw new TributaryError(`${bytes.length} bytes cannot hold a record batch header`, 'ERR_TRUNCATED');
    }
    const size = batchSizeAt(bytes);
    if (size < BatchHeader.size)
      throw new TributaryError(`batch length ${size} is below the header size`, 'ERR_CORRUPT_BATCH');
    if (size > bytes.length)
      throw new TributaryError(`batch of ${size} bytes but only ${bytes.length} present`, 'ERR_TRUNCATED');
    const magic = bytes.readInt8(BatchHeader.magic);
    if (magic !== CURRENT_MAGIC) throw new TributaryError(`magic ${magic} is not RecordBatch v2`, 'ERR_CORRUPT_BATCH');
    return new RecordBatch(size === bytes.length ? bytes : bytes.subarray(0, size));
  }

  /**
   * Every whole batch in `records` (a fetch response's or a log read's bytes). A partial
   * batch at the end is skipped, as Kafka's consumers do: a fetch may cut the last one.
   */
  static *all(records: Buffer): Generator<RecordBatch> {
    let position = 0;
    while (records.length - position >= BatchHeader.logOverhead) {
      const size = batchSizeAt(records, position);
      if (position + size > records.length) return;
      yield RecordBatch.from(records.subarray(position, position + size));
      position += size;
    }
  }

  get sizeInBytes(): number {
    return this.bytes.length;
  }
  get baseOffset(): number {
    return baseOffsetOf(this.bytes);
  }
  get lastOffsetDelta(): number {
    return this.bytes.readInt32BE(BatchHeader.lastOffsetDelta);
  }
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  get partitionLeaderEpoch(): number {
    return this.bytes.readInt32BE(BatchHeader.partitionLeaderEpoch);
  }
  get magic(): number {
    return this.bytes.readInt8(BatchHeader.magic);
  }
  get crc(): number {
    return this.bytes.readUInt32BE(BatchHeader.crc);
  }
  get attributes(): number {
    return this.bytes.readInt16BE(BatchHeader.attributes);
  }
  get compression(): CompressionCodec {
    return compressionCodecOf(this.attributes & BatchAttributes.compressionMask);
  }
  get timestampType(): TimestampType {
    return this.attributes & BatchAttributes.timestampTypeLogAppend ? 'LogAppendTime' : 'CreateTime';
  }
  get isTransactional(): boolean {
    return (this.attributes & BatchAttributes.transactional) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & BatchAttributes.control) !== 0;
  }
  get baseTimestamp(): number {
    return readInt64(this.bytes, BatchHeader.baseTimestamp);
  }
  get maxTimestamp(): number {
    return maxTimestampOf(this.bytes);
  }
  get producerId(): number {
    return producerIdOf(this.bytes);
  }
  get producerEpoch(): number {
    return this.bytes.readInt16BE(BatchHeader.producerEpoch);
  }
  get baseSequence(): number {
    return this.bytes.readInt32BE(BatchHeader.baseSequence);
  }
  get recordCount(): number {
    return this.bytes.readInt32BE(BatchHeader.recordCount);
  }

  /** Whether the stored CRC32C matches the bytes from `attributes` on. */
  isValid(): boolean {
    return native.crc32c(this.bytes, BatchHeader.attributes) === this.crc;
  }

  /**
   * ERR_CORRUPT_BATCH, with the stored and computed CRC32C, unless they match (Kafka's
   * DefaultRecordBatch.ensureValid). A consumer names where it read the batch (`from`),
   * which the error carries with the batch's base offset, as Kafka's CompletedFetch
   * .maybeEnsureValid says "Record batch for partition ... at offset ... is invalid".
   * One CRC pass over the batch's bytes in place: no copy.
   */
  ensureValid(from?: { topic: string; partition: number }): void {
    const computedCrc = native.crc32c(this.bytes, BatchHeader.attributes);
    const storedCrc = this.crc;
    if (computedCrc === storedCrc) return;
    const mismatch = `CRC32C mismatch: stored ${hex(storedCrc)}, computed ${hex(computedCrc)}`;
    if (from === undefined) throw new TributaryError(mismatch, 'ERR_CORRUPT_BATCH', { storedCrc, computedCrc });
    const offset = this.baseOffset;
    throw new TributaryError(
      `record batch of ${from.topic}-${from.partition} at offset ${offset} is corrupt: ${mismatch}`,
      'ERR_CORRUPT_BATCH',
      { topic: from.topic, partition: from.partition, offset, storedCrc, computedCrc },
    );
  }

  /** The records section, decompressed on the calling thread if the batch is compressed. */
  recordsSection(maxBytes?: number): Buffer {
    const payload = this.bytes.subarray(BatchHeader.size);
    const codec = this.compression;
    return codec === 'none' ? payload : decompressSync(codec, payload, maxBytes);
  }

  /** The records section, decompressed off the main thread when that pays. */
  async recordsSectionAsync(maxBytes?: number): Promise<Buffer> {
    const payload = this.bytes.subarray(BatchHeader.size);
    const codec = this.compression;
    return codec === 'none' ? payload : decompress(codec, payload, maxBytes);
  }

  /** The records, parsed one at a time as the iteration goes. */
  records(): Generator<Record> {
    return this.recordsOf(this.recordsSection());
  }

  /** As records(), after decompressing off the main thread. */
  async recordsAsync(): Promise<Generator<Record>> {
    return this.recordsOf(await this.recordsSectionAsync());
  }

  /**
   * The records one at a time, for a reader that may stop between two and go on later.
   * `section` is this batch's records section when the caller has it already
   * (decompressed off the main thread).
   */
  reader(section: Buffer = this.recordsSection()): BatchRecordReader {
    return new BatchRecordReader(new RecordCursor(section, 0, section.length), this.recordBase(), this.recordCount);
  }

  private *recordsOf(section: Buffer): Generator<Record> {
    const reader = this.reader(section);
    for (let record = reader.next(); record !== null; record = reader.next()) yield record;
  }

  private recordBase(): RecordBase {
    return {
      baseOffset: this.baseOffset,
      baseTimestamp: this.baseTimestamp,
      logAppendTime: this.timestampType === 'LogAppendTime' ? this.maxTimestamp : null,
    };
  }
}

/** A batch's records read in order, one `next()` at a time. */
export class BatchRecordReader {
  private remaining: number;

  constructor(
    private readonly cursor: RecordCursor,
    private readonly base: RecordBase,
    recordCount: number,
  ) {
    this.remaining = recordCount;
  }

  /** The next record, or null after the last. */
  next(): Record | null {
    if (this.remaining === 0 || this.cursor.done) return null;
    this.remaining--;
    return this.cursor.next(this.base);
  }
}

retainShape(new BatchRecordReader(new RecordCursor(Buffer.alloc(0), 0, 0), EXEMPLAR_BASE, 0));
