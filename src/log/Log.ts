/**
 * Log: the ordered segments of one partition, in a directory `<topic>-<partition>`
 * (Kafka's UnifiedLog + LocalLog, without replication yet).
 *
 * Offsets: logStartOffset (first readable), logEndOffset (next to assign), and the
 * recoveryPoint (everything below it is known to be on disk). Appends are written
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
  type AppendInfo,
  type AppendOptions,
  type WriteMode,
} from './LogAppend.js';
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
import { oldestDoomed, retentionMsBreached, retentionSizeBreached, type SegmentDoomed } from './LogRetention.js';
import { floorSegment, offsetForTimestamp, offsetOfMaxTimestamp, readSegments } from './SegmentLookup.js';
import type { TimestampAndOffset } from './RecordTimestamps.js';

export { BUILT_IN_PROCESS, type AppendInfo, type AppendOptions } from './LogAppend.js';
export type { ProducerState } from './ProducerStateEntry.js';

export interface LogReadResult extends SegmentRead {
  logStartOffset: number;
  logEndOffset: number;
}

const EMPTY = Buffer.alloc(0);

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
   * any batch is invalid; appends are written in the order they were called.
   * Resolves when the batches are as durable as the log's durability asks.
   */
  append(records: Buffer, options: AppendOptions = {}): Promise<AppendInfo> {
    let info: AppendInfo;
    try {
      this.checkUsable();
      const batches = analyzeAndValidateRecords(records, this.scanner, this._config, this._logEndOffset);
      const how: WriteMode = { verify: options[BUILT_IN_PROCESS] !== true, origin: options.origin ?? 'client' };
      const checks = this.validator.validate(records, batches, how.origin, how.verify);
      if (checks !== null || this.turns.busy) return this.appendInTurn(checks, records, batches, how);
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
    const baseOffset = this._logEndOffset;
    // Checked in turn, against the state every earlier append left (Kafka checks it under the log's lock).
    const producers = this.producerState.analyze(records, batches, baseOffset, how.origin);
    if (producers?.duplicate) {
      const { firstOffset, lastOffset } = producers.duplicate;
      return { baseOffset: firstOffset, lastOffset, batches: 0, bytes: 0, duplicate: true };
    }
    const segments = this.segments.length;
    const now = Date.now();
    for (const b of batches) {
      try {
        this.writeBatch(records, b, now, how);
      } catch (error) {
        const offset = this._logEndOffset;
        this.rollBack(baseOffset, segments);
        throw appendFailure(error, b, basename(this.dir), offset);
      }
    }
    if (producers !== null) this.updateProducerState(producers);
    this.producerState.updateMapEndOffset(this._logEndOffset);
    return { baseOffset, lastOffset: this._logEndOffset - 1, batches: batches.length, bytes: records.length };
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
   * The last stable offset: the first offset of the earliest ongoing transaction, else the
   * log end (the high watermark, with no replication) (Kafka's UnifiedLog.lastStableOffset).
   */
  get lastStableOffset(): number {
    const first = this.producerState.firstUndecidedOffset;
    return first === null ? this._logEndOffset : Math.max(first, this._logStartOffset);
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
    if (this.active.shouldRoll(b.size, b.maxTimestamp, now)) this.roll();
    const batch = b.size === records.length ? records : records.subarray(b.position, b.position + b.size);
    try {
      this.active.append(batch, b, this._logEndOffset, verify);
    } catch (error) {
      // Refused for nothing but a wrong header maxTimestamp, which Kafka corrects: written again, corrected.
      if (!verify || !this.validator.correctedAfterRefusal(batch, b, origin, error)) throw error;
      this.active.append(batch, b, this._logEndOffset, verify);
    }
    this._logEndOffset += b.lastOffset - b.baseOffset + 1;
    this.flusher.written(this.active);
  }

  /**
   * Undoes a partly written append (a batch refused by its CRC, an I/O error), with the
   * segments it rolled to, so the log is as before; best effort.
   */
  private rollBack(offset: number, segments: number): void {
    try {
      this.producerState.deleteSnapshotsFrom(offset);
      if (this._logEndOffset > offset) this.truncateTo(offset);
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

  /** Moves the log start offset up to `offset` and deletes segments wholly below it. */
  deleteRecordsBefore(offset: number): number {
    this.checkUsable();
    if (offset > this._logEndOffset || offset < 0) throw outOfRange(offset, this._logStartOffset, this._logEndOffset);
    if (offset > this._logStartOffset) {
      this._logStartOffset = offset;
      this.onLogStartOffsetChange(offset);
      this.deleteOldSegments((_, next) => next !== undefined && next.baseOffset <= this._logStartOffset);
    }
    return this._logStartOffset;
  }

  /** Deletes segments past retention.ms and retention.bytes; returns how many. */
  enforceRetention(now: number = Date.now()): number {
    this.checkUsable();
    const { retentionMs, retentionBytes } = this._config;
    let deleted = retentionMs >= 0 ? this.deleteOldSegments(retentionMsBreached(now, retentionMs)) : 0;
    if (retentionBytes >= 0) deleted += this.deleteOldSegments(retentionSizeBreached(this.size - retentionBytes));
    return deleted;
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
    if (start !== this._logStartOffset) {
      this._logStartOffset = start;
      this.onLogStartOffsetChange(start);
    }
    return count;
  }

  private deleteSegment(segment: LogSegment): void {
    this.flusher.deleted(segment);
    segment.delete();
    this.txnIndexes.deleteSegment(segment.baseOffset);
  }

  /** Removes every batch at or after `offset` (whole batches), as a follower does on divergence. */
  truncateTo(offset: number): void {
    this.checkOpen();
    if (offset >= this._logEndOffset) return;
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
    this.reloadProducerState();
  }

  private truncateFullyAndStartAt(offset: number): void {
    for (const segment of this.segments.splice(0)) this.deleteSegment(segment);
    this.segments.push(LogSegment.open(this.dir, offset, this._config, true, true));
    this._logEndOffset = offset;
    this._logStartOffset = offset;
    this._recoveryPoint = offset;
    this.producerState.truncateFullyAndStartAt(offset);
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
