/**
 * A legacy MessageSet (Kafka's AbstractLegacyRecordBatch): entries of offset i64 |
 * message size i32 | message (LegacyRecord.ts), back to back. A compressed entry is a
 * wrapper whose value is a whole MessageSet of uncompressed inner messages. Inner
 * offsets of a v1 wrapper are relative (0..n-1) and the wrapper carries the absolute
 * offset of the last one (KIP-31); v0 inner offsets are absolute. The timestamp of a v1
 * CreateTime wrapper is the largest inner one; the inner messages of a LogAppendTime
 * wrapper take the wrapper's.
 *
 * lz4 at magic 0 is refused both ways: pre-0.10 Kafka computed that frame's header
 * checksum over the wrong bytes, and the lz4 codec API cannot read or write it.
 */
import { TributaryError } from '../errors.js';
import { compressSync, decompressSync, DEFAULT_MAX_DECOMPRESSED_BYTES, type CompressionCodec } from './Compression.js';
import {
  legacyRecordSize,
  NO_TIMESTAMP,
  readLegacyRecord,
  recordOverhead,
  writeLegacyRecord,
  type LegacyMagic,
  type LegacyRecord,
} from './LegacyRecord.js';
import type { Record, TimestampType } from './Record.js';
import { readInt64 } from './RecordBatchHeader.js';

/** offset i64 + message size i32 in front of every message. */
export const LOG_OVERHEAD = 12;

export interface MessageSetEntry {
  offset: number;
  /** Where the entry starts in its MessageSet. */
  position: number;
  record: LegacyRecord;
}

export interface MessageSetReadOptions {
  /**
   * A fetch may cut the last entry short, and readers skip it, as Kafka's consumers do;
   * in a produce request a partial entry is an error.
   */
  source?: 'fetch' | 'produce';
  /** Upper bound on a wrapper's value once decompressed. */
  maxDecompressedBytes?: number;
}

function invalid(message: string, position: number): TributaryError {
  return new TributaryError(`invalid message set: ${message}`, 'ERR_INVALID_RECORD', { position });
}

/** Below magic 2 Kafka has no zstd, and its magic-0 lz4 frames are not standard ones. */
export function checkLegacyCodec(magic: LegacyMagic, codec: CompressionCodec): void {
  if (codec === 'zstd' || (codec === 'lz4' && magic === 0)) {
    throw new TributaryError(
      `${codec} compression is not supported with magic ${magic}`,
      'ERR_UNSUPPORTED_COMPRESSION_TYPE',
    );
  }
}

function partialEntry(bytes: number, position: number, source: 'fetch' | 'produce'): void {
  if (source === 'produce')
    throw new TributaryError(`message set ends inside an entry (${bytes} bytes at ${position})`, 'ERR_TRUNCATED', {
      position,
    });
}

/** The entries of `messageSet` as they are stored (wrappers not opened), read one at a time. */
export function* messageSetEntries(
  messageSet: Buffer,
  source: 'fetch' | 'produce' = 'fetch',
): Generator<MessageSetEntry> {
  let position = 0;
  while (position < messageSet.length) {
    const remaining = messageSet.length - position;
    if (remaining < LOG_OVERHEAD) return partialEntry(remaining, position, source);
    const size = messageSet.readInt32BE(position + 8);
    if (size < recordOverhead(0)) {
      throw new TributaryError(
        `message size ${size} is below the minimum of ${recordOverhead(0)}`,
        'ERR_CORRUPT_BATCH',
        { position },
      );
    }
    if (size > remaining - LOG_OVERHEAD) return partialEntry(remaining, position, source);
    const offset = readInt64(messageSet, position);
    const record = readLegacyRecord(
      messageSet.subarray(position + LOG_OVERHEAD, position + LOG_OVERHEAD + size),
      position,
    );
    yield { offset, position, record };
    position += LOG_OVERHEAD + size;
  }
}

function innerEntries(wrapper: MessageSetEntry, maxBytes: number): MessageSetEntry[] {
  const { record, position } = wrapper;
  checkLegacyCodec(record.magic, record.compression);
  if (record.value === null)
    throw new TributaryError('compressed wrapper message has a null value', 'ERR_CORRUPT_BATCH', { position });
  const inner = [...messageSetEntries(decompressSync(record.compression, record.value, maxBytes), 'produce')];
  if (inner.length === 0) throw invalid('compressed wrapper message holds no messages', position);
  for (const entry of inner) {
    if (entry.record.compression !== 'none')
      throw invalid('a compressed message holds another compressed message', position);
    if (entry.record.magic !== record.magic)
      throw invalid(`inner magic ${entry.record.magic} in a magic ${record.magic} wrapper`, position);
  }
  return inner;
}

