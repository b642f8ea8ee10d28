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
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  /** Control batches (transaction markers) are written by the coordinator only. */
  control?: boolean;
  partitionLeaderEpoch?: number;
}

function bytesSize(bytes: Buffer | null | undefined): number {
  return bytes == null ? 1 : sizeOfVarlong(bytes.length) + bytes.length;
}

function writeBytes(buf: Buffer, offset: number, bytes: Buffer | null | undefined): number {
  if (bytes == null) return writeVarlong(buf, offset, -1);
  offset = writeVarlong(buf, offset, bytes.length);
  bytes.copy(buf, offset);
  return offset + bytes.length;
}

export class RecordBatchBuilder {
  private buffer: Buffer;
  private size: number = BatchHeader.size;
  private count = 0;
  private baseTimestamp: number | undefined;
  private maxTimestamp = -1;

  constructor(
    private readonly options: BatchOptions = {},
    initialCapacity = 1024,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialCapacity, BatchHeader.size));
    this.baseTimestamp = options.baseTimestamp;
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
    const timestamp = record.timestamp ?? (this.baseTimestamp ??= Date.now());
    this.baseTimestamp ??= timestamp;
    const headerKeys = (record.headers ?? []).map((h) => Buffer.from(h.key, 'utf8'));
    const timestampDelta = timestamp - this.baseTimestamp;
    let body = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarlong(this.count);
    body += bytesSize(record.key) + bytesSize(record.value) + sizeOfVarlong(headerKeys.length);
    headerKeys.forEach((key, i) => (body += bytesSize(key) + bytesSize(record.headers![i]!.value)));
    this.reserve(sizeOfVarlong(body) + body);
    let at = writeVarlong(this.buffer, this.size, body);
    this.buffer[at++] = 0;
    at = writeVarlong(this.buffer, at, timestampDelta);
    at = writeVarlong(this.buffer, at, this.count);
    at = writeBytes(this.buffer, at, record.key);
    at = writeBytes(this.buffer, at, record.value);
    at = writeVarlong(this.buffer, at, headerKeys.length);
    headerKeys.forEach((key, i) => {
      at = writeBytes(this.buffer, at, key);
      at = writeBytes(this.buffer, at, record.headers![i]!.value);
    });
    this.size = at;
    this.maxTimestamp = Math.max(this.maxTimestamp, timestamp);
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
    if (o.timestampType === 'LogAppendTime') attributes |= BatchAttributes.timestampTypeLogAppend;
    if (o.transactional) attributes |= BatchAttributes.transactional;
    if (o.control) attributes |= BatchAttributes.control;
    return {
      baseOffset: o.baseOffset ?? 0,
      partitionLeaderEpoch: o.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
      attributes,
      count: this.count,
      baseTimestamp: this.baseTimestamp!,
      maxTimestamp: this.maxTimestamp,
      producerId: o.producerId ?? NO_PRODUCER_ID,
      producerEpoch: o.producerEpoch ?? NO_PRODUCER_EPOCH,
      baseSequence: o.baseSequence ?? NO_SEQUENCE,
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
  buf.writeBigInt64BE(BigInt(h.baseOffset), BatchHeader.baseOffset);
  buf.writeInt32BE(buf.length - BatchHeader.logOverhead, BatchHeader.batchLength);
  buf.writeInt32BE(h.partitionLeaderEpoch, BatchHeader.partitionLeaderEpoch);
  buf.writeInt8(CURRENT_MAGIC, BatchHeader.magic);
  buf.writeInt16BE(h.attributes, BatchHeader.attributes);
  buf.writeInt32BE(h.count - 1, BatchHeader.lastOffsetDelta);
  buf.writeBigInt64BE(BigInt(h.baseTimestamp), BatchHeader.baseTimestamp);
  buf.writeBigInt64BE(BigInt(h.maxTimestamp), BatchHeader.maxTimestamp);
  buf.writeBigInt64BE(BigInt(h.producerId), BatchHeader.producerId);
  buf.writeInt16BE(h.producerEpoch, BatchHeader.producerEpoch);
  buf.writeInt32BE(h.baseSequence, BatchHeader.baseSequence);
  buf.writeInt32BE(h.count, BatchHeader.recordCount);
  buf.writeUInt32BE(native.crc32c(buf, BatchHeader.attributes), BatchHeader.crc);
}

/** One batch of `records` (at least one). */
export function buildRecordBatch(records: RecordInput[], options: BatchOptions = {}): Buffer {
  const builder = new RecordBatchBuilder(options);
  for (const record of records) builder.append(record);
  return builder.build();
}

/** As buildRecordBatch, compressing off the main thread when that pays. */
export async function buildRecordBatchAsync(records: RecordInput[], options: BatchOptions = {}): Promise<Buffer> {
  const builder = new RecordBatchBuilder(options);
  for (const record of records) builder.append(record);
  return builder.buildAsync();
}
