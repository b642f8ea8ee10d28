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
import { open as openFile } from 'node:fs/promises';
import { BatchScanner, type BatchInfo } from '../native/BatchScan.js';
import { TributaryError } from '../errors.js';
import { BatchHeader } from '../record/RecordBatchHeader.js';
import { resolveLogConfig, type LogConfig } from './LogConfig.js';
import { GroupCommit } from './GroupCommit.js';
import type { LatencyHistogram } from './LatencyHistogram.js';
import { LogSegment, type RecoveryProgress, type SegmentRead, type TimestampAndOffset } from './LogSegment.js';
import { loadSegments } from './LogLoader.js';
import { LogValidator, refusedInRequest, type AppendOrigin } from './LogValidator.js';

export interface LogOptions {
  dir: string;
  config?: Partial<LogConfig>;
  /** Offset below which the log is known flushed; recovery scans from its segment on. */
  recoveryPoint?: number;
  /** From the log-start-offset checkpoint. */
  logStartOffset?: number;
  /** The last close was clean: the indexes are trusted and nothing is scanned. */
  hadCleanShutdown?: boolean;
  /** Told of the bytes a recovery scan at open goes through. */
  recoveryProgress?: RecoveryProgress;
  /** Told when logStartOffset moves, so it can be checkpointed. */
  onLogStartOffsetChange?: (offset: number) => void;
  /** Where the duration of each flush (fdatasync of segments and directory) is counted. */
  flushLatency?: LatencyHistogram;
}

/**
 * The internal mark of an append of batches this process's RecordBatchBuilder has just
 * written (the embedded producer's): their CRC32C and records are known good, so neither
 * is checked again; framing, limits and the topic's timestamp bounds still are. Not
 * exported from the package, so no caller outside it can claim it for bytes it got elsewhere.
 */
export const BUILT_IN_PROCESS: unique symbol = Symbol('tributary.builtInProcess');

export interface AppendOptions {
  /** 'coordinator' may write control batches (transaction markers); default 'client'. */
  origin?: AppendOrigin;
  [BUILT_IN_PROCESS]?: boolean;
}

export interface AppendInfo {
  baseOffset: number;
  lastOffset: number;
  batches: number;
  bytes: number;
}

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

/**
 * The one batch `records` holds when its batchLength says it spans them exactly (the
 * usual produce request: one batch per partition), read without a native scan. Its
 * framing (magic, counts) is left to the native append, which refuses a malformed
 * batch before writing anything, as it refuses a bad CRC.
 */
function soleBatch(records: Buffer): BatchInfo | null {
  if (
    records.length < BatchHeader.size ||
    records.readInt32BE(BatchHeader.batchLength) + BatchHeader.logOverhead !== records.length
  ) {
    return null;
  }
  const baseOffset = readInt64(records, BatchHeader.baseOffset);
  return {
    position: 0,
    size: records.length,
    baseOffset,
    lastOffset: baseOffset + records.readInt32BE(BatchHeader.lastOffsetDelta),
    maxTimestamp: readInt64(records, BatchHeader.maxTimestamp),
  };
}

