/**
 * Which of a log's oldest segments go (Kafka's UnifiedLog.deleteOldSegments with
 * deleteRetentionMsBreachedSegments and deleteRetentionSizeBreachedSegments): a
 * predicate over each segment and the next, applied from the oldest until it fails.
 */
import type { LogSegment } from './LogSegment.js';

export type SegmentDoomed = (segment: LogSegment, next: LogSegment | undefined) => boolean;

/** Segments whose newest record is older than retention.ms (by their largest timestamp, as Kafka). */
export function retentionMsBreached(now: number, retentionMs: number): SegmentDoomed {
  return (segment) => now - segment.largestTimestamp > retentionMs;
}

/** Whole segments, oldest first, while dropping them keeps the log at or above retention.bytes: `excess` bytes over it. */
export function retentionSizeBreached(excess: number): SegmentDoomed {
  let left = excess;
  return (segment) => {
    if (left - segment.size < 0) return false;
    left -= segment.size;
    return true;
  };
}

/** How many of the oldest segments `doomed` takes; an empty active segment is never counted. */
export function oldestDoomed(segments: readonly LogSegment[], doomed: SegmentDoomed): number {
  let count = 0;
  while (count < segments.length) {
    const segment = segments[count]!;
    const next = segments[count + 1];
    if ((next === undefined && segment.size === 0) || !doomed(segment, next)) break;
    count++;
  }
  return count;
}