const asRecord = (offset: number, timestamp: number, record: LegacyRecord): Record => ({
  offset,
  timestamp,
  key: record.key,
  value: record.value,
  headers: [],
});

/** The records of one entry, with offsets and timestamps as Kafka's readers compute them. */
export function entryRecords(entry: MessageSetEntry, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Record[] {
  const wrapper = entry.record;
  if (wrapper.compression === 'none') return [asRecord(entry.offset, wrapper.timestamp, wrapper)];
  const inner = innerEntries(entry, maxBytes);
  // A v1 wrapper from a producer (not yet given offsets by a broker) can make this negative: offsets stay relative then.
  const absoluteBase = wrapper.magic > 0 ? entry.offset - inner[inner.length - 1]!.offset : -1;
  const logAppendTime = wrapper.timestampType === 'LogAppendTime';
  return inner.map(({ offset, record }) =>
    asRecord(
      absoluteBase >= 0 ? absoluteBase + offset : offset,
      logAppendTime ? wrapper.timestamp : record.timestamp,
      record,
    ),
  );
}

/** Every record of `messageSet`, wrappers decompressed one at a time as the iteration reaches them. */
export function* messageSetRecords(messageSet: Buffer, options: MessageSetReadOptions = {}): Generator<Record> {
  for (const entry of messageSetEntries(messageSet, options.source))
    yield* entryRecords(entry, options.maxDecompressedBytes);
}

export interface LegacyRecordInput {
  /** Defaults to the previous record's offset + 1 (the first: baseOffset). */
  offset?: number;
  timestamp?: number;
  key?: Buffer | null;
  value: Buffer | null;
}

export interface MessageSetOptions {
  magic: LegacyMagic;
  compression?: CompressionCodec;
  compressionLevel?: number;
  baseOffset?: number;
  timestampType?: TimestampType;
  /** The broker's time for a LogAppendTime set (default Date.now()). */
  logAppendTime?: number;
}

interface Entry {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  compression?: CompressionCodec;
}

function writeEntries(entries: Entry[], magic: LegacyMagic, timestampType: TimestampType): Buffer {
  const sizes = entries.map((e) => legacyRecordSize(magic, e.key, e.value));
  const out = Buffer.allocUnsafe(sizes.reduce((sum, size) => sum + LOG_OVERHEAD + size, 0));
  let at = 0;
  entries.forEach((entry, i) => {
    at = out.writeBigInt64BE(BigInt(entry.offset), at);
    at = out.writeInt32BE(sizes[i]!, at);
    at = writeLegacyRecord(out, at, { magic, timestampType, ...entry });
  });
  return out;
}

function entriesOf(records: LegacyRecordInput[], options: MessageSetOptions): Entry[] {
  const now = Date.now();
  const logAppendTime = options.timestampType === 'LogAppendTime' ? (options.logAppendTime ?? now) : undefined;
  let offset = (options.baseOffset ?? 0) - 1;
  return records.map((r) => ({
    offset: (offset = r.offset ?? offset + 1),
    timestamp: options.magic === 0 ? NO_TIMESTAMP : (logAppendTime ?? r.timestamp ?? now),
    key: r.key ?? null,
    value: r.value,
  }));
}

/**
 * A MessageSet of `records` as Kafka 0.10's producer and broker write one: uncompressed,
 * one entry per record; compressed, one wrapper holding them all.
 */
export function buildMessageSet(records: LegacyRecordInput[], options: MessageSetOptions): Buffer {
  const { magic } = options;
  const codec = options.compression ?? 'none';
  const timestampType = magic > 0 ? (options.timestampType ?? 'CreateTime') : 'CreateTime';
  const entries = entriesOf(records, options);
  if (codec === 'none' || entries.length === 0) return writeEntries(entries, magic, timestampType);
  checkLegacyCodec(magic, codec);
  const first = entries[0]!.offset;
  const inner = magic > 0 ? entries.map((e) => ({ ...e, offset: e.offset - first })) : entries;
  const wrapper: Entry = {
    offset: entries[entries.length - 1]!.offset,
    timestamp: entries.reduce((max, e) => Math.max(max, e.timestamp), NO_TIMESTAMP),
    key: null,
    value: compressSync(codec, writeEntries(inner, magic, timestampType), options.compressionLevel),
    compression: codec,
  };
  return writeEntries([wrapper], magic, timestampType);
}
