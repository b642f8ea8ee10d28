/**
 * Log: the ordered segments of one partition, in a directory `<topic>-<partition>`
 * (Kafka's UnifiedLog + LocalLog).
 *
 * Offsets: logStartOffset (first readable), logEndOffset (next to assign), the
 * recoveryPoint (everything below it is known to be on disk) and the high watermark
 * (below it, every in-sync replica has the records; consumers read no further). With
 * `hwFollowsLogEnd` (a log no other broker replicates) the high watermark is the log end
 * after every append; else only the replication layer moves it. Appends are written
 * synchronously into the page cache; durability 'always' resolves an append only after
 * an fdatasync that started after the write (group commit shares one among all
 * appends that arrive while another runs).
 */
import { basename } from 'node:path';
import { BatchScanner, type BatchInfo } from '../native/BatchScan.js';
import { TributaryError } from '../errors.js';
import { AppendTurns } from './AppendTurns.js';
import {
  analyzeAndValidateRecords,
  BUILT_IN_PROCESS,
  checkFollowerOffsets,
  checkLeaderEpoch,
  stampLeaderEpoch,
  type AppendInfo,
  type AppendOptions,
  type WriteMode,
} from './LogAppend.js';
import { LeaderEpochFileCache, type EpochEndOffset } from './LeaderEpochFileCache.js';
import { resolveLogConfig, type LogConfig } from './LogConfig.js';
import { LogFlusher } from './LogFlusher.js';
import { LogSegment, type SegmentRead } from './LogSegment.js';
import type { LogOptions } from './LogOptions.js';
import { loadSegments } from './LogLoader.js';
import type { CompletedTxn } from './ProducerAppendInfo.js';
import { loadProducersFromLog } from './ProducerStateLoader.js';
import { ProducerStateManager, type ProducerStateAnalysis } from './ProducerStateManager.js';
import { describeProducer, type BatchMetadata, type ProducerState } from './ProducerStateEntry.js';
import type { AbortedTxn } from './TransactionIndex.js';
import { TransactionIndexes } from './TransactionIndexes.js';
import { appendFailure, LogValidator } from './LogValidator.js';
import { BatchHeader, SINGLE_NODE_LEADER_EPOCH } from '../record/RecordBatchHeader.js';
import { oldestDoomed, retentionMsBreached, retentionSizeBreached, type SegmentDoomed } from './LogRetention.js';
import { floorSegment, offsetForTimestamp, offsetOfMaxTimestamp, readSegments } from './SegmentLookup.js';
import type { TimestampAndOffset } from './RecordTimestamps.js';

export { BUILT_IN_PROCESS, type AppendInfo, type AppendOptions } from './LogAppend.js';
export type { EpochEndOffset } from './LeaderEpochFileCache.js';
export type { ProducerState } from './ProducerStateEntry.js';

export interface LogReadResult extends SegmentRead {
  logStartOffset: number;
  logEndOffset: number;
}

const EMPTY = Buffer.alloc(0);

/** The largest offset an index entry holds relative to its segment's base (Kafka's canConvertToRelativeOffset). */
const MAX_RELATIVE_OFFSET = 0x7fffffff;

/** The settings a segment is created with. */
const SEGMENT_SHAPE = ['segmentBytes', 'segmentMs', 'segmentIndexBytes', 'indexIntervalBytes'] as const;

function outOfRange(offset: number, start: number, end: number): TributaryError {
  return new TributaryError(`offset ${offset} is outside the log [${start}, ${end}]`, 'ERR_OFFSET_OUT_OF_RANGE', {
    offset,
  });
}

/** A log that can take no more appends, with what failed: the native error's path (else the log's), syscall and errno. */
function logOffline(what: string, dir: string, cause: unknown): TributaryError {
  const { path = dir, syscall, errno } = cause as Partial<TributaryError>;
  return new TributaryError(`${what}: ${(cause as Error).message}`, 'ERR_LOG_OFFLINE', { path, syscall, errno });
}

export class Log {
  readonly dir: string;
  private _config: LogConfig;
  private segments: LogSegment[];
  private _logStartOffset: number;
  private _logEndOffset: number;
  private _recoveryPoint: number;
  private readonly scanner = new BatchScanner();
  private validator: LogValidator;
  private readonly turns = new AppendTurns();
  private readonly flusher: LogFlusher;
  private failure: TributaryError | null = null;
  private closed = false;
  private readonly onLogStartOffsetChange: (offset: number) => void;
  private readonly onFilesUsed: () => void;
  private readonly producerState: ProducerStateManager;
  private readonly txnIndexes: TransactionIndexes;
  private readonly epochCache: LeaderEpochFileCache;
  private _highWatermark: number;
  private _hwFollowsLogEnd: boolean;

