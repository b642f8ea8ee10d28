/**
 * Validation of a produced RecordBatch v2 before the log takes it, as Kafka's broker
 * does (LogValidator): framing, magic, CRC, codec, record count against the offset
 * range, producer fields, then every record's framing (native/record_scan.h) with
 * offset deltas 0..n-1, keys where the topic is compacted, and timestamps.
 */
import { TributaryError } from '../errors.js';
import { native } from '../native/addon.js';
import type { CompressionCodec } from './Compression.js';
import { RecordBatch } from './RecordBatch.js';
import { BatchAttributes, BatchHeader, NO_PRODUCER_ID, producerIdOf } from './RecordBatchHeader.js';

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
  /** The largest record timestamp (equal to the header's maxTimestamp, which is checked). */
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
  if (count <= 0) throw invalid(`record count ${count}`);
  if (batch.lastOffsetDelta !== count - 1)
    throw invalid(`lastOffsetDelta ${batch.lastOffsetDelta} with ${count} records`);
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
  if ((attributes & BatchAttributes.control) !== 0) throw invalid('clients may not write control batches');
  const producerId = producerIdOf(bytes);
  const baseSequence = bytes.readInt32BE(BatchHeader.baseSequence);
  const hasProducerId = producerId !== NO_PRODUCER_ID;
  if (hasProducerId && baseSequence < 0) throw invalid(`producer ${producerId} with base sequence ${baseSequence}`);
  if ((attributes & BatchAttributes.transactional) !== 0 && !hasProducerId)
    throw invalid('transactional batch without a producer id');
}

function checkTimestamp(timestamp: number, options: BatchValidationOptions): void {
  const now = options.now ?? Date.now();
  const before = options.timestampBeforeMaxMs ?? Infinity;
  const after = options.timestampAfterMaxMs ?? Infinity;
  if (now - timestamp > before || timestamp - now > after) {
    throw new TributaryError(
      `timestamp ${timestamp} is outside [now - ${before}, now + ${after}] ms with now = ${now}`,
      'ERR_INVALID_TIMESTAMP',
    );
  }
}

function checkRecords(batch: RecordBatch, section: Buffer, options: BatchValidationOptions): ValidatedBatch {
  const count = batch.recordCount;
  const problem = native.scanRecords(section, 0, section.length, count, summary);
  if (problem !== undefined) throw invalid(problem, summary[4]);
  const maxDelta = summary[0]!;
  const minDelta = summary[1]!;
  const offsetDeltaOfMax = summary[2]!;
  const nullKeys = summary[3]!;
  if (options.requireKeys && nullKeys > 0) throw invalid(`${nullKeys} records without a key in a compacted topic`);
  const base = batch.baseTimestamp;
  const maxTimestamp = base + maxDelta;
  if (batch.timestampType === 'CreateTime') {
    if (batch.maxTimestamp !== maxTimestamp)
      throw invalid(`header maxTimestamp ${batch.maxTimestamp}, records' largest ${maxTimestamp}`);
    checkTimestamp(base + minDelta, options);
    checkTimestamp(maxTimestamp, options);
  }
  return {
    batch,
    compression: batch.compression,
    recordCount: count,
    maxTimestamp,
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
