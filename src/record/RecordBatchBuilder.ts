/**
 * Builds an uncompressed RecordBatch v2 (layout in RecordBatchHeader.ts). Each record:
 * length varint, attributes i8 (0), timestampDelta varlong, offsetDelta varint, key
 * (varint length, -1 for null), value (likewise), header count varint, then for each
 * header a key (varint length + UTF-8) and a value (varint length or -1).
 */
import { native } from '../native/addon.js';
import {
  BatchHeader,
  CURRENT_MAGIC,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
} from './RecordBatchHeader.js';
import { sizeOfVarlong, writeVarlong } from './varint.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  timestamp?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  /** Timestamp for records that have none, and the base of the deltas; defaults to now. */
  baseTimestamp?: number;
}

interface EncodedRecord {
  body: number;
  headerKeys: Buffer[];
}

function bytesSize(bytes: Buffer | null | undefined): number {
  return bytes == null ? sizeOfVarlong(-1) : sizeOfVarlong(bytes.length) + bytes.length;
}

function recordBodySize(record: RecordInput, headerKeys: Buffer[], timestampDelta: number, offsetDelta: number): number {
  let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarlong(offsetDelta);
  size += bytesSize(record.key) + bytesSize(record.value) + sizeOfVarlong(headerKeys.length);
  (record.headers ?? []).forEach((h, i) => {
    size += bytesSize(headerKeys[i]) + bytesSize(h.value);
  });
  return size;
}

function writeBytes(buf: Buffer, offset: number, bytes: Buffer | null | undefined): number {
  if (bytes == null) return writeVarlong(buf, offset, -1);
  offset = writeVarlong(buf, offset, bytes.length);
  bytes.copy(buf, offset);
  return offset + bytes.length;
}

function writeRecord(buf: Buffer, offset: number, record: RecordInput, enc: EncodedRecord, tsDelta: number, offDelta: number): number {
  offset = writeVarlong(buf, offset, enc.body);
  buf[offset++] = 0;
  offset = writeVarlong(buf, offset, tsDelta);
  offset = writeVarlong(buf, offset, offDelta);
  offset = writeBytes(buf, offset, record.key);
  offset = writeBytes(buf, offset, record.value);
  offset = writeVarlong(buf, offset, enc.headerKeys.length);
  (record.headers ?? []).forEach((h, i) => {
    offset = writeBytes(buf, offset, enc.headerKeys[i]);
    offset = writeBytes(buf, offset, h.value);
  });
  return offset;
}

export function buildRecordBatch(records: RecordInput[], options: BatchOptions = {}): Buffer {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const baseTimestamp = options.baseTimestamp ?? records[0]?.timestamp ?? Date.now();
  const timestamps = records.map((r) => r.timestamp ?? baseTimestamp);
  const encoded = records.map((r, i) => {
    const headerKeys = (r.headers ?? []).map((h) => Buffer.from(h.key, 'utf8'));
    return { body: recordBodySize(r, headerKeys, timestamps[i]! - baseTimestamp, i), headerKeys };
  });
  const size = BatchHeader.size + encoded.reduce((sum, e) => sum + sizeOfVarlong(e.body) + e.body, 0);
  const buf = Buffer.alloc(size);
  let offset: number = BatchHeader.size;
  records.forEach((r, i) => {
    offset = writeRecord(buf, offset, r, encoded[i]!, timestamps[i]! - baseTimestamp, i);
  });
  writeHeader(buf, records.length, baseTimestamp, Math.max(...timestamps), options.baseOffset ?? 0);
  return buf;
}

function writeHeader(buf: Buffer, count: number, baseTimestamp: number, maxTimestamp: number, baseOffset: number): void {
  buf.writeBigInt64BE(BigInt(baseOffset), BatchHeader.baseOffset);
  buf.writeInt32BE(buf.length - BatchHeader.logOverhead, BatchHeader.batchLength);
  buf.writeInt32BE(NO_PARTITION_LEADER_EPOCH, BatchHeader.partitionLeaderEpoch);
  buf.writeInt8(CURRENT_MAGIC, BatchHeader.magic);
  buf.writeInt16BE(0, BatchHeader.attributes);
  buf.writeInt32BE(count - 1, BatchHeader.lastOffsetDelta);
  buf.writeBigInt64BE(BigInt(baseTimestamp), BatchHeader.baseTimestamp);
  buf.writeBigInt64BE(BigInt(maxTimestamp), BatchHeader.maxTimestamp);
  buf.writeBigInt64BE(BigInt(NO_PRODUCER_ID), BatchHeader.producerId);
  buf.writeInt16BE(NO_PRODUCER_EPOCH, BatchHeader.producerEpoch);
  buf.writeInt32BE(NO_SEQUENCE, BatchHeader.baseSequence);
  buf.writeInt32BE(count, BatchHeader.recordCount);
  buf.writeUInt32BE(native.crc32c(buf, BatchHeader.attributes), BatchHeader.crc);
}
