/**
 * Partition: one topic partition as the front doors see it, and the only way they reach
 * its Log: appends, reads, lookups by time, deletion and flushes, with the traffic
 * counted here as it passes and a way to wait for new data. With no replication the
 * high watermark is the log end offset.
 */
import type { AppendInfo, AppendOptions, Log, LogReadResult, ProducerState } from '../log/Log.js';
import type { LogConfig } from '../log/LogConfig.js';
import type { TimestampAndOffset } from '../log/RecordTimestamps.js';
import { recordsFrom } from '../record/RecordBatchHeader.js';

export {
  BUILT_IN_PROCESS,
  type AppendInfo,
  type AppendOptions,
  type LogReadResult,
  type ProducerState,
} from '../log/Log.js';
export type { TimestampAndOffset } from '../log/RecordTimestamps.js';

export interface PartitionStats {
  topic: string;
  partition: number;
  recordsIn: number;
  bytesIn: number;
  recordsOut: number;
  bytesOut: number;
  logStartOffset: number;
  logEndOffset: number;
  size: number;
}

const NO_RECORDS = Buffer.alloc(0);

interface Waiter {
  offset: number;
  wake: () => void;
}

export class Partition {
  private recordsIn = 0;
  private bytesIn = 0;
  private recordsOut = 0;
  private bytesOut = 0;
  /** Readers waiting for logEndOffset to pass their offset; woken after appends, all at close. */
  private waiters: Waiter[] = [];
  private closed = false;

  constructor(
    readonly topic: string,
    readonly index: number,
    /** The partition's log; the engine owns its lifecycle. */
    private readonly log: Log,
  ) {}

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /**
   * The last stable offset: where the earliest ongoing transaction starts, else the log
   * end (read_committed fetches stop here).
   */
  get lastStableOffset(): number {
    return this.log.lastStableOffset;
  }

  /** The aborted transactions overlapping [fetchOffset, upperBoundOffset) (Kafka's UnifiedLog.collectAbortedTransactions). */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): { producerId: number; firstOffset: number }[] {
    return this.log
      .abortedTransactions(fetchOffset, upperBoundOffset)
      .map(({ producerId, firstOffset }) => ({ producerId, firstOffset }));
  }

  /** The idempotent and transactional producers the partition remembers (DescribeProducers). */
  activeProducers(): ProducerState[] {
    return this.log.activeProducers();
  }

  /**
   * Appends RecordBatch v2 bytes (validated, durable per the log's durability); wakes
   * waiters. A retried idempotent batch resolves with the original's offsets, nothing appended.
   */
  async append(records: Buffer, options?: AppendOptions): Promise<AppendInfo> {
    const info = await this.log.append(records, options);
    if (info.duplicate === true) return info;
    this.recordsIn += info.lastOffset - info.baseOffset + 1;
    this.bytesIn += info.bytes;
    this.wakeWaiters();
    return info;
  }

  /** Bytes on disk, every segment's. */
  get size(): number {
    return this.log.size;
  }

  /** Takes new topic configs (Log.updateConfig says when each applies). */
  updateConfig(config: Partial<LogConfig>): void {
    this.log.updateConfig(config);
  }

  /**
   * Whole batches from `offset` (the first may start before it), zero-copy, at most
   * `maxBytes` but at least one batch; with `minOneBatch` false, none when the first is
   * larger (KIP-74: only a fetch's first partition may exceed its limit). What is returned
   * is counted out: the bytes, and the records at or after `offset` (one header read per batch).
   */
  read(offset: number, maxBytes: number, minOneBatch = true): LogReadResult {
    const result = this.peek(offset, maxBytes, minOneBatch);
    this.countOut(result.records, offset, result.records.length);
    return result;
  }

  /**
   * The same read, not counted: for a reader that may drop what it read (the broker's
   * fetch reads again after waiting for minBytes) and counts what it sends with countOut.
   */
  peek(offset: number, maxBytes: number, minOneBatch = true): LogReadResult {
    const result = this.log.read(offset, Math.max(maxBytes, 1));
    return !minOneBatch && result.records.length > maxBytes ? { ...result, records: NO_RECORDS } : result;
  }

  /** Counts `batches` read from `offset` as sent: their records at or after it, and `bytes` (after any down-conversion). */
  countOut(batches: Buffer, offset: number, bytes: number): void {
    this.recordsOut += recordsFrom(batches, offset);
    this.bytesOut += bytes;
  }

  /** The first offset whose timestamp is >= `timestamp`, or null if no record is that late. */
  offsetForTimestamp(timestamp: number): number | null {
    return this.fetchOffsetForTimestamp(timestamp)?.offset ?? null;
  }

  /** The first record whose timestamp is >= `timestamp`, with that timestamp, or null if no record is that late. */
  fetchOffsetForTimestamp(timestamp: number): TimestampAndOffset | null {
    return this.log.offsetForTimestamp(timestamp);
  }

  /** The first record with the largest timestamp (ListOffsets' MAX_TIMESTAMP, KIP-734), or null when empty. */
  offsetOfMaxTimestamp(): TimestampAndOffset | null {
    return this.log.offsetOfMaxTimestamp();
  }

  /**
   * Resolves once logEndOffset > `offset` (at once if already), or when the partition is
   * closed or `signal` aborts; never rejects.
   */
  waitForData(offset: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || this.logEndOffset > offset || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: Waiter = {
        offset,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.wake();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const end = this.logEndOffset;
    const ready = this.waiters.filter((w) => w.offset < end);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.offset >= end);
    for (const w of ready) w.wake();
  }

  deleteRecordsBefore(offset: number): number {
    return this.log.deleteRecordsBefore(offset);
  }

  /**
   * Makes everything appended so far durable, whatever the log's own durability (a
   * producer asking for 'always' from a topic that flushes less often); one fdatasync
   * shared by every append that asked meanwhile.
   */
  flush(): Promise<void> {
    return this.log.config.durability === 'always' ? Promise.resolve() : this.log.flush();
  }

  stats(): PartitionStats {
    return {
      topic: this.topic,
      partition: this.index,
      recordsIn: this.recordsIn,
      bytesIn: this.bytesIn,
      recordsOut: this.recordsOut,
      bytesOut: this.bytesOut,
      logStartOffset: this.logStartOffset,
      logEndOffset: this.logEndOffset,
      size: this.size,
    };
  }

  /** Wakes every waiter; the engine closes or deletes the log itself. */
  close(): void {
    this.closed = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.wake();
  }
}
