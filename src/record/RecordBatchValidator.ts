/**
 * Validation of a produced RecordBatch v2 before the log takes it, as Kafka's broker
 * does (LogValidator): framing, magic, CRC, codec, record count against the offset
 * range, producer fields, then every record's framing (native/record_scan.h) with
 * offset deltas 0..n-1, keys where the topic is compacted, and timestamps. A CreateTime
 * header maxTimestamp that is not the records' largest is not refused: Kafka sets it
 * (assignOffsetsNonCompressed / validateMessagesAndAssignOffsetsCompressed call
 * setMaxTimestamp), which `correctMaxTimestamp` does.
 */
import { TributaryError } from '../errors.js';
import { native } from '../native/addon.js';
import type { CompressionCodec } from './Compression.js';
import { RecordBatch } from './RecordBatch.js';
import {
  BatchAttributes,
  BatchHeader,
  maxTimestampOf,
  NO_PRODUCER_ID,
  producerIdOf,
  writeInt64,
} from './RecordBatchHeader.js';
import { readVarlong } from './varint.js';

export interface BatchValidationOptions {
  /** The broker's clock for timestamp checks (default Date.now()). */
  now?: number;
  /** message.timestamp.before.max.ms: how far in the past a CreateTime timestamp may be. */
  timestampBeforeMaxMs?: number;
  /** message.timestamp.after.max.ms: how far in the future a CreateTime timestamp may be. */
  timestampAfterMaxMs?: number;
  /** cleanup.policy=compact: a record without a key could never be compacted away. */
  requireKeys?: boolean;
  /** Control batches come from the transaction coordinator, never from a client. */
  origin?: 'client' | 'coordinator';
  /** Upper bound on a compressed batch's records once decompressed. */
  maxDecompressedBytes?: number;
}

export interface ValidatedBatch {
  batch: RecordBatch;
  compression: CompressionCodec;
  recordCount: number;
  /**
   * The largest record timestamp under CreateTime (what the header's maxTimestamp must
   * be: see correctMaxTimestamp); the header's under LogAppendTime.
   */
  maxTimestamp: number;
  offsetDeltaOfMaxTimestamp: number;
}

const summary = new Float64Array(5);

function invalid(message: string, position?: number): TributaryError {
  return new TributaryError(
    `invalid record batch: ${message}`,
    'ERR_INVALID_RECORD',
    position === undefined ? {} : { position },
  );
}

function checkHeader(bytes: Buffer, options: BatchValidationOptions): RecordBatch {
  const batch = RecordBatch.from(bytes);
  if (batch.sizeInBytes !== bytes.length) throw invalid(`${bytes.length - batch.sizeInBytes} bytes after the batch`);
  checkCrc(batch);
  const count = batch.recordCount;
  // Kafka's messages (LogValidator.validateBatch), offsets relative to the batch.
  if (count <= 0) throw invalid(`Invalid reported count for record batch: ${count}`);
  if (batch.lastOffsetDelta !== count - 1)
    throw invalid(`Inconsistent batch offset range [0, ${batch.lastOffsetDelta}] and count of records ${count}`);
  if ((options.origin ?? 'client') === 'client') checkClientFields(batch.bytes);
  return batch;
}

/** ERR_CORRUPT_BATCH unless the batch's CRC32C holds. */
export function checkCrc(batch: RecordBatch): void {
  batch.ensureValid();
}

/**
 * What only a client's batch must satisfy: no control batch, a sequence with a producer
 * id, a producer id with a transactional batch. Read from the header bytes alone, so the
 * log can check a produced batch without a RecordBatch object.
 */
export function checkClientFields(bytes: Buffer): void {
  const attributes = bytes.readInt16BE(BatchHeader.attributes);
  // Kafka's messages (LogValidator.validateBatch).
  if ((attributes & BatchAttributes.control) !== 0) throw invalid('Clients are not allowed to write control records');
  const producerId = producerIdOf(bytes);
  const baseSequence = bytes.readInt32BE(BatchHeader.baseSequence);
  const hasProducerId = producerId !== NO_PRODUCER_ID;
  if (hasProducerId && baseSequence < 0)
    throw invalid(`Invalid sequence number ${baseSequence} in record batch with producerId ${producerId}`);
  if ((attributes & BatchAttributes.transactional) !== 0 && !hasProducerId)
    throw invalid('transactional batch without a producer id');
}

/** RecordBatch.NO_TIMESTAMP: a record without a timestamp, which Kafka exempts from the bounds. */
export const NO_TIMESTAMP = -1;

// Kafka's message for a record out of bounds (LogValidator.validateTimestamp).
function checkTimestamp(timestamp: number, options: BatchValidationOptions): void {
  const now = options.now ?? Date.now();
  const before = options.timestampBeforeMaxMs ?? Infinity;
  const after = options.timestampAfterMaxMs ?? Infinity;
  if (now - timestamp > before || timestamp - now > after) {
    throw new TributaryError(
      `One or more records have been rejected due to invalid timestamp: timestamp ${timestamp} is out of range. ` +
        `The timestamp should be within [${now - before}, ${now + after}]`,
      'ERR_INVALID_TIMESTAMP',
    );
  }
}

