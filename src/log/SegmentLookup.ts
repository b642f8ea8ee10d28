/**
 * Finding things in a log's segments, oldest first: the segment that holds an offset,
 * whole batches from an offset on, the first record at a time (Kafka's LocalLog.read
 * and UnifiedLog.fetchOffsetByTimestamp over its LogSegments).
 */
import type { LogSegment, SegmentRead } from './LogSegment.js';
import type { TimestampAndOffset } from './RecordTimestamps.js';

/** The index of the last segment whose base offset is <= `offset` (0 when none is). */
export function floorSegment(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid]!.baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Whole batches from the one holding `offset`, at most `maxBytes` (but at least one batch); null past the last. */
export function readSegments(segments: readonly LogSegment[], offset: number, maxBytes: number): SegmentRead | null {
  for (let i = floorSegment(segments, offset); i < segments.length; i++) {
    const read = segments[i]!.read(offset, maxBytes);
    if (read !== null) return read;
  }
  return null;
}

/** The first record at or after `startingOffset` with a timestamp >= `timestamp`, or null if there is none. */
export function offsetForTimestamp(
  segments: readonly LogSegment[],
  timestamp: number,
  startingOffset: number,
): TimestampAndOffset | null {
  for (const segment of segments) {
    if (segment.maxTimestamp < timestamp) continue;
    const found = segment.findOffsetByTimestamp(timestamp, startingOffset);
    if (found !== null) return found;
  }
  return null;
}

/** The first record with the largest timestamp at or after `startingOffset` (ListOffsets' MAX_TIMESTAMP, KIP-734). */
export function offsetOfMaxTimestamp(
  segments: readonly LogSegment[],
  startingOffset: number,
): TimestampAndOffset | null {
  let latest: LogSegment | null = null;
  for (const segment of segments) if (segment.maxTimestamp > (latest?.maxTimestamp ?? -1)) latest = segment;
  return latest === null ? null : latest.findOffsetByTimestamp(latest.maxTimestamp, startingOffset);
}
