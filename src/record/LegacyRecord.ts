/**
 * One legacy message (Kafka's LegacyRecord, magic v0 and v1), big-endian:
 *
 *   v0: crc u32 | magic i8 = 0 | attributes i8 | key (i32 length, -1 null) | value (likewise)
 *   v1: crc u32 | magic i8 = 1 | attributes i8 | timestamp i64 | key | value
 *
 * The CRC-32 (IEEE) covers everything after the crc field. Attribute bits 0-2 name the
 * codec of a wrapper message (whose value is a compressed MessageSet); bit 3 (v1 only)
 * marks LogAppendTime.
 */
import { crc32 } from 'node:zlib';
import { TributaryError } from '../errors.js';
import { compressionCodecOf, CompressionType, type CompressionCodec } from './Compression.js';
import type { TimestampType } from './Record.js';
import { BatchAttributes, readInt64 } from './RecordBatchHeader.js';

export type LegacyMagic = 0 | 1;

/** v0 messages carry no timestamp; readers see RecordBatch.NO_TIMESTAMP. */
export const NO_TIMESTAMP = -1;

// The legacy attributes byte uses the same low bits as RecordBatch v2's attributes.
const { compressionMask: CODEC_MASK, timestampTypeLogAppend: TIMESTAMP_TYPE_LOG_APPEND } = BatchAttributes;

const CRC = 0;
const MAGIC = 4;
const ATTRIBUTES = 5;
const TIMESTAMP = 6;

/** Bytes of a message around its key and value bytes: crc, magic, attributes, [timestamp], two lengths. */
export function recordOverhead(magic: LegacyMagic): number {
  return magic === 0 ? 14 : 22;
}

export function legacyRecordSize(magic: LegacyMagic, key: Buffer | null, value: Buffer | null): number {
  return recordOverhead(magic) + (key?.length ?? 0) + (value?.length ?? 0);
}

export interface LegacyRecord {
  magic: LegacyMagic;
  crc: number;
  compression: CompressionCodec;
  timestampType: TimestampType;
  /** NO_TIMESTAMP for v0. */
  timestamp: number;
  /** Views into the message bytes. */
  key: Buffer | null;
  value: Buffer | null;
}

export interface LegacyRecordFields {
  magic: LegacyMagic;
  compression?: CompressionCodec;
  timestampType?: TimestampType;
  timestamp?: number;
  key?: Buffer | null;
  value: Buffer | null;
}

function corrupt(message: string, position?: number): TributaryError {
  return new TributaryError(
    `corrupt legacy message: ${message}`,
    'ERR_CORRUPT_BATCH',
    position === undefined ? {} : { position },
  );
}

/** Checks a legacy magic byte; anything else in a MessageSet is corruption. */
export function legacyMagicOf(magic: number, position?: number): LegacyMagic {
  if (magic !== 0 && magic !== 1) throw corrupt(`magic ${magic} is not 0 or 1`, position);
  return magic;
}

/** The codec of attribute bits 0-2, which below magic 2 excludes zstd. */
export function legacyCompressionOf(attributes: number): CompressionCodec {
  const codec = compressionCodecOf(attributes & CODEC_MASK);
  if (codec === 'zstd') {
    throw new TributaryError('zstd compression needs message format v2 (magic 2)', 'ERR_UNSUPPORTED_COMPRESSION_TYPE');
  }
  return codec;
}

function readBytes(message: Buffer, at: number, position: number): [Buffer | null, number] {
  if (at + 4 > message.length)
    throw corrupt(`length field at byte ${at} past the end of a ${message.length}-byte message`, position);
  const length = message.readInt32BE(at);
  if (length === -1) return [null, at + 4];
  if (length < 0 || length > message.length - at - 4)
    throw corrupt(`length ${length} at byte ${at} does not fit the message`, position);
  return [message.subarray(at + 4, at + 4 + length), at + 4 + length];
}

/**
 * Reads exactly one message (`message` is its bytes, without the MessageSet entry's
 * offset and size). `position` locates it in the enclosing set for error reports.
 */
export function readLegacyRecord(message: Buffer, position = 0): LegacyRecord {
  if (message.length < recordOverhead(0))
    throw corrupt(`${message.length} bytes is below the minimum message size`, position);
  const magic = legacyMagicOf(message.readInt8(MAGIC), position);
  if (message.length < recordOverhead(magic))
    throw corrupt(`${message.length} bytes is below the v${magic} message size`, position);
  const crc = message.readUInt32BE(CRC);
  const actual = crc32(message.subarray(MAGIC));
  if (actual !== crc) throw corrupt(`CRC is ${actual.toString(16)}, message says ${crc.toString(16)}`, position);
  const attributes = message.readInt8(ATTRIBUTES);
  const timestamp = magic === 0 ? NO_TIMESTAMP : readInt64(message, TIMESTAMP);
  const [key, afterKey] = readBytes(message, magic === 0 ? TIMESTAMP : TIMESTAMP + 8, position);
  const [value, end] = readBytes(message, afterKey, position);
  if (end !== message.length) throw corrupt(`${message.length - end} bytes after the value`, position);
  return {
    magic,
    crc,
    compression: legacyCompressionOf(attributes),
    timestampType: magic > 0 && attributes & TIMESTAMP_TYPE_LOG_APPEND ? 'LogAppendTime' : 'CreateTime',
    timestamp,
    key,
    value,
  };
}

function writeBytes(buf: Buffer, at: number, bytes: Buffer | null | undefined): number {
  if (bytes == null) return buf.writeInt32BE(-1, at);
  at = buf.writeInt32BE(bytes.length, at);
  return at + bytes.copy(buf, at);
}

/** Writes one message at `at` in `buf` (which must have legacyRecordSize bytes there); returns its end. */
export function writeLegacyRecord(buf: Buffer, at: number, fields: LegacyRecordFields): number {
  const { magic } = fields;
  let attributes = CompressionType[fields.compression ?? 'none'];
  if (magic > 0 && fields.timestampType === 'LogAppendTime') attributes |= TIMESTAMP_TYPE_LOG_APPEND;
  buf.writeInt8(magic, at + MAGIC);
  buf.writeInt8(attributes, at + ATTRIBUTES);
  let end = at + TIMESTAMP;
  if (magic > 0) end = buf.writeBigInt64BE(BigInt(fields.timestamp ?? NO_TIMESTAMP), end);
  end = writeBytes(buf, end, fields.key);
  end = writeBytes(buf, end, fields.value);
  buf.writeUInt32BE(crc32(buf.subarray(at + MAGIC, end)), at + CRC);
  return end;
}
