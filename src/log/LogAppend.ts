/**
 * What an append is, before the log writes it: its options, its outcome (Kafka's
 * LogAppendInfo), and the batches its bytes hold, framed and checked against the topic's
 * size limits (Kafka's analyzeAndValidateRecords) before anything is written.
 */
import { TributaryError } from '../errors.js';
import type { BatchInfo, BatchScanner } from '../native/BatchScan.js';
import { baseOffsetOf, BatchHeader, batchSizeAt, lastOffsetOf, maxTimestampOf } from '../record/RecordBatchHeader.js';
import type { LogConfig } from './LogConfig.js';
import type { AppendOrigin } from './LogValidator.js';
import type { ProducerOrigin } from './ProducerAppendInfo.js';

/**
 * The internal mark of an append of batches this process's RecordBatchBuilder has just
 * written (the embedded producer's): their CRC32C and records are known good, so neither
 * is checked again; framing, limits and the topic's timestamp bounds still are. Not
 * exported from the package, so no caller outside it can claim it for bytes it got elsewhere.
 */
export const BUILT_IN_PROCESS: unique symbol = Symbol('tributary.builtInProcess');

export interface AppendOptions {
  /** 'coordinator' may write control batches (transaction markers); default 'client'. */
  origin?: AppendOrigin;
  /**
   * The leader epoch the appending leader is in, stamped in each batch's
   * partitionLeaderEpoch (Kafka's LogValidator) and recorded in the leader epoch cache;
   * default the cache's latest epoch, else SINGLE_NODE_LEADER_EPOCH (a single node leads in epoch 0).
   */
  leaderEpoch?: number;
  [BUILT_IN_PROCESS]?: boolean;
}

/**
 * How an append is written: `verify`, its CRC32C and records checked as written (all but
 * BUILT_IN_PROCESS); by whom ('replication': a follower's copy of the leader's batches,
 * which keep their offsets and epochs); as leader, the epoch stamped.
 */
export interface WriteMode {
  verify: boolean;
  origin: ProducerOrigin;
  leaderEpoch: number | null;
}

export interface AppendInfo {
  baseOffset: number;
  lastOffset: number;
  batches: number;
  bytes: number;
  /** A retried idempotent batch: nothing written, the offsets are the original's. */
  duplicate?: true;
}

/**
 * The batches of `records`, framed and within `config`'s limits, to be appended at
 * `logEndOffset`; ERR_CORRUPT_BATCH, ERR_MESSAGE_TOO_LARGE, ERR_RECORD_BATCH_TOO_LARGE or
 * ERR_OFFSET_OVERFLOW otherwise; `logEndOffset` null for a follower's batches, which keep their offsets.
 */
export function analyzeAndValidateRecords(
  records: Buffer,
  scanner: BatchScanner,
  config: LogConfig,
  logEndOffset: number | null,
): BatchInfo[] {
  const sole = soleBatch(records);
  return checkLimits(sole !== null ? [sole] : scanFraming(records, scanner), config, logEndOffset);
}

/**
 * The one batch `records` holds when its batchLength says it spans them exactly (the
 * usual produce request: one batch per partition), read without a native scan. Its
 * framing (magic, counts) is left to the native append, which refuses a malformed
 * batch before writing anything, as it refuses a bad CRC.
 */
function soleBatch(records: Buffer): BatchInfo | null {
  if (records.length < BatchHeader.size || batchSizeAt(records) !== records.length) return null;
  return {
    position: 0,
    size: records.length,
    baseOffset: baseOffsetOf(records),
    lastOffset: lastOffsetOf(records),
    maxTimestamp: maxTimestampOf(records),
  };
}

function scanFraming(records: Buffer, scanner: BatchScanner): BatchInfo[] {
  const batches: BatchInfo[] = [];
  const last = scanner.bufferAll(records, { maxBatches: 16, verifyCrc: false }, (chunk) => {
    for (let i = 0; i < chunk.count; i++) batches.push(chunk.batch(i));
    return true;
  });
  if (last.stopCode !== undefined) {
    throw new TributaryError(`invalid record batch: ${last.stopReason}`, 'ERR_CORRUPT_BATCH', { position: last.end });
  }
  if (batches.length === 0) throw new TributaryError('no record batch to append', 'ERR_CORRUPT_BATCH');
  return batches;
}

function checkLimits(batches: BatchInfo[], config: LogConfig, logEndOffset: number | null): BatchInfo[] {
  // A follower's batches keep their offsets: the last one's end is where the log will end.
  let next = logEndOffset ?? batches[0]!.baseOffset;
  for (const b of batches) {
    if (b.size > config.maxMessageBytes) {
      throw new TributaryError(
        `batch of ${b.size} bytes exceeds max.message.bytes ${config.maxMessageBytes}`,
        'ERR_MESSAGE_TOO_LARGE',
      );
    }
    if (b.size > config.segmentBytes) {
      throw new TributaryError(
        `batch of ${b.size} bytes exceeds segment.bytes ${config.segmentBytes}`,
        'ERR_RECORD_BATCH_TOO_LARGE',
      );
    }
    next += b.lastOffset - b.baseOffset + 1;
  }
  if (next > Number.MAX_SAFE_INTEGER)
    throw new TributaryError('offsets past 2^53 are not supported', 'ERR_OFFSET_OVERFLOW');
  return batches;
}

/**
 * A follower's batches, where the leader put them (Kafka's UnifiedLog.append with
 * validateAndAssignOffsets false): the first at or after the log end (a gap is allowed:
 * the leader's log may start later), each after the one before.
 */
export function checkFollowerOffsets(batches: readonly BatchInfo[], logEndOffset: number, logName: string): void {
  const first = batches[0]!;
  if (first.baseOffset < logEndOffset) {
    throw new TributaryError(
      `Unexpected offset in append to ${logName}. First offset ${first.baseOffset} is less than the next offset ${logEndOffset}`,
      'ERR_UNEXPECTED_APPEND_OFFSET',
      { offset: first.baseOffset },
    );
  }
  for (let i = 1; i < batches.length; i++) {
    if (batches[i]!.baseOffset <= batches[i - 1]!.lastOffset) {
      throw new TributaryError(
        `Out of order offsets found in append to ${logName}: ${batches[i]!.baseOffset} after ${batches[i - 1]!.lastOffset}`,
        'ERR_OFFSETS_OUT_OF_ORDER',
        { offset: batches[i]!.baseOffset },
      );
    }
  }
}

/** Writes `epoch` in each batch's partitionLeaderEpoch, outside the CRC (Kafka's LogValidator: every batch, as leader). */
export function stampLeaderEpoch(records: Buffer, batches: readonly BatchInfo[], epoch: number): void {
  for (const b of batches) records.writeInt32BE(epoch, b.position + BatchHeader.partitionLeaderEpoch);
}

/** An epoch a caller gives: an int32 not below 0. */
export function checkLeaderEpoch(epoch: number): number {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0x7fffffff)
    throw new TributaryError(`leader epoch must be an int32 >= 0, got ${epoch}`, 'ERR_INVALID_ARGUMENT');
  return epoch;
}
