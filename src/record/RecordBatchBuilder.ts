/**
 * Builds RecordBatch v2 (layout in RecordBatchHeader.ts), as Kafka's MemoryRecordsBuilder:
 * records are encoded as they are appended, then the records section is compressed if
 * asked and the header written with its CRC32C. Each record: length varint, attributes
 * i8 (0), timestampDelta varlong, offsetDelta varint, key (varint length, -1 for null),
 * value (likewise), header count varint, then each header's key (varint length + UTF-8)
 * and value (varint length or -1).
 */
import { native } from '../native/addon.js';
import { compress, compressSync, CompressionType, type CompressionCodec } from './Compression.js';
import type { RecordHeader, TimestampType } from './Record.js';
import {
  BatchAttributes,
  BatchHeader,
  CURRENT_MAGIC,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  writeInt64,
} from './RecordBatchHeader.js';
import { sizeOfVarlong, writeVarlong } from './varint.js';

export type { RecordHeader } from './Record.js';

export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  timestamp?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  /** Base of the timestamp deltas; defaults to the first record's timestamp, else now. */
  baseTimestamp?: number;
  compression?: CompressionCodec;
  compressionLevel?: number;
  timestampType?: TimestampType;
  /**
   * The broker's time for a LogAppendTime batch: the header's maxTimestamp, which readers
   * give every record; the records keep their own timestamps, as Kafka's builder leaves them.
   */
  logAppendTime?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  /** Control batches (transaction markers) are written by the coordinator only. */
  control?: boolean;
  partitionLeaderEpoch?: number;
}

function bytesSize(bytes: Uint8Array | null | undefined): number {
  return bytes == null ? 1 : sizeOfVarlong(bytes.length) + bytes.length;
}

/** Below this many bytes a loop copies faster than TypedArray.set, whose call costs about as much as 100 bytes. */
const LOOP_COPY_BYTES = 32;

function writeBytes(buf: Buffer, offset: number, bytes: Uint8Array | null | undefined): number {
  if (bytes == null) return writeVarlong(buf, offset, -1);
  const length = bytes.length;
  offset = writeVarlong(buf, offset, length);
  if (length > LOOP_COPY_BYTES) buf.set(bytes, offset);
  else for (let i = 0; i < length; i++) buf[offset + i] = bytes[i]!;
  return offset + length;
}

/** UTF-8 length of a header key; short ASCII keys (the usual ones) skip Buffer's slower path. */
function utf8Length(text: string): number {
  if (text.length > 32) return Buffer.byteLength(text, 'utf8');
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, 'utf8');
  return text.length;
}

function writeUtf8(buf: Buffer, offset: number, text: string, bytes: number): number {
  if (bytes !== text.length || bytes > 32) return offset + buf.write(text, offset, 'utf8');
  for (let i = 0; i < bytes; i++) buf[offset + i] = text.charCodeAt(i);
  return offset + bytes;
}

function headersSize(headers: readonly RecordHeader[]): number {
  let size = sizeOfVarlong(headers.length);
  for (const h of headers) {
    const keyBytes = utf8Length(h.key);
    size += sizeOfVarlong(keyBytes) + keyBytes + bytesSize(h.value);
  }
  return size;
}

function writeHeaders(buf: Buffer, offset: number, headers: readonly RecordHeader[]): number {
  offset = writeVarlong(buf, offset, headers.length);
  for (const h of headers) {
    const keyBytes = utf8Length(h.key);
    offset = writeUtf8(buf, writeVarlong(buf, offset, keyBytes), h.key, keyBytes);
    offset = writeBytes(buf, offset, h.value);
  }
  return offset;
}

/**
 * The most a record adds to a batch: DefaultRecord.sizeInBytes with each varint at its
 * widest (length 5, attributes 1, timestamp delta 10, offset delta 5, key and value
 * lengths 5 each, header count 5; each header's key and value lengths 5 each).
 */