/** A big-endian i64 as a number, exact within ±2^53 (every offset and timestamp); cheaper than a BigInt read. */
function readInt64(bytes: Buffer, at: number): number {
  return bytes.readInt32BE(at) * 0x1_0000_0000 + bytes.readUInt32BE(at + 4);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await openFile(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class Log {
  readonly dir: string;
  private _config: LogConfig;
  private segments: LogSegment[];
  private _logStartOffset: number;
  private _logEndOffset: number;
  private _recoveryPoint: number;
  private readonly unflushed = new Set<LogSegment>();
  private readonly scanner = new BatchScanner();
  private validator: LogValidator;
  /** Settles when the last append that waited (for checks or for its turn) has written. */
  private appendTurn: Promise<void> = Promise.resolve();
  private waitingAppends = 0;
  private directoryDirty = false;
  private readonly groupCommit = new GroupCommit(() => this.flushNow());
  private flushTimer: NodeJS.Timeout | null = null;
  private failure: TributaryError | null = null;
  private closed = false;
  private readonly onLogStartOffsetChange: (offset: number) => void;
  private readonly flushLatency: LatencyHistogram | undefined;

  private constructor(options: LogOptions) {
    this.dir = options.dir;
    this.flushLatency = options.flushLatency;
    this._config = resolveLogConfig(options.config);
    this.validator = new LogValidator(this._config);
    this.onLogStartOffsetChange = options.onLogStartOffsetChange ?? (() => undefined);
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
    this.scheduleFlushes();
  }

  private scheduleFlushes(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    if (this._config.durability === 'interval') {
      this.flushTimer = setInterval(() => this.flushInBackground(), this._config.flushIntervalMs).unref();
    }
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
      this.scheduleFlushes();
    if (SEGMENT_SHAPE.some((key) => previous[key] !== this._config[key])) this.replaceActiveSegment();
  }

  /** A new active segment under the current config: rolled to, or in place of an empty one. */
  private replaceActiveSegment(): void {
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
      const batches = this.validate(records);
      const verify = options[BUILT_IN_PROCESS] !== true;
      const checks = this.validator.validate(records, batches, options.origin ?? 'client', verify);
      if (checks !== null || this.waitingAppends > 0) return this.appendInTurn(checks, records, batches, verify);
      info = this.write(records, batches, verify);
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
    verify: boolean,
  ): Promise<AppendInfo> {
    return this.madeDurable(await this.writeInTurn(checks, records, batches, verify));
  }

  /** Resolves with `info` once it is as durable as the log's durability asks. */
  private madeDurable(info: AppendInfo): Promise<AppendInfo> {
    return this._config.durability === 'always' ? this.groupCommit.request().then(() => info) : Promise.resolve(info);
  }

  /**
   * Writes after `checks` (which decompress) pass and after every earlier append that had
   * to wait, so appends land in the order they were called.
   */
  private async writeInTurn(
    checks: Promise<unknown> | null,
    records: Buffer,
    batches: BatchInfo[],
    verify: boolean,
  ): Promise<AppendInfo> {
    const previous = this.appendTurn;
    let done!: () => void;
    this.appendTurn = new Promise<void>((resolve) => (done = resolve));
    this.waitingAppends++;
    try {
      await checks;
      await previous;
      this.checkUsable();
      return this.write(records, batches, verify);
    } finally {
      this.waitingAppends--;
      void previous.then(done);
    }
  }

  /** Writes framed, checked batches; `verify`: their CRC32C and records are checked as they are written. */
  private write(records: Buffer, batches: BatchInfo[], verify: boolean): AppendInfo {
    const baseOffset = this._logEndOffset;
    const segments = this.segments.length;
    const now = Date.now();
    for (const b of batches) {
      try {
        this.writeBatch(records, b, now, verify);
      } catch (error) {
        this.rollBack(baseOffset, segments);
        throw refusedInRequest(error, b);
      }
    }
    return { baseOffset, lastOffset: this._logEndOffset - 1, batches: batches.length, bytes: records.length };
  }

  private validate(records: Buffer): BatchInfo[] {
    const sole = soleBatch(records);
    return this.checkLimits(sole !== null ? [sole] : this.scanFraming(records));
  }

  private scanFraming(records: Buffer): BatchInfo[] {
    const batches: BatchInfo[] = [];
    const last = this.scanner.bufferAll(records, { maxBatches: 16, verifyCrc: false }, (chunk) => {
      for (let i = 0; i < chunk.count; i++) batches.push(chunk.batch(i));
      return true;
    });
    if (last.stopCode !== undefined) {
      throw new TributaryError(`invalid record batch: ${last.stopReason}`, 'ERR_CORRUPT_BATCH', { position: last.end });
    }
    if (batches.length === 0) throw new TributaryError('no record batch to append', 'ERR_CORRUPT_BATCH');
    return batches;
  }

  private checkLimits(batches: BatchInfo[]): BatchInfo[] {
    let next = this._logEndOffset;
    for (const b of batches) {
      if (b.size > this._config.maxMessageBytes) {
        throw new TributaryError(
          `batch of ${b.size} bytes exceeds max.message.bytes ${this._config.maxMessageBytes}`,
          'ERR_MESSAGE_TOO_LARGE',
        );
      }
      if (b.size > this._config.segmentBytes) {
        throw new TributaryError(
          `batch of ${b.size} bytes exceeds segment.bytes ${this._config.segmentBytes}`,
          'ERR_RECORD_BATCH_TOO_LARGE',
        );
      }
      next += b.lastOffset - b.baseOffset + 1;
    }
    if (next > Number.MAX_SAFE_INTEGER)
      throw new TributaryError('offsets past 2^53 are not supported', 'ERR_OFFSET_OVERFLOW');
    return batches;
  }

  private writeBatch(records: Buffer, b: BatchInfo, now: number, verify: boolean): void {
    if (this.active.shouldRoll(b.size, b.maxTimestamp, now)) this.roll();
    const batch = b.size === records.length ? records : records.subarray(b.position, b.position + b.size);
    this.active.append(batch, b, this._logEndOffset, verify);
    this._logEndOffset += b.lastOffset - b.baseOffset + 1;
    this.unflushed.add(this.active);
  }

  /**
   * Undoes a partly written append (a batch refused by its CRC, an I/O error), with the
   * segments it rolled to, so the log is as before; best effort.
   */
  private rollBack(offset: number, segments: number): void {
    try {
      if (this._logEndOffset > offset) this.truncateTo(offset);
      if (this.segments.length > segments) {
        for (const segment of this.segments.splice(segments)) this.deleteSegment(segment);
        this.active.onBecomeActive();
      }
    } catch (error) {
      this.failure = new TributaryError(`log ${this.dir} failed: ${(error as Error).message}`, 'ERR_LOG_OFFLINE', {
        path: this.dir,
      });
    }
  }

  /** Starts a new segment at the log end offset; the old one is sealed and flushed soon. */
  roll(): void {
    this.checkUsable();
    if (this.active.size === 0) return;
    this.active.onBecomeInactive();
    this.active.flushIndexes();
    this.segments.push(LogSegment.open(this.dir, this._logEndOffset, this._config, true, true));
    this.directoryDirty = true;
    this.flushInBackground();
  }

  /** Whole batches from the one holding `offset`, at most `maxBytes` (but at least one batch). */
  read(offset: number, maxBytes: number): LogReadResult {
    this.checkUsable();
    const bounds = { logStartOffset: this._logStartOffset, logEndOffset: this._logEndOffset };
    if (offset < this._logStartOffset || offset > this._logEndOffset) {
      throw outOfRange(offset, this._logStartOffset, this._logEndOffset);
    }
    for (let i = this.floorSegment(offset); i < this.segments.length; i++) {
      const read = this.segments[i]!.read(offset, maxBytes);
      if (read !== null) return { ...read, ...bounds };
    }
    return { records: EMPTY, firstOffset: this._logEndOffset, ...bounds };
  }

  private floorSegment(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The first record with a timestamp >= `timestamp`, or null if there is none. */
  offsetForTimestamp(timestamp: number): TimestampAndOffset | null {
    this.checkUsable();
    for (const segment of this.segments) {
      if (segment.maxTimestamp < timestamp) continue;
      const found = segment.findOffsetByTimestamp(timestamp, this._logStartOffset);
      if (found !== null) return found;
    }
    return null;
  }

  /** The first record with the largest timestamp in the log (ListOffsets' MAX_TIMESTAMP, KIP-734). */
  offsetOfMaxTimestamp(): TimestampAndOffset | null {
    this.checkUsable();
    let latest: LogSegment | null = null;
    for (const segment of this.segments) if (segment.maxTimestamp > (latest?.maxTimestamp ?? -1)) latest = segment;
    return latest === null ? null : latest.findOffsetByTimestamp(latest.maxTimestamp, this._logStartOffset);
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
    let deleted = 0;
    const { retentionMs, retentionBytes } = this._config;
    if (retentionMs >= 0) deleted += this.deleteOldSegments((s) => now - s.largestTimestamp > retentionMs);
    if (retentionBytes >= 0) {
      let excess = this.size - retentionBytes;
      deleted += this.deleteOldSegments((s) => {
        if (excess - s.size < 0) return false;
        excess -= s.size;
        return true;
      });
    }
    return deleted;
  }

  /** Deletes segments from the oldest while `doomed` holds; the log always keeps an active one. */
  private deleteOldSegments(doomed: (segment: LogSegment, next: LogSegment | undefined) => boolean): number {
    let count = 0;
    while (count < this.segments.length) {
      const segment = this.segments[count]!;
      const next = this.segments[count + 1];
      if ((next === undefined && segment.size === 0) || !doomed(segment, next)) break;
      count++;
    }
    if (count === 0) return 0;
    if (count === this.segments.length) this.roll();
    for (const segment of this.segments.splice(0, count)) this.deleteSegment(segment);
    const start = Math.max(this._logStartOffset, this.segments[0]!.baseOffset);
    if (start !== this._logStartOffset) {
      this._logStartOffset = start;
      this.onLogStartOffsetChange(start);
    }
    return count;
  }

  private deleteSegment(segment: LogSegment): void {
    this.unflushed.delete(segment);
    segment.delete();
    this.directoryDirty = true;
  }

  /** Removes every batch at or after `offset` (whole batches), as a follower does on divergence. */
  truncateTo(offset: number): void {
    this.checkOpen();
    if (offset >= this._logEndOffset) return;
    if (offset <= this.segments[0]!.baseOffset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    const keep = this.floorSegment(offset);
    for (const segment of this.segments.splice(keep + 1)) this.deleteSegment(segment);
    const active = this.active;
    active.truncateTo(offset);
    active.onBecomeActive();
    this.unflushed.add(active);
    this._logEndOffset = active.readNextOffset();
    this._recoveryPoint = Math.min(this._recoveryPoint, this._logEndOffset);
    this._logStartOffset = Math.min(this._logStartOffset, this._logEndOffset);
  }

  private truncateFullyAndStartAt(offset: number): void {
    for (const segment of this.segments.splice(0)) this.deleteSegment(segment);
    this.segments.push(LogSegment.open(this.dir, offset, this._config, true, true));
    this._logEndOffset = offset;
    this._logStartOffset = offset;
    this._recoveryPoint = offset;
    this.onLogStartOffsetChange(offset);
  }

  /** Makes everything appended so far durable. */
  flush(): Promise<void> {
    this.checkUsable();
    return this.groupCommit.request();
  }

  private flushInBackground(): void {
    if (this.unflushed.size === 0 && !this.directoryDirty) return;
    this.groupCommit.request().catch(() => undefined);
  }

  private async flushNow(): Promise<void> {
    const target = this._logEndOffset;
    const segments = [...this.unflushed];
    const directory = this.directoryDirty;
    this.unflushed.clear();
    this.directoryDirty = false;
    const started = performance.now();
    try {
      await Promise.all(segments.map((s) => s.flush()));
      if (directory) await syncDirectory(this.dir);
      this._recoveryPoint = Math.max(this._recoveryPoint, target);
      if (segments.length > 0 || directory) this.flushLatency?.observe((performance.now() - started) / 1000);
    } catch (error) {
      // After a failed fdatasync the kernel may have dropped the dirty pages: a retry
      // could succeed without the data. The log goes offline instead.
      this.failure = new TributaryError(`flush of ${this.dir} failed: ${(error as Error).message}`, 'ERR_LOG_OFFLINE', {
        path: this.dir,
      });
      throw this.failure;
    }
  }

  /** Flushes, seals the indexes and closes every file. Reopening after this scans nothing. */
  /** Flushes (unless `flush: false`: a log about to be deleted need not reach the disk) and unmaps. */
  async close(options: { flush?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.appendTurn; // appends already called (waiting on their checks) still land
    await this.groupCommit.idle();
    try {
      if (this.failure === null && options.flush !== false) await this.groupCommit.request();
    } finally {
      this.closed = true;
      for (const segment of this.segments) segment.close();
    }
  }
}
