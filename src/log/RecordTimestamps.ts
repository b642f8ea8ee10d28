/**
 * Finds, inside one batch, the first record at or after a timestamp, reading only each
 * record's prefix (length, attributes, timestampDelta, offsetDelta): what ListOffsets by
 * time needs, without decoding keys and values. A compressed batch is decompressed, as
 * Kafka does for the one batch that holds the answer.
 */
import { RecordBatch } from '../record/RecordBatch.js';
import {
  baseOffsetOf,
  BatchAttributes,
  BatchHeader,
  lastOffsetOf,
  maxTimestampOf,
  readInt64,
} from '../record/RecordBatchHeader.js';
import { readVarlong } from '../record/varint.js';

/** A record's timestamp and offset: what a lookup by time answers. */
export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
}

export function findRecordAtTimestamp(
  batch: Buffer,
  timestamp: number,
  startingOffset: number,
): TimestampAndOffset | null {
  const baseOffset = baseOffsetOf(batch);
  const maxTimestamp = maxTimestampOf(batch);
  const attributes = batch.readInt16BE(BatchHeader.attributes);
  const lastOffset = lastOffsetOf(batch);
  // Under LogAppendTime every record has the batch's timestamp.
  if ((attributes & BatchAttributes.timestampTypeLogAppend) !== 0) {
    return { timestamp: maxTimestamp, offset: Math.max(baseOffset, startingOffset) };
  }
  if ((attributes & BatchAttributes.compressionMask) !== 0) {
    for (const r of RecordBatch.from(batch).records()) {
      if (r.timestamp >= timestamp && r.offset >= startingOffset) return { timestamp: r.timestamp, offset: r.offset };
    }
    return null;
  }
  const baseTimestamp = readInt64(batch, BatchHeader.baseTimestamp);
  let at = BatchHeader.size;
  while (at < batch.length) {
    const length = readVarlong(batch, at, batch.length);
    const tsDelta = length && readVarlong(batch, length.next + 1, batch.length);
    const offsetDelta = tsDelta && readVarlong(batch, tsDelta.next, batch.length);
    if (!length || !offsetDelta) return null;
    const record = { timestamp: baseTimestamp + tsDelta.value, offset: baseOffset + offsetDelta.value };
    if (record.timestamp >= timestamp && record.offset >= startingOffset && record.offset <= lastOffset) return record;
    at = length.next + length.value;
  }
  return null;
}