const RECORD_OVERHEAD_BOUND = 36;
const HEADER_OVERHEAD_BOUND = 10;

export function recordSizeUpperBound(record: RecordInput): number {
  let size = RECORD_OVERHEAD_BOUND + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  const headers = record.headers;
  if (headers === undefined) return size;
  for (const header of headers) size += HEADER_OVERHEAD_BOUND + utf8Length(header.key) + (header.value?.length ?? 0);
  return size;
}

export class RecordBatchBuilder {
  private buffer: Buffer;
  private size: number = BatchHeader.size;
  private count = 0;
  private baseTimestamp: number | undefined;
  private maxTimestamp = -1;
  private producerId: number;
  private producerEpoch: number;
  private baseSequence: number;

  /** `initialCapacity` may be a buffer to encode into (a pooled one), grown like any other. */
  constructor(
    private readonly options: BatchOptions = {},
    initialCapacity: number | Buffer = 1024,
  ) {
    this.buffer =
      typeof initialCapacity === 'number'
        ? Buffer.allocUnsafe(Math.max(initialCapacity, BatchHeader.size))
        : initialCapacity;
    this.baseTimestamp = options.baseTimestamp;
    this.producerId = options.producerId ?? NO_PRODUCER_ID;
    this.producerEpoch = options.producerEpoch ?? NO_PRODUCER_EPOCH;
    this.baseSequence = options.baseSequence ?? NO_SEQUENCE;
  }

  /**
   * The producer id, epoch and base sequence the header gets when the batch is built
   * (MemoryRecordsBuilder.setProducerState): a producer gives a batch its sequence when
   * it is sealed, after its records were appended.
   */
  setProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes of the batch built so far, before compression. */
  get uncompressedSize(): number {
    return this.size;
  }

  /** Encodes `record` as the next one; returns its offset delta. */
  append(record: RecordInput): number {
    const { key, value, headers } = record;
    const time = record.timestamp ?? (this.baseTimestamp ??= Date.now());
    this.baseTimestamp ??= time;
    const timestampDelta = time - this.baseTimestamp;
    const noHeaders = headers === undefined || headers.length === 0;
    const body =
      1 +
      sizeOfVarlong(timestampDelta) +
      sizeOfVarlong(this.count) +
      bytesSize(key) +
      bytesSize(value) +
      (noHeaders ? 1 : headersSize(headers));
    this.reserve(sizeOfVarlong(body) + body);
    const buf = this.buffer;
    let at = writeVarlong(buf, this.size, body);
    buf[at++] = 0;
    at = writeVarlong(buf, at, timestampDelta);
    at = writeVarlong(buf, at, this.count);
    at = writeBytes(buf, at, key);
    at = writeBytes(buf, at, value);
    if (noHeaders) buf[at++] = 0;
    else at = writeHeaders(buf, at, headers);
    this.size = at;
    if (time > this.maxTimestamp) this.maxTimestamp = time;
    return this.count++;
  }

  private reserve(bytes: number): void {
    if (this.size + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.size + bytes, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.size);
    this.buffer = grown;
  }

  /** The finished batch, compressed on the calling thread. */
  build(): Buffer {
    const codec = this.options.compression ?? 'none';
    if (codec === 'none') return this.finish(this.buffer.subarray(0, this.size));
    return this.finish(compressSync(codec, this.section(), this.options.compressionLevel), codec);
  }

  /** The finished batch, compressed off the main thread when that pays. */
  async buildAsync(): Promise<Buffer> {
    const codec = this.options.compression ?? 'none';
    if (codec === 'none') return this.build();
    return this.finish(await compress(codec, this.section(), this.options.compressionLevel), codec);
  }

  private section(): Buffer {
    return this.buffer.subarray(BatchHeader.size, this.size);
  }