  private constructor(options: LogOptions) {
    this.dir = options.dir;
    this._config = resolveLogConfig(options.config);
    this.validator = new LogValidator(this._config);
    this.onLogStartOffsetChange = options.onLogStartOffsetChange ?? (() => undefined);
    this.onFilesUsed = options.onFilesUsed ?? (() => undefined);
    const loaded = loadSegments(this.dir, this._config, {
      recoveryPoint: options.recoveryPoint ?? 0,
      logStartOffset: options.logStartOffset ?? 0,
      hadCleanShutdown: options.hadCleanShutdown ?? false,
      progress: options.recoveryProgress,
    });
    this.segments = loaded.segments;
    this._logEndOffset = loaded.logEndOffset;
    this._logStartOffset = loaded.logStartOffset;
    this._recoveryPoint = loaded.logEndOffset;
    this.txnIndexes = new TransactionIndexes(this.dir);
    for (const segment of this.segments) this.txnIndexes.open(segment.baseOffset, this._logEndOffset);
    this.producerState = new ProducerStateManager(this.dir, basename(this.dir));
    this.loadProducerState();
    this.epochCache = new LeaderEpochFileCache(this.dir);
    // As Kafka's LogLoader: entries past the recovered log end, or before its start, are stale.
    this.epochCache.truncateFromEnd(this._logEndOffset);
    this.epochCache.truncateFromStart(this._logStartOffset);
    this._hwFollowsLogEnd = options.hwFollowsLogEnd ?? true;
    this._highWatermark = this._logStartOffset;
    // The checkpointed high watermark may be past what a crash left of the log: clamped.
    this.updateHighWatermark(this._hwFollowsLogEnd ? this._logEndOffset : (options.highWatermark ?? 0));
    this.flusher = new LogFlusher(
      {
        dir: this.dir,
        logEndOffset: () => this._logEndOffset,
        flushedTo: (offset) => (this._recoveryPoint = Math.max(this._recoveryPoint, offset)),
        // After a failed fdatasync the kernel may have dropped the dirty pages: a retry
        // could succeed without the data. The log goes offline instead.
        failed: (error) => (this.failure = logOffline(`flush of ${this.dir} failed`, this.dir, error)),
      },
      options.flushLatency,
    );
    this.flusher.schedule(this._config);
  }

  get config(): LogConfig {
    return this._config;
  }

  /**
   * Replaces the config (an alter of topic configs). Limits, retention, timestamp bounds
   * and durability apply to the next call; a segment is sized when it is created, so
   * segment settings apply from a new active segment, rolled here when they change.
   */
  updateConfig(overrides: Partial<LogConfig>): void {
    this.checkUsable();
    const previous = this._config;
    this._config = resolveLogConfig(overrides);
    this.validator = new LogValidator(this._config);
    if (previous.durability !== this._config.durability || previous.flushIntervalMs !== this._config.flushIntervalMs)
      this.flusher.schedule(this._config);
    if (SEGMENT_SHAPE.some((key) => previous[key] !== this._config[key])) this.replaceActiveSegment();
  }

  /** A new active segment under the current config: rolled to, or in place of an empty one. */
  private replaceActiveSegment(): void {
    this.onFilesUsed();
    if (this.active.size > 0) {
      this.roll();
      return;
    }
    this.deleteSegment(this.segments.pop()!);
    this.segments.push(LogSegment.open(this.dir, this._logEndOffset, this._config, true, true));
  }

  /** Opens the log in `dir` (created if missing), recovering it after an unclean stop. */
  static open(options: LogOptions): Log {
    return new Log(options);
  }

  get logStartOffset(): number {
    return this._logStartOffset;
  }

  get logEndOffset(): number {
    return this._logEndOffset;
  }

  get recoveryPoint(): number {
    return this._recoveryPoint;
  }

  get highWatermark(): number {
    return this._highWatermark;
  }

