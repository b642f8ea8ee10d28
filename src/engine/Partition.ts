/**
 * Partition: one topic partition as the front doors see it, and the only way they reach
 * its Log: appends (as leader, or a follower's copies), reads, lookups by time,
 * deletion, truncation and flushes, with the traffic counted here as it passes and a way
 * to wait for new data. Readers stop where their isolation says (Kafka's FetchIsolation):
 * a follower at the log end, a consumer at the high watermark, a read_committed one at
 * the last stable offset. With no replication (`hwFollowsLogEnd`, the default) the high
 * watermark is the log end offset.
 */
import type { AppendInfo, AppendOptions, EpochEndOffset, Log, LogReadResult, ProducerState } from '../log/Log.js';
import type { LogConfig } from '../log/LogConfig.js';
import type { TimestampAndOffset } from '../log/RecordTimestamps.js';
import { batchesBelow, lastBatchAt, lastOffsetOf, recordsFrom } from '../record/RecordBatchHeader.js';

export {
  BUILT_IN_PROCESS,
  type AppendInfo,
  type AppendOptions,
  type EpochEndOffset,
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

/** Kafka's IsolationLevel: read_committed readers see only what is below the last stable offset. */
export type IsolationLevel = 'read_uncommitted' | 'read_committed';

/**
 * Where a read stops (Kafka's FetchIsolation): 'log_end' (LOG_END, a follower's fetch),
 * 'read_uncommitted' (HIGH_WATERMARK), 'read_committed' (TXN_COMMITTED, the last stable offset).
 */
export type FetchIsolation = IsolationLevel | 'log_end';

/** An aborted transaction of a producer, from its first offset (Kafka's FetchResponse AbortedTransaction). */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

export interface ReadOptions {
  /** At least one batch, whatever its size; default true. */
  minOneBatch?: boolean;
  /** Default read_uncommitted. */
  isolation?: FetchIsolation;
}

/** A read (Kafka's FetchDataInfo): the batches, the log's bounds and ends, and for read_committed the aborted transactions. */
export interface PartitionRead extends LogReadResult {
  highWatermark: number;
  lastStableOffset: number;
  /** read_committed: the aborted transactions the records overlap; null read_uncommitted. */
  abortedTransactions: AbortedTransaction[] | null;
}

const NO_RECORDS = Buffer.alloc(0);

interface Waiter {
  offset: number;
  isolation: FetchIsolation;
  wake: () => void;
}

/**
 * Waits until every in-sync replica has the records below `requiredOffset`, `timeoutMs` at
 * most; rejects with a typed Kafka error (NOT_ENOUGH_REPLICAS_AFTER_APPEND,
 * NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT).
 */
export type ReplicationWait = (requiredOffset: number, timeoutMs: number) => Promise<void>;

export class Partition {
  private recordsIn = 0;
  private bytesIn = 0;
  private recordsOut = 0;
  private bytesOut = 0;
  /**
   * How an append waits for the in-sync replicas: set by a cluster's leader of the partition
   * (the broker's ClusterPartition), null where the leader's write is all there is (one node,
   * embedded, a follower).
   */
  replicationWait: ReplicationWait | null = null;
  /** Readers waiting for the end they read to pass their offset; woken when ends move, all at close. */
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

  /** Below it every in-sync replica has the records; consumers read no further. */
  get highWatermark(): number {
    return this.log.highWatermark;
  }

  /** The high watermark set, clamped to the log, back too (Log.updateHighWatermark); wakes readers. */
  updateHighWatermark(offset: number): number {
    const highWatermark = this.log.updateHighWatermark(offset);
    this.wakeWaiters();
    return highWatermark;
  }

  /** The high watermark moved forward to `offset` if it is ahead (Log.maybeIncrementHighWatermark); wakes readers. */
  maybeIncrementHighWatermark(offset: number): boolean {
    const moved = this.log.maybeIncrementHighWatermark(offset);
    if (moved) this.wakeWaiters();
    return moved;
  }

  /**
   * Whether the high watermark is the log end after each append (true unless a broker
   * replicates the partition: then only the two methods above move it).
   */
  get hwFollowsLogEnd(): boolean {
    return this.log.hwFollowsLogEnd;
  }

  set hwFollowsLogEnd(follows: boolean) {
    this.log.hwFollowsLogEnd = follows;
    this.wakeWaiters();
  }

  /**
   * The last stable offset: where the earliest transaction not yet decided below the high
   * watermark starts, else the high watermark (read_committed fetches stop here).
   */
  get lastStableOffset(): number {
    return this.log.lastStableOffset;
  }

  /** The latest leader epoch the log holds, null when none (Kafka's UnifiedLog.latestEpoch). */
  get latestEpoch(): number | null {
    return this.log.latestEpoch;
  }

  /** Where `epoch` ends here, with the largest epoch at or below it; -1/-1 when undefined (OffsetForLeaderEpoch). */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.log.endOffsetForEpoch(epoch);
  }

  /** Records that `epoch` starts at `startOffset` (a new leader, at its log end: Kafka's Partition.makeLeader). */
  maybeAssignEpochStartOffset(epoch: number, startOffset: number): void {
    this.log.maybeAssignEpochStartOffset(epoch, startOffset);
  }

  /** The aborted transactions overlapping [fetchOffset, upperBoundOffset) (Kafka's UnifiedLog.collectAbortedTransactions). */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTransaction[] {
    return this.log
      .abortedTransactions(fetchOffset, upperBoundOffset)
      .map(({ producerId, firstOffset }) => ({ producerId, firstOffset }));
  }

  /** The idempotent and transactional producers the partition remembers (DescribeProducers). */
  activeProducers(): ProducerState[] {
    return this.log.activeProducers();
  }

  /**
   * Where a reader at `isolation` stops (Kafka's LocalLog.read maxOffsetMetadata, and
   * Partition.fetchOffsetForTimestamp's lastFetchableOffset): the log end, the high
   * watermark, or the last stable offset.
   */
  fetchableEnd(isolation: FetchIsolation): number {
    if (isolation === 'log_end') return this.logEndOffset;
    return isolation === 'read_committed' ? this.lastStableOffset : this.highWatermark;
  }

  /**
   * Appends RecordBatch v2 bytes as leader (validated, stamped with `options.leaderEpoch`,
   * durable per the log's durability); wakes waiters. A retried idempotent batch resolves
   * with the original's offsets, nothing appended.
   */
  async append(records: Buffer, options?: AppendOptions): Promise<AppendInfo> {
    const info = await this.log.append(records, options);
    if (info.duplicate === true) return info;
    this.recordsIn += info.lastOffset - info.baseOffset + 1;
    this.bytesIn += info.bytes;
    this.wakeWaiters();
    return info;
  }

  /**
   * Appends as the coordinators must (Kafka's GroupMetadataManager, TransactionStateManager and
   * WriteTxnMarkers append with requiredAcks -1): resolves once every in-sync replica has the
   * records (replicationWait), so what a coordinator answers after it survives the leader.
   */
  appendReplicated(records: Buffer, options: AppendOptions, timeoutMs: number): Promise<AppendInfo> {
    const wait = this.replicationWait;
    // The usual case, one node: the append itself, no extra async frame.
    if (wait === null) return this.append(records, options);
    return this.append(records, options).then(async (info) => {
      if (info.duplicate !== true) await wait(info.lastOffset + 1, timeoutMs);
      return info;
    });
  }

  /**
   * Appends a leader's batches as they are (Log.appendAsFollower: offsets and epochs kept,
   * the high watermark left); wakes readers of the log end. Not counted as produced.
   */
  async appendAsFollower(records: Buffer): Promise<AppendInfo> {
    const info = await this.log.appendAsFollower(records);
    this.wakeWaiters();
    return info;
  }

  /** Removes the batches at or after `offset` (a follower's divergence: Log.truncateTo). */
  truncateTo(offset: number): void {
    this.log.truncateTo(offset);
  }

  /** Empties the log and starts it at `offset` (Log.truncateFullyAndStartAt). */
  truncateFullyAndStartAt(offset: number): void {
    this.log.truncateFullyAndStartAt(offset);
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
   * The read stops at the end `isolation` reads to (fetchableEnd: UnifiedLog.read's maxOffset).
   */
  read(offset: number, maxBytes: number, options: ReadOptions = {}): PartitionRead {
    const result = this.peek(offset, maxBytes, options);
    this.countOut(result.records, offset, result.records.length);
    return result;
  }

  /**
   * The same read, not counted: for a reader that may drop what it read (the broker's
   * fetch reads again after waiting for minBytes) and counts what it sends with countOut.
   */
  peek(offset: number, maxBytes: number, options: ReadOptions = {}): PartitionRead {
    const { minOneBatch = true, isolation = 'read_uncommitted' } = options;
    const read = this.log.read(offset, Math.max(maxBytes, 1));
    const { highWatermark, lastStableOffset } = this;
    const end = this.fetchableEnd(isolation);
    let records = end < read.logEndOffset ? batchesBelow(read.records, end) : read.records;
    if (!minOneBatch && records.length > maxBytes) records = NO_RECORDS;
    const abortedTransactions = isolation === 'read_committed' ? this.abortedTransactionsIn(offset, records) : null;
    return { ...read, records, highWatermark, lastStableOffset, abortedTransactions };
  }

  /**
   * The aborted transactions a read_committed reader needs for `records` read from
   * `offset`: those overlapping [offset, the end of the records) (LocalLog.addAbortedTransactions
   * bounds them by the bytes read); none for an empty read (LocalLog.emptyFetchDataInfo).
   */
  private abortedTransactionsIn(offset: number, records: Buffer): AbortedTransaction[] {
    if (records.length === 0) return [];
    return this.abortedTransactions(offset, lastOffsetOf(records, lastBatchAt(records)) + 1);
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
   * Resolves once the end `isolation` reads to (fetchableEnd) passes `offset` (at once if
   * already), or when the partition is closed or `signal` aborts; never rejects. The ends
   * move only with appends and high watermark updates, which wake waiters.
   */
  waitForData(offset: number, signal?: AbortSignal, isolation: FetchIsolation = 'read_uncommitted'): Promise<void> {
    if (this.closed || this.fetchableEnd(isolation) > offset || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: Waiter = {
        offset,
        isolation,
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
    const isReady = (w: Waiter) => w.offset < this.fetchableEnd(w.isolation);
    const ready = this.waiters.filter(isReady);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !isReady(w));
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