  /** Writes the header in front of `records` (the uncompressed buffer, or a compressed section). */
  private finish(records: Buffer, codec: CompressionCodec = 'none'): Buffer {
    if (this.count === 0) throw new RangeError('a record batch needs at least one record');
    const batch = codec === 'none' ? records : Buffer.concat([this.buffer.subarray(0, BatchHeader.size), records]);
    writeHeader(batch, this.headerFields(codec));
    return batch;
  }

  private headerFields(codec: CompressionCodec): HeaderFields {
    const o = this.options;
    let attributes = CompressionType[codec];
    if (o.timestampType === 'LogAppendTime' || o.logAppendTime !== undefined)
      attributes |= BatchAttributes.timestampTypeLogAppend;
    if (o.transactional) attributes |= BatchAttributes.transactional;
    if (o.control) attributes |= BatchAttributes.control;
    return {
      baseOffset: o.baseOffset ?? 0,
      partitionLeaderEpoch: o.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
      attributes,
      count: this.count,
      baseTimestamp: this.baseTimestamp!,
      maxTimestamp: o.logAppendTime ?? this.maxTimestamp,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: this.baseSequence,
    };
  }
}

interface HeaderFields {
  baseOffset: number;
  partitionLeaderEpoch: number;
  attributes: number;
  count: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

function writeHeader(buf: Buffer, h: HeaderFields): void {
  writeInt64(buf, h.baseOffset, BatchHeader.baseOffset);
  buf.writeInt32BE(buf.length - BatchHeader.logOverhead, BatchHeader.batchLength);
  buf.writeInt32BE(h.partitionLeaderEpoch, BatchHeader.partitionLeaderEpoch);
  buf.writeInt8(CURRENT_MAGIC, BatchHeader.magic);
  buf.writeInt16BE(h.attributes, BatchHeader.attributes);
  buf.writeInt32BE(h.count - 1, BatchHeader.lastOffsetDelta);
  writeInt64(buf, h.baseTimestamp, BatchHeader.baseTimestamp);
  writeInt64(buf, h.maxTimestamp, BatchHeader.maxTimestamp);
  buf.writeInt32BE(h.count, BatchHeader.recordCount);
  rewriteProducerState(buf, h.producerId, h.producerEpoch, h.baseSequence);
}

/**
 * Writes the producer id, epoch and base sequence into the built batch `buf` and
 * computes its CRC anew (the CRC covers them): a producer that bumped its epoch gives the
 * batches it had already built their new epoch and sequences, as Kafka's
 * ProducerBatch.resetProducerState does before the batch is written again.
 */
export function rewriteProducerState(
  buf: Buffer,
  producerId: number,
  producerEpoch: number,
  baseSequence: number,
): void {
  writeInt64(buf, producerId, BatchHeader.producerId);
  buf.writeInt16BE(producerEpoch, BatchHeader.producerEpoch);
  buf.writeInt32BE(baseSequence, BatchHeader.baseSequence);
  buf.writeUInt32BE(native.crc32c(buf, BatchHeader.attributes), BatchHeader.crc);
}

/** One batch of `records` (at least one). */
export function buildRecordBatch(records: RecordInput[], options: BatchOptions = {}): Buffer {
  const builder = new RecordBatchBuilder(options, batchSizeUpperBound(records));
  for (const record of records) builder.append(record);
  return builder.build();
}

/**
 * The most `records` take uncompressed: the builder's first buffer, so a coordinator's
 * one small record takes ~100 bytes of Node's 8 KiB buffer pool, not 1 KiB, and a large
 * batch is never grown and copied.
 */
function batchSizeUpperBound(records: readonly RecordInput[]): number {
  let size = BatchHeader.size;
  for (const record of records) size += recordSizeUpperBound(record);
  return size;
}

/** As buildRecordBatch, compressing off the main thread when that pays. */
export async function buildRecordBatchAsync(records: RecordInput[], options: BatchOptions = {}): Promise<Buffer> {
  const builder = new RecordBatchBuilder(options, batchSizeUpperBound(records));
  for (const record of records) builder.append(record);
  return builder.buildAsync();
}