  /**
   * Sets the high watermark to `offset` clamped to [logStartOffset, logEndOffset], back
   * too (Kafka's UnifiedLog.updateHighWatermark: a follower taking the leader's, a new
   * leader's initial one); returns it.
   */
  updateHighWatermark(offset: number): number {
    const highWatermark = Math.min(Math.max(offset, this._logStartOffset), this._logEndOffset);
    this.setHighWatermark(highWatermark);
    return highWatermark;
  }

  /**
   * Moves the high watermark forward to `offset`, not back; whether it moved (Kafka's
   * maybeIncrementHighWatermark, the leader's once its ISR has the records). An offset
   * past the log end is ERR_INVALID_ARGUMENT.
   */
  maybeIncrementHighWatermark(offset: number): boolean {
    if (offset > this._logEndOffset) {
      throw new TributaryError(
        `High watermark ${offset} update exceeds current log end offset ${this._logEndOffset}`,
        'ERR_INVALID_ARGUMENT',
      );
    }
    if (offset <= this._highWatermark) return false;
    this.setHighWatermark(offset);
    return true;
  }

  private setHighWatermark(offset: number): void {
    this._highWatermark = offset;
    this.producerState.onHighWatermarkUpdated(offset);
  }

  /** Whether the high watermark is the log end after each append (no replica to wait for); setting it true moves it there. */
  get hwFollowsLogEnd(): boolean {
    return this._hwFollowsLogEnd;
  }

  set hwFollowsLogEnd(follows: boolean) {
    this._hwFollowsLogEnd = follows;
    if (follows) this.updateHighWatermark(this._logEndOffset);
  }

  /** The latest leader epoch of the epoch cache, null when it has none (Kafka's latestEpoch). */
  get latestEpoch(): number | null {
    return this.epochCache.latestEpoch;
  }

