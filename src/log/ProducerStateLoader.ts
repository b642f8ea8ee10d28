/**
 * Producer state rebuilt from the log (Kafka's UnifiedLog.loadProducersFromRecords): the
 * batches after the latest snapshot read in chunks, headers only (and a marker's one
 * record), each producer's batch replayed as the leader took it, nothing refused.
 */
import type { CompletedTxn } from './ProducerAppendInfo.js';
import type { ProducerStateManager } from './ProducerStateManager.js';
import type { LogSegment } from './LogSegment.js';
import { batchSizeAt, lastOffsetOf, producerIdOf } from '../record/RecordBatchHeader.js';
import { readSegments } from './SegmentLookup.js';

/** How much of the log a rebuild reads at a time (headers only are looked at). */
const PRODUCER_SCAN_BYTES = 1024 * 1024;

/**
 * Replays into `state` the batches of `segments` from `offset` up to `logEndOffset`;
 * each transaction a marker completes goes to `completed`, in log order.
 */
export function loadProducersFromLog(
  state: ProducerStateManager,
  segments: readonly LogSegment[],
  offset: number,
  logEndOffset: number,
  completed: (txn: CompletedTxn) => void,
): void {
  while (offset < logEndOffset) {
    const read = readSegments(segments, offset, PRODUCER_SCAN_BYTES);
    if (read === null) return;
    const next = loadBatches(state, read.records, offset, completed);
    if (next <= offset) return;
    offset = next;
  }
}

/** Loads the batches of `records` at or after `offset`; returns the offset after the last. */
function loadBatches(
  state: ProducerStateManager,
  records: Buffer,
  offset: number,
  completed: (txn: CompletedTxn) => void,
): number {
  let next = offset;
  for (let at = 0; at < records.length; at += batchSizeAt(records, at)) {
    const last = lastOffsetOf(records, at);
    if (last < offset) continue;
    next = last + 1;
    if (producerIdOf(records, at) < 0) continue;
    for (const txn of state.loadBatch(records.subarray(at, at + batchSizeAt(records, at)))) completed(txn);
  }
  return next;
}
