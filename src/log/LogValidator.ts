/**
 * LogValidator: what the log checks in a produced request beyond what the native append
 * checks while it writes (framing, CRC32C, and the records of uncompressed batches; see
 * native/batch_verifier.h), as Kafka's LogValidator does before an append as leader:
 * - for a client's batch: no control batch, a sequence with a producer id, a producer id
 *   with a transactional batch;
 * - for a compressed batch: its records, once decompressed (off the main thread for a
 *   large one): their framing, count and offset deltas, the header's maxTimestamp;
 * - when the topic bounds timestamps (message.timestamp.{before,after}.max.ms): every
 *   CreateTime record's timestamp but NO_TIMESTAMP (-1), which Kafka exempts.
 * What Kafka corrects rather than refuses, it corrects: a CreateTime batch's header
 * maxTimestamp that is not its records' largest is set to it, CRC recomputed, in place in
 * the request's bytes (Kafka's LogValidator calls setMaxTimestamp on every batch).
 */
import { isTributaryError, KafkaErrors, TributaryError } from '../errors.js';
import type { BatchInfo } from '../native/BatchScan.js';
import { RecordBatch } from '../record/RecordBatch.js';
import { BatchAttributes, BatchHeader, maxTimestampOf } from '../record/RecordBatchHeader.js';
import {
  checkClientFields,
  checkCrc,
  clearLogAppendTime,
  correctMaxTimestamp,
  NO_TIMESTAMP,
  validateRecordBatch,
  validateRecordBatchSync,
  type BatchValidationOptions,
  type ValidatedBatch,
} from '../record/RecordBatchValidator.js';
import type { LogConfig } from './LogConfig.js';

/** A batch refused, named by its position in the request (other errors pass unchanged). */
export function refusedInRequest(error: unknown, b: BatchInfo): unknown {
  if (!isTributaryError(error)) return error;
  return new TributaryError(
    `invalid record batch at position ${b.position} of the request: ${error.message}`,
    error.code,
    {
      position: b.position,
    },
  );
}

/**
 * What a failed write of batch `b` to the log `logName` (its topic-partition) is reported
 * as: a storage failure (ENOSPC, EIO, a full segment: Kafka's KafkaStorageException) says
 * the append failed and keeps its errno, syscall and path, for it is no fault of the
 * batch; anything else refused the batch.
 */
export function appendFailure(error: unknown, b: BatchInfo, logName: string, offset: number): unknown {
  if (!isTributaryError(error) || error.kafka !== KafkaErrors.KAFKA_STORAGE_ERROR) return refusedInRequest(error, b);
  const { path, syscall, errno } = error;
  return new TributaryError(`append to ${logName} at offset ${offset} failed: ${error.message}`, error.code, {
    path,
    syscall,
    errno,
    offset,
  });
}

/** Who is appending: a producer, or the transaction coordinator writing markers. */
export type AppendOrigin = 'client' | 'coordinator';

export class LogValidator {
  private readonly timestampsBounded: boolean;

  constructor(private readonly config: LogConfig) {
    const unbounded = Number.MAX_SAFE_INTEGER;
    this.timestampsBounded =
      config.messageTimestampBeforeMaxMs < unbounded || config.messageTimestampAfterMaxMs < unbounded;
  }

  /**
   * Checks `batches` (framed) of `records`: synchronously, returning null, when no batch
   * needs decompressing; else the checks that decompress run and the promise settles
   * when all are done. A failure is a TributaryError with the batch's position. Unless
   * `verify`, a compressed batch's records are known good and only timestamp bounds
   * make them checked.
   */
  validate(
    records: Buffer,
    batches: readonly BatchInfo[],
    origin: AppendOrigin,
    verify: boolean,
  ): Promise<unknown> | null {
    let pending: Promise<unknown>[] | null = null;
    for (const b of batches) {
      const bytes = b.size === records.length ? records : records.subarray(b.position, b.position + b.size);
      const attributes = bytes.readInt16BE(BatchHeader.attributes);
      if (origin === 'client' && (attributes & BatchAttributes.timestampTypeLogAppend) !== 0) toCreateTime(bytes, b);
      const compressed = (attributes & BatchAttributes.compressionMask) !== 0;
      if ((compressed && verify) || this.timestampsBounded)
        (pending ??= []).push(this.validateRecords(bytes, b, origin));
      else if (origin === 'client') checkClient(bytes, b);
    }
    return pending === null ? null : Promise.all(pending);
  }