  /**
   * Where `epoch` ends in this log, with the largest epoch at or below it (Kafka's
   * endOffsetForEpoch, LeaderEpochFileCache.endOffsetFor); -1/-1 when it is undefined.
   */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochCache.endOffsetFor(epoch, this._logEndOffset);
  }

  /** Records that `epoch` starts at `startOffset` (Kafka's maybeAssignEpochStartOffset: a new leader, at its log end). */
  maybeAssignEpochStartOffset(epoch: number, startOffset: number): void {
    this.checkUsable();
    this.epochCache.assign(checkLeaderEpoch(epoch), startOffset);
  }

  get size(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first. */
  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  private checkOpen(): void {
    if (this.closed) throw new TributaryError(`log ${this.dir} is closed`, 'ERR_LOG_CLOSED', { path: this.dir });
  }

  private checkUsable(): void {
    this.checkOpen();
    if (this.failure) throw this.failure;
  }

  /**
   * Validates `records` (one or more RecordBatch v2, back to back: framing and sizes
   * first, then what LogValidator checks, then each batch's CRC32C and records while the
   * native append writes it), assigns offsets and appends them. Nothing is written if
   * any batch is invalid; appends are written in the order they were called. As leader:
   * each batch's partitionLeaderEpoch is set to `options.leaderEpoch`, in place in
   * `records`, and the epoch's start recorded in the leader epoch cache.
   * Resolves when the batches are as durable as the log's durability asks.
   */
  append(records: Buffer, options: AppendOptions = {}): Promise<AppendInfo> {
    let info: AppendInfo;
    try {
      this.checkUsable();
      const batches = analyzeAndValidateRecords(records, this.scanner, this._config, this._logEndOffset);
      const leaderEpoch = checkLeaderEpoch(
        options.leaderEpoch ?? this.epochCache.latestEpoch ?? SINGLE_NODE_LEADER_EPOCH,
      );
      stampLeaderEpoch(records, batches, leaderEpoch);
      const origin = options.origin ?? 'client';
      const how: WriteMode = { verify: options[BUILT_IN_PROCESS] !== true, origin, leaderEpoch };
      const checks = this.validator.validate(records, batches, origin, how.verify);
      if (checks !== null || this.turns.busy) return this.appendInTurn(checks, records, batches, how);
      info = this.write(records, batches, how);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.madeDurable(info);
  }

  /**
   * Appends a leader's batches as a follower (Kafka's UnifiedLog.appendAsFollower): they
   * keep their offsets and partitionLeaderEpoch, the first at or after the log end
   * (ERR_UNEXPECTED_APPEND_OFFSET below it; a gap above it is taken), each after the one
   * before (ERR_OFFSETS_OUT_OF_ORDER); framing, limits and CRC32C are checked; producer
   * state is taken as written (AppendOrigin.REPLICATION: no sequence or epoch check,
   * markers allowed); the epoch cache follows each batch's epoch; the high watermark
   * stays (the leader tells it). No bytes: nothing appended.
   */
  appendAsFollower(records: Buffer): Promise<AppendInfo> {
    let info: AppendInfo;
    try {
      this.checkUsable();
      if (records.length === 0) {
        const end = this._logEndOffset;
        return Promise.resolve({ baseOffset: end, lastOffset: end - 1, batches: 0, bytes: 0 });
      }
      const batches = analyzeAndValidateRecords(records, this.scanner, this._config, null);
      const how: WriteMode = { verify: true, origin: 'replication', leaderEpoch: null };
      if (this.turns.busy) return this.appendInTurn(null, records, batches, how);
      info = this.write(records, batches, how);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.madeDurable(info);
  }

  /** The usual append is written at once: a plain promise, not an async function, spares its cost. */
  private async appendInTurn(
    checks: Promise<unknown> | null,
    records: Buffer,
    batches: BatchInfo[],
    how: WriteMode,
  ): Promise<AppendInfo> {
    const info = await this.turns.take(checks, () => {
      this.checkUsable();
      return this.write(records, batches, how);
    });
    return this.madeDurable(info);
  }

  /** Resolves with `info` once it is as durable as the log's durability asks. */
  private madeDurable(info: AppendInfo): Promise<AppendInfo> {
    return this._config.durability === 'always' ? this.flusher.request().then(() => info) : Promise.resolve(info);
  }

  /** Writes framed, checked batches; `how.verify`: their CRC32C and records are checked as they are written. */
  private write(records: Buffer, batches: BatchInfo[], how: WriteMode): AppendInfo {
    this.onFilesUsed();
    const start = this._logEndOffset;
    const follower = how.origin === 'replication';
    if (follower) checkFollowerOffsets(batches, start, basename(this.dir));
    const baseOffset = follower ? batches[0]!.baseOffset : start;
    // Checked in turn, against the state every earlier append left (Kafka checks it under the log's lock).
    const producers = this.producerState.analyze(records, batches, baseOffset, how.origin);
    if (producers?.duplicate) {
      const { firstOffset, lastOffset } = producers.duplicate;
      return { baseOffset: firstOffset, lastOffset, batches: 0, bytes: 0, duplicate: true };
    }
    // Before the data, as Kafka's append: the cache never misses an epoch the log holds.
    this.assignEpochs(records, batches, how, baseOffset);
    const segments = this.segments.length;
    const now = Date.now();
    for (const b of batches) {
      try {
        this.writeBatch(records, b, now, how);
      } catch (error) {
        const offset = this._logEndOffset;
        this.rollBack(start, segments);
        throw appendFailure(error, b, basename(this.dir), offset);
      }
    }
    if (producers !== null) this.updateProducerState(producers);
    this.producerState.updateMapEndOffset(this._logEndOffset);
    if (this._hwFollowsLogEnd && !follower) this.setHighWatermark(this._logEndOffset);
    return { baseOffset, lastOffset: this._logEndOffset - 1, batches: batches.length, bytes: records.length };
  }

  /**
   * The epoch cache takes the leader's epoch from the append's first offset, or a
   * follower's each batch's partitionLeaderEpoch from its base offset (Kafka's
   * maybeAssignEpochStartOffset per batch). A batch with none (-1: written before epochs
   * were stamped) is left out, where Kafka, whose v2 batches always have one, would refuse it.
   */
  private assignEpochs(records: Buffer, batches: readonly BatchInfo[], how: WriteMode, baseOffset: number): void {
    if (how.leaderEpoch !== null) {
      this.epochCache.assign(how.leaderEpoch, baseOffset);
      return;
    }
    for (const b of batches) {
      const epoch = records.readInt32BE(b.position + BatchHeader.partitionLeaderEpoch);
      if (epoch >= 0) this.epochCache.assign(epoch, b.baseOffset);
    }
  }

  /**
   * Takes an append's producer updates once it is written (Kafka's UnifiedLog.append):
   * each ABORT indexed with the LSO of the moment, then the transactions completed. A
   * failure here leaves the state behind the log: the log goes offline, and its next
   * open rebuilds the state from the log.
   */
  private updateProducerState(analysis: Exclude<ProducerStateAnalysis, { duplicate: BatchMetadata }>): void {
    try {
      this.producerState.update(analysis.producers);
      for (const txn of analysis.completedTxns) this.completeTxn(txn);
    } catch (error) {
      this.failure = logOffline(`producer state of ${this.dir} failed`, this.dir, error);
    }
  }

  private completeTxn(txn: CompletedTxn): void {
    if (txn.isAborted) {
      const { producerId, firstOffset, lastOffset } = txn;
      this.indexAbortedTxn({
        producerId,
        firstOffset,
        lastOffset,
        lastStableOffset: this.producerState.lastStableOffset(txn),
      });
    }
    this.producerState.completeTxn(txn);
  }

  /** Indexes an aborted transaction in the segment holding its marker. */
  private indexAbortedTxn(txn: AbortedTxn): void {
    this.txnIndexes.append(this.segments[floorSegment(this.segments, txn.lastOffset)]!.baseOffset, txn);
  }

  /**
   * Producer state at open (Kafka's rebuildProducerState): the latest snapshot loaded
   * and every batch after it read, headers only (and a marker's one record); then a
   * snapshot at the log end, unless one is there. Kafka skips the reading when a clean
   * shutdown left no snapshot (its upgrade case); here a log with none is read from its
   * start once, so the producers of a log written before snapshots existed, or whose
   * close could not write one, are not forgotten.
   */
  private loadProducerState(): void {
    this.reloadProducerState();
    this.producerState.takeSnapshot(false);
  }

  /** The state from the latest snapshot at or below the log end, then the log after it (Kafka's truncateAndReload and loadProducersFromRecords). */
  private reloadProducerState(): void {
    const state = this.producerState;
    state.truncateAndReload(this._logStartOffset, this._logEndOffset, Date.now(), this._config.producerIdExpirationMs);
    loadProducersFromLog(state, this.segments, state.mapEndOffset, this._logEndOffset, (txn) => this.completeTxn(txn));
    state.updateMapEndOffset(this._logEndOffset);
  }

  /**
   * The last stable offset: the first offset of the earliest transaction ongoing (or whose
   * marker is above the high watermark) when below the high watermark, else the high
   * watermark (Kafka's UnifiedLog.lastStableOffset).
   */
  get lastStableOffset(): number {
    const first = this.producerState.firstUnstableOffset;
    return first !== null && first < this._highWatermark ? Math.max(first, this._logStartOffset) : this._highWatermark;
  }

  /** The aborted transactions overlapping [fetchOffset, upperBoundOffset) (Kafka's collectAbortedTransactions). */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.txnIndexes.collect(fetchOffset, upperBoundOffset);
  }

  /** The producers this partition remembers (DescribeProducers). */
  activeProducers(): ProducerState[] {
    return [...this.producerState.activeProducers().values()].map(describeProducer);
  }

  /** Forgets producers idle past producer.id.expiration.ms with no ongoing transaction (Kafka's removeExpiredProducers). */
  removeExpiredProducers(now: number = Date.now()): void {
    if (!this.closed) this.producerState.removeExpiredProducers(now, this._config.producerIdExpirationMs);
  }

  private writeBatch(records: Buffer, b: BatchInfo, now: number, { verify, origin }: WriteMode): void {
    // A follower's batch keeps its offset; a leader's takes the log end.
    const offset = origin === 'replication' ? this.skipTo(b) : this._logEndOffset;
    if (this.active.shouldRoll(b.size, b.maxTimestamp, now)) this.roll();
    const batch = b.size === records.length ? records : records.subarray(b.position, b.position + b.size);
    try {
      this.active.append(batch, b, offset, verify);
    } catch (error) {
      // Refused for nothing but a wrong header maxTimestamp, which Kafka corrects: written again, corrected.
      if (!verify || origin === 'replication' || !this.validator.correctedAfterRefusal(batch, b, origin, error))
        throw error;
      this.active.append(batch, b, offset, verify);
    }
    this._logEndOffset = offset + b.lastOffset - b.baseOffset + 1;
    this.flusher.written(this.active);
  }

  /**
   * A follower's batch `b`, at its own offset: past a gap the active segment's index could
   * not reach (offsets relative to its base are int32), a new segment starts at the batch
   * (Kafka's maybeRoll on offset overflow).
   */
  private skipTo(b: BatchInfo): number {
    if (b.lastOffset - this.active.baseOffset > MAX_RELATIVE_OFFSET) {
      this._logEndOffset = b.baseOffset;
      this.replaceActiveSegment();
    }
    return b.baseOffset;
  }

  /**
   * Undoes a partly written append (a batch refused by its CRC, an I/O error), with the
   * segments it rolled to, so the log is as before; best effort.
   */
  private rollBack(offset: number, segments: number): void {
    try {
      this.producerState.deleteSnapshotsFrom(offset);
      this.truncateTo(offset); // at the log end too: the epoch the append assigned goes
      if (this.segments.length > segments) {
        for (const segment of this.segments.splice(segments)) this.deleteSegment(segment);
        this.active.onBecomeActive();
      }
    } catch (error) {
      this.failure = logOffline(`log ${this.dir} failed`, this.dir, error);
    }
  }

  /** Starts a new segment at the log end offset; the old one is sealed and flushed soon. */
  roll(): void {
    this.checkUsable();
    if (this.active.size === 0) return;
    this.onFilesUsed();
    this.active.onBecomeInactive();
    this.active.flushIndexes();
    this.segments.push(LogSegment.open(this.dir, this._logEndOffset, this._config, true, true));
    // As Kafka's roll: a snapshot (not fsynced) that recovery starts from. In the middle of
    // an append it is the state before that append, named by the offset it is as of.
    this.producerState.takeSnapshot(false);
    this.flusher.directoryChanged();
    this.flusher.inBackground();
  }

  /** Whole batches from the one holding `offset`, at most `maxBytes` (but at least one batch). */
  read(offset: number, maxBytes: number): LogReadResult {
    this.checkUsable();
    const bounds = { logStartOffset: this._logStartOffset, logEndOffset: this._logEndOffset };
    if (offset < this._logStartOffset || offset > this._logEndOffset) {
      throw outOfRange(offset, this._logStartOffset, this._logEndOffset);
    }
    const read = readSegments(this.segments, offset, maxBytes);
    return read === null ? { records: EMPTY, firstOffset: this._logEndOffset, ...bounds } : { ...read, ...bounds };
  }

  /** The first record with a timestamp >= `timestamp`, or null if there is none. */
  offsetForTimestamp(timestamp: number): TimestampAndOffset | null {
    this.checkUsable();
    return offsetForTimestamp(this.segments, timestamp, this._logStartOffset);
  }

  /** The first record with the largest timestamp in the log (ListOffsets' MAX_TIMESTAMP, KIP-734). */
  offsetOfMaxTimestamp(): TimestampAndOffset | null {
    this.checkUsable();
    return offsetOfMaxTimestamp(this.segments, this._logStartOffset);
  }

  /**
   * Moves the log start offset up to `offset` and deletes segments wholly below it; past
   * the high watermark is out of range (Kafka's maybeIncrementLogStartOffset: records a
   * replica may not have yet are not deleted).
   */
  deleteRecordsBefore(offset: number): number {
    this.checkUsable();
    if (offset > this._highWatermark || offset < 0) throw outOfRange(offset, this._logStartOffset, this._highWatermark);
    if (offset > this._logStartOffset) {
      this.moveLogStartOffset(offset);
      this.deleteOldSegments((_, next) => next !== undefined && next.baseOffset <= this._logStartOffset);
    }
    return this._logStartOffset;
  }

  /** The log now starts at `offset` (Kafka's updateLogStartOffset): the epoch cache and the high watermark follow. */
  private moveLogStartOffset(offset: number): void {
    this._logStartOffset = offset;
    this.epochCache.truncateFromStart(offset);
    if (this._highWatermark < offset) this.setHighWatermark(offset);
    this.onLogStartOffsetChange(offset);
  }

  /** Deletes segments past retention.ms and retention.bytes; returns how many. */
  enforceRetention(now: number = Date.now()): number {
    this.checkUsable();
    const { retentionMs, retentionBytes } = this._config;
    let deleted =
      retentionMs >= 0 ? this.deleteOldSegments(this.belowHighWatermark(retentionMsBreached(now, retentionMs))) : 0;
    if (retentionBytes >= 0)
      deleted += this.deleteOldSegments(this.belowHighWatermark(retentionSizeBreached(this.size - retentionBytes)));
    return deleted;
  }

  /** Only segments wholly below the high watermark may go (Kafka's deletableSegments), checked first: `doomed` may count. */
  private belowHighWatermark(doomed: SegmentDoomed): SegmentDoomed {
    return (segment, next) => (next?.baseOffset ?? this._logEndOffset) <= this._highWatermark && doomed(segment, next);
  }

  /** Deletes segments from the oldest while `doomed` holds; the log always keeps an active one. */
  private deleteOldSegments(doomed: SegmentDoomed): number {
    const count = oldestDoomed(this.segments, doomed);
    if (count === 0) return 0;
    if (count === this.segments.length) this.roll();
    for (const segment of this.segments.splice(0, count)) {
      this.deleteSegment(segment);
      this.producerState.deleteSnapshot(segment.baseOffset);
    }
    const start = Math.max(this._logStartOffset, this.segments[0]!.baseOffset);
    if (start !== this._logStartOffset) this.moveLogStartOffset(start);
    return count;
  }

  private deleteSegment(segment: LogSegment): void {
    this.flusher.deleted(segment);
    segment.delete();
    this.txnIndexes.deleteSegment(segment.baseOffset);
  }

  /**
   * Removes every batch at or after `offset` (whole batches), as a follower does on
   * divergence (Kafka's UnifiedLog.truncateTo): the epoch cache loses the epochs starting
   * there (even when nothing is removed: a leader may have assigned one and written
   * nothing), the high watermark is at most the new log end.
   */
  truncateTo(offset: number): void {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new TributaryError(`cannot truncate ${this.dir} to offset ${offset}`, 'ERR_INVALID_ARGUMENT');
    if (offset >= this._logEndOffset) {
      this.epochCache.truncateFromEnd(this._logEndOffset);
      return;
    }
    this.onFilesUsed();
    if (offset <= this.segments[0]!.baseOffset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    const keep = floorSegment(this.segments, offset);
    for (const segment of this.segments.splice(keep + 1)) this.deleteSegment(segment);
    const active = this.active;
    active.truncateTo(offset);
    active.onBecomeActive();
    this.flusher.written(active);
    this._logEndOffset = active.readNextOffset();
    this._recoveryPoint = Math.min(this._recoveryPoint, this._logEndOffset);
    this._logStartOffset = Math.min(this._logStartOffset, this._logEndOffset);
    this.txnIndexes.truncateSegment(active.baseOffset, offset);
    this.epochCache.truncateFromEnd(offset);
    this.reloadProducerState();
    this.updateHighWatermark(this._highWatermark);
  }

  /**
   * Deletes every segment and starts the log empty at `offset` (Kafka's
   * truncateFullyAndStartAt: a follower whose fetch offset the leader no longer has):
   * log start, log end and high watermark there, no epoch, no producer.
   */
  truncateFullyAndStartAt(offset: number): void {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new TributaryError(`cannot start ${this.dir} at offset ${offset}`, 'ERR_INVALID_ARGUMENT');
    this.onFilesUsed();
    for (const segment of this.segments.splice(0)) this.deleteSegment(segment);
    this.segments.push(LogSegment.open(this.dir, offset, this._config, true, true));
    this._logEndOffset = offset;
    this._logStartOffset = offset;
    this._recoveryPoint = offset;
    this.epochCache.clear();
    this.producerState.truncateFullyAndStartAt(offset);
    this.setHighWatermark(offset);
    this.onLogStartOffsetChange(offset);
  }

  /** Makes everything appended so far durable. */
  flush(): Promise<void> {
    this.checkUsable();
    return this.flusher.request();
  }

  /**
   * Closes the descriptors of the active segment (an open-file budget's release); its
   * mappings stay, so reads and flushes go on, and the next append reopens the files.
   */
  releaseFiles(): void {
    if (!this.closed) this.active.releaseFiles();
  }

  /**
   * Flushes, seals the indexes and closes every file; reopening after a flushed close
   * scans nothing. `flush: false` is for a log about to be deleted: it is neither flushed
   * nor sealed, as its files are going (and may have been renamed aside).
   */
  async close(options: { flush?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.flusher.stop();
    await this.turns.idle(); // appends already called (waiting on their checks) still land
    await this.flusher.idle();
    try {
      if (this.failure === null && options.flush !== false) {
        await this.flusher.request();
        this.producerState.takeSnapshot(true);
      }
    } finally {
      this.closed = true;
      for (const segment of this.segments) segment.close({ seal: options.flush !== false });
    }
  }
}