/**
 * The smallest and largest record timestamps other than NO_TIMESTAMP in an uncompressed
 * records section (already framed by native.scanRecords), or null if no record has one.
 */
function timestampRange(section: Buffer, baseTimestamp: number): [number, number] | null {
  let smallest = Infinity;
  let largest = -Infinity;
  for (let at = 0; at < section.length;) {
    const length = readVarlong(section, at, section.length)!;
    const timestamp = baseTimestamp + readVarlong(section, length.next + 1, section.length)!.value;
    if (timestamp !== NO_TIMESTAMP) [smallest, largest] = [Math.min(smallest, timestamp), Math.max(largest, timestamp)];
    at = length.next + length.value;
  }
  return smallest === Infinity ? null : [smallest, largest];
}

/**
 * Checks CreateTime records' timestamps against the bounds, records without one exempt
 * (LogValidator.validateTimestamp): from the smallest and largest, unless one of those is
 * NO_TIMESTAMP, when the records are walked for the range of the others.
 */
function checkTimestamps(
  section: Buffer,
  base: number,
  min: number,
  max: number,
  options: BatchValidationOptions,
): void {
  const range = min !== NO_TIMESTAMP && max !== NO_TIMESTAMP ? [min, max] : timestampRange(section, base);
  if (range === null) return;
  checkTimestamp(range[0]!, options);
  checkTimestamp(range[1]!, options);
}

/**
 * Sets the header's maxTimestamp to `maxTimestamp` when it differs, recomputing the CRC,
 * in place: Kafka's DefaultRecordBatch.setMaxTimestamp, which LogValidator calls on every
 * CreateTime batch with its records' largest timestamp. Returns whether it rewrote.
 */
export function correctMaxTimestamp(bytes: Buffer, maxTimestamp: number): boolean {
  if (maxTimestampOf(bytes) === maxTimestamp) return false;
  writeInt64(bytes, maxTimestamp, BatchHeader.maxTimestamp);
  reseal(bytes);
  return true;
}

/**
 * Marks a batch CreateTime, CRC recomputed, once its CRC is checked (ERR_CORRUPT_BATCH
 * otherwise: a recomputed CRC must not hide a corruption).
 */
export function clearLogAppendTime(bytes: Buffer): void {
  checkCrc(RecordBatch.from(bytes));
  const attributes = bytes.readInt16BE(BatchHeader.attributes) & ~BatchAttributes.timestampTypeLogAppend;
  bytes.writeInt16BE(attributes, BatchHeader.attributes);
  reseal(bytes);
}

/** Recomputes the CRC32C after a header field it covers was set. */
function reseal(bytes: Buffer): void {
  bytes.writeUInt32BE(native.crc32c(bytes, BatchHeader.attributes), BatchHeader.crc);
}

function checkRecords(batch: RecordBatch, section: Buffer, options: BatchValidationOptions): ValidatedBatch {
  const count = batch.recordCount;
  const problem = native.scanRecords(section, 0, section.length, count, summary);
  if (problem !== undefined) throw invalid(problem, summary[4]);
  const maxDelta = summary[0]!;
  const minDelta = summary[1]!;
  const offsetDeltaOfMax = summary[2]!;
  const nullKeys = summary[3]!;
  // Kafka's message (LogValidator.validateKey).
  if (options.requireKeys && nullKeys > 0)
    throw invalid(`Compacted topic cannot accept message without key (${nullKeys} records without one)`);
  const base = batch.baseTimestamp;
  const createTime = batch.timestampType === 'CreateTime';
  if (createTime) checkTimestamps(section, base, base + minDelta, base + maxDelta, options);
  return {
    batch,
    compression: batch.compression,
    recordCount: count,
    maxTimestamp: createTime ? base + maxDelta : batch.maxTimestamp,
    offsetDeltaOfMaxTimestamp: offsetDeltaOfMax,
  };
}

/** Validates one produced batch (exactly `bytes`), decompressing on this thread if needed. */
export function validateRecordBatchSync(bytes: Buffer, options: BatchValidationOptions = {}): ValidatedBatch {
  const batch = checkHeader(bytes, options);
  return checkRecords(batch, batch.recordsSection(options.maxDecompressedBytes), options);
}

/** As validateRecordBatchSync, decompressing off the main thread when that pays. */
export async function validateRecordBatch(
  bytes: Buffer,
  options: BatchValidationOptions = {},
): Promise<ValidatedBatch> {
  const batch = checkHeader(bytes, options);
  return checkRecords(batch, await batch.recordsSectionAsync(options.maxDecompressedBytes), options);
}