  private async validateRecords(bytes: Buffer, b: BatchInfo, origin: AppendOrigin): Promise<void> {
    // The CRC is checked here too (the native append checks it again while writing), so a
    // corrupt batch is reported as corrupt, not as whatever its corruption looks like.
    let validated: ValidatedBatch;
    try {
      validated = await validateRecordBatch(bytes, this.options(origin));
    } catch (error) {
      throw refusedInRequest(error, b);
    }
    setMaxTimestamp(bytes, b, validated);
  }

  private options(origin: AppendOrigin): BatchValidationOptions {
    return {
      origin,
      timestampBeforeMaxMs: this.config.messageTimestampBeforeMaxMs,
      timestampAfterMaxMs: this.config.messageTimestampAfterMaxMs,
    };
  }

  /**
   * After the native append refused uncompressed batch `bytes` (`b`) with `error`: whether
   * the refusal was only its header's maxTimestamp, now corrected, so the append may be
   * tried again. The native append checks that header against the records while it
   * writes, so a batch whose header is right (every client's but a few) is never read
   * twice; only the refused one is walked here.
   */
  correctedAfterRefusal(bytes: Buffer, b: BatchInfo, origin: AppendOrigin, error: unknown): boolean {
    if (!isTributaryError(error, 'ERR_INVALID_RECORD')) return false;
    if ((bytes.readInt16BE(BatchHeader.attributes) & BatchAttributes.compressionMask) !== 0) return false;
    let validated: ValidatedBatch;
    try {
      validated = validateRecordBatchSync(bytes, this.options(origin));
    } catch {
      return false;
    }
    return setMaxTimestamp(bytes, b, validated);
  }
}

/**
 * A client's batch marked LogAppendTime, in a CreateTime topic (the only kind here): Kafka
 * reads its records' timestamps as the header's maxTimestamp, refuses it if that is -1
 * (LogValidator.validateTimestamp: "Producer should not set timestamp type to
 * LogAppendTime"), else its setMaxTimestamp(CREATE_TIME, ...) clears the bit. Cleared
 * here, CRC recomputed; the header's maxTimestamp is then checked against the records
 * and corrected as any CreateTime batch's is.
 */
function toCreateTime(bytes: Buffer, b: BatchInfo): void {
  if (maxTimestampOf(bytes) === NO_TIMESTAMP) {
    const message =
      'One or more records have been rejected due to invalid timestamp: ' +
      'Producer should not set timestamp type to LogAppendTime';
    throw refusedInRequest(new TributaryError(message, 'ERR_INVALID_TIMESTAMP'), b);
  }
  try {
    clearLogAppendTime(bytes);
  } catch (error) {
    throw refusedInRequest(error, b);
  }
}

/** Kafka's setMaxTimestamp on a CreateTime batch: the header and `b` take the records' largest timestamp. */
function setMaxTimestamp(bytes: Buffer, b: BatchInfo, validated: ValidatedBatch): boolean {
  if (validated.batch.timestampType !== 'CreateTime' || !correctMaxTimestamp(bytes, validated.maxTimestamp))
    return false;
  b.maxTimestamp = validated.maxTimestamp;
  return true;
}

/** The producer fields of an uncompressed batch, whose CRC the native append checks later. */
function checkClient(bytes: Buffer, b: BatchInfo): void {
  try {
    checkClientFields(bytes);
  } catch (error) {
    throw refusedInRequest(corruptionOr(bytes, error), b);
  }
}

/** A corrupt batch is reported as corrupt, not as whatever its corruption looks like. */
function corruptionOr(bytes: Buffer, error: unknown): unknown {
  try {
    checkCrc(RecordBatch.from(bytes));
  } catch (corrupt) {
    return corrupt;
  }
  return error;
}
