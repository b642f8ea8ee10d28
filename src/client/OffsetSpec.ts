/**
 * Where a consumer starts reading a partition (Kafka's OffsetSpec and auto.offset.reset):
 * resolved against the partition's log at once, so position() is always a number. 'latest'
 * is the end the consumer's isolation level reads to: the last stable offset for
 * read_committed (Kafka's consumer resets with ListOffsets at its isolation level, whose
 * LATEST is Partition.fetchOffsetForTimestamp's lastFetchableOffset).
 */
import { invalidArgument, TributaryError } from '../errors.js';
import { describeValue } from './Arguments.js';
import type { IsolationLevel, Partition } from '../engine/Partition.js';

export type OffsetSpec = 'earliest' | 'latest' | number | { timestamp: number };

/** Kafka's auto.offset.reset: where a position outside the log moves; 'none' throws ERR_OFFSET_OUT_OF_RANGE. */
export type OffsetResetStrategy = 'earliest' | 'latest' | 'none';

const RESET_STRATEGIES: readonly string[] = ['earliest', 'latest', 'none'];
const ISOLATION_LEVELS: readonly string[] = ['read_uncommitted', 'read_committed'];

function isOffset(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export function checkOffsetSpec(spec: unknown): asserts spec is OffsetSpec {
  if (spec === 'earliest' || spec === 'latest' || isOffset(spec)) return;
  if (typeof spec === 'object' && spec !== null && isOffset((spec as { timestamp?: unknown }).timestamp)) return;
  throw invalidArgument(
    `offset must be 'earliest', 'latest', an offset >= 0 or { timestamp } >= 0, got ${describeValue(spec)}`,
  );
}

export function checkResetStrategy(strategy: unknown): asserts strategy is OffsetResetStrategy {
  if (typeof strategy !== 'string' || !RESET_STRATEGIES.includes(strategy)) {
    throw invalidArgument(
      `autoOffsetReset must be one of ${RESET_STRATEGIES.join(', ')}, got ${describeValue(strategy)}`,
    );
  }
}

/** Kafka's isolation.level, named as its consumer config's values. */
export function checkIsolationLevel(level: unknown): asserts level is IsolationLevel {
  if (typeof level !== 'string' || !ISOLATION_LEVELS.includes(level)) {
    throw invalidArgument(`isolationLevel must be one of ${ISOLATION_LEVELS.join(', ')}, got ${describeValue(level)}`);
  }
}

/** The position `offset` moves to when it lies outside [logStartOffset, logEndOffset]. */
export function resetOffset(
  partition: Partition,
  offset: number,
  strategy: OffsetResetStrategy,
  isolation: IsolationLevel,
): number {
  const { logStartOffset, logEndOffset } = partition;
  if (strategy === 'earliest') return logStartOffset;
  if (strategy === 'latest') return partition.fetchableEnd(isolation);
  throw new TributaryError(
    `offset ${offset} of ${partition.topic}-${partition.index} is outside the log [${logStartOffset}, ${logEndOffset}]`,
    'ERR_OFFSET_OUT_OF_RANGE',
    { offset },
  );
}

/** A timestamp finds only what `isolation` may read (ListOffsets' offset < lastFetchableOffset); else the end. */
export function resolveOffset(
  partition: Partition,
  spec: OffsetSpec,
  strategy: OffsetResetStrategy,
  isolation: IsolationLevel,
): number {
  const end = partition.fetchableEnd(isolation);
  if (spec === 'earliest') return partition.logStartOffset;
  if (spec === 'latest') return end;
  if (typeof spec === 'number') {
    const inLog = spec >= partition.logStartOffset && spec <= partition.logEndOffset;
    return inLog ? spec : resetOffset(partition, spec, strategy, isolation);
  }
  return Math.min(partition.offsetForTimestamp(spec.timestamp) ?? end, end);
}
