/**
 * Conversion between legacy MessageSets (magic 0/1) and RecordBatch v2.
 *
 * Up: a produce request from an old client, as Kafka's LogValidator takes one: either a
 * run of uncompressed messages or exactly one compressed wrapper, all of one magic,
 * becomes one v2 batch with the same codec and offsets assigned from `baseOffset`.
 *
 * Down: a fetch by a client that knows only magic 0/1 (Kafka's RecordsUtil.downConvert):
 * each v2 batch becomes a run of messages (uncompressed) or one wrapper (same codec),
 * keeping offsets; control batches and headers are dropped, and v0 loses timestamps.
 */
import { TributaryError } from '../errors.js';
import type { LegacyMagic } from './LegacyRecord.js';
import { buildMessageSet, entryRecords, messageSetEntries } from './MessageSet.js';
import type { TimestampType } from './Record.js';
import { RecordBatch } from './RecordBatch.js';
import { buildRecordBatch } from './RecordBatchBuilder.js';

export interface UpConversionOptions {
  /** The first offset the log assigns (default 0; the log may rewrite it on append). */
  baseOffset?: number;
  /** The topic's message.timestamp.type. */
  timestampType?: TimestampType;
  /** The broker's time, for LogAppendTime (default Date.now()). */
  now?: number;
  partitionLeaderEpoch?: number;
  maxDecompressedBytes?: number;
}

function invalid(message: string): TributaryError {
  return new TributaryError(`invalid legacy produce: ${message}`, 'ERR_INVALID_RECORD');
}

/** The v2 batch a legacy produce request's MessageSet is stored as. */
export function messageSetToRecordBatches(messageSet: Buffer, options: UpConversionOptions = {}): Buffer {
  const entries = [...messageSetEntries(messageSet, 'produce')];
  const first = entries[0];
  if (first === undefined) throw invalid('no messages');
  const compression = entries.find((e) => e.record.compression !== 'none')?.record.compression ?? 'none';
  if (compression !== 'none' && entries.length > 1) throw invalid('a compressed wrapper must be the only entry');
  const other = entries.find((e) => e.record.magic !== first.record.magic);
  if (other !== undefined) throw invalid(`magic ${other.record.magic} after magic ${first.record.magic}`);
  const logAppendTime = options.timestampType === 'LogAppendTime' ? (options.now ?? Date.now()) : undefined;
  const records = entries.flatMap((entry) => entryRecords(entry, options.maxDecompressedBytes));
  return buildRecordBatch(
    records.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp })),
    {
      baseOffset: options.baseOffset ?? 0,
      compression,
      logAppendTime,
      partitionLeaderEpoch: options.partitionLeaderEpoch,
    },
  );
}

export interface DownConversionOptions {
  /** Records below the fetch offset are left out (a batch may start before it). */
  firstOffset?: number;
}

/** The MessageSet a magic 0/1 client is sent for `records` (v2 batches; a partial last one is skipped). */
export function recordBatchesToMessageSet(
  records: Buffer,
  magic: LegacyMagic,
  options: DownConversionOptions = {},
): Buffer {
  const firstOffset = options.firstOffset ?? 0;
  const parts: Buffer[] = [];
  for (const batch of RecordBatch.all(records)) {
    if (batch.isControl || batch.lastOffset < firstOffset) continue;
    const kept = [...batch.records()].filter((r) => r.offset >= firstOffset);
    if (kept.length === 0) continue;
    parts.push(
      buildMessageSet(kept, {
        magic,
        compression: batch.compression,
        timestampType: batch.timestampType,
        logAppendTime: batch.maxTimestamp,
      }),
    );
  }
  return Buffer.concat(parts);
}
