/**
 * LogSegment: one segment of a partition's log (Kafka's LogSegment): the .log bytes
 * (native Segment) with its sparse OffsetIndex and TimeIndex.
 *
 * Index policy, as Kafka's: after every index.interval.bytes appended, the next batch
 * gets an offset index entry (its last offset -> its position) and the time index an
 * entry (largest timestamp so far -> offset of the batch that had it).
 */
import { existsSync, statSync } from 'node:fs';
import { native, ScanField, type NativeOffsetIndex, type NativeSegment, type NativeTimeIndex, type ScanResult } from '../native/addon.js';
import { TributaryError } from '../errors.js';
import type { LogConfig } from './LogConfig.js';
import { logFile, offsetIndexFile, timeIndexFile } from './LogFileNames.js';
import { findRecordAtTimestamp } from './RecordTimestamps.js';

/** One batch as batch_scan reports it. */
export interface BatchInfo {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

export function batchAt(scan: ScanResult, i: number): BatchInfo {
  const at = i * ScanField.count;
  const f = scan.batches;
  return {
    position: f[at + ScanField.position]!,
    size: f[at + ScanField.size]!,
    baseOffset: f[at + ScanField.baseOffset]!,
    lastOffset: f[at + ScanField.lastOffset]!,
    maxTimestamp: f[at + ScanField.maxTimestamp]!,
  };
}

export function batchCount(scan: ScanResult): number {
  return scan.batches.length / ScanField.count;
}

export interface SegmentRead {
  /** Whole batches, a zero-copy view into the segment's mapping. */
  records: Buffer;
  /** Base offset of the first batch in `records`. */
  firstOffset: number;
}

export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
}

export class LogSegment {
  private bytesSinceLastIndexEntry = 0;
  private maxTimestampSoFar: number;
  private offsetOfMaxTimestampSoFar: number;
  /** Max timestamp of the first batch, which segment.ms counts from; -1 until known. */
  private rollingBasedTimestamp = -1;
  private readonly createdAt = Date.now();

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly config: LogConfig,
    readonly log: NativeSegment,
    readonly offsetIndex: NativeOffsetIndex,
    readonly timeIndex: NativeTimeIndex,
  ) {
    const last = timeIndex.lastEntry;
    this.maxTimestampSoFar = last.timestamp;
    this.offsetOfMaxTimestampSoFar = last.offset;
  }

  /**
   * Opens the segment at `baseOffset` in `dir`, creating it if `create`. Only the active
   * segment is `writable`: its indexes are grown to segment.index.bytes.
   */
  static open(dir: string, baseOffset: number, config: LogConfig, create: boolean, writable: boolean): LogSegment {
    const path = logFile(dir, baseOffset);
    if (!create && !existsSync(path)) {
      throw new TributaryError(`segment ${path} does not exist`, 'ENOENT', { path });
    }
    const log = new native.Segment(path, config.segmentBytes, create);
    const indexBytes = config.segmentIndexBytes;
    const offsetIndex = new native.OffsetIndex(offsetIndexFile(dir, baseOffset), baseOffset, indexBytes, writable);
    const timeIndex = new native.TimeIndex(timeIndexFile(dir, baseOffset), baseOffset, indexBytes, writable);
    return new LogSegment(dir, baseOffset, config, log, offsetIndex, timeIndex);
  }

  get size(): number {
    return this.log.size;
  }

  /** The newest timestamp in the segment, or -1 if it has none. */
  get maxTimestamp(): number {
    return this.maxTimestampSoFar;
  }

  /**
   * Appends one validated batch as described by `info`, giving it base offset `baseOffset`.
   * All or nothing: if indexing fails (a full disk), the batch is cut off again.
   */
  append(batch: Buffer, info: BatchInfo, baseOffset: number): void {
    const position = this.log.size;
    this.log.append(batch, baseOffset);
    try {
      this.indexBatch({ ...info, position, baseOffset, lastOffset: baseOffset + (info.lastOffset - info.baseOffset) });
    } catch (error) {
      this.truncateTo(baseOffset);
      throw error;
    }
  }

  /** Newest timestamp, or the file's modification time when it holds none (Kafka's largestTimestamp). */
  get largestTimestamp(): number {
    return this.maxTimestampSoFar >= 0 ? this.maxTimestampSoFar : statSync(this.log.path).mtimeMs;
  }

  private indexBatch(b: BatchInfo): void {
    if (this.rollingBasedTimestamp < 0) this.rollingBasedTimestamp = b.maxTimestamp;
    if (b.maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = b.maxTimestamp;
      this.offsetOfMaxTimestampSoFar = b.lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      this.offsetIndex.append(b.lastOffset, b.position);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += b.size;
  }

  /** Position of the first batch whose last offset is >= `offset`, or null. */
  translateOffset(offset: number): BatchInfo | null {
    const start = this.offsetIndex.lookup(offset).position;
    const scan = this.log.scan(start, { verifyCrc: false, skipBelow: offset, maxBatches: 1 });
    return batchCount(scan) === 0 ? null : batchAt(scan, 0);
  }

  /** Whole batches from the one holding `offset`, up to `maxBytes` (at least one batch). */
  read(offset: number, maxBytes: number): SegmentRead | null {
    const first = this.translateOffset(offset);
    if (first === null) return null;
    const scan = this.log.scan(first.position, { verifyCrc: false, maxBytes });
    const end = scan.end;
    return { records: this.log.read(first.position, end - first.position), firstOffset: first.baseOffset };
  }

  /** First record at or after `timestamp` with offset >= `startingOffset` (Kafka's findOffsetByTimestamp). */
  findOffsetByTimestamp(timestamp: number, startingOffset: number): TimestampAndOffset | null {
    const indexed = this.timeIndex.lookup(timestamp);
    let position = this.offsetIndex.lookup(Math.max(indexed.offset, startingOffset)).position;
    for (;;) {
      const scan = this.log.scan(position, { verifyCrc: false, maxBatches: 64 });
      const n = batchCount(scan);
      if (n === 0) return null;
      for (let i = 0; i < n; i++) {
        const b = batchAt(scan, i);
        if (b.maxTimestamp < timestamp || b.lastOffset < startingOffset) continue;
        const found = findRecordAtTimestamp(this.log.read(b.position, b.size), timestamp, startingOffset);
        if (found !== null) return found;
      }
      position = scan.end;
    }
  }

  /** Offset after the last batch, reading forward from the last index entry. */
  readNextOffset(): number {
    const last = this.offsetIndex.entries === 0 ? { position: 0 } : this.offsetIndex.entry(this.offsetIndex.entries - 1);
    const scan = this.log.scan(last.position, { verifyCrc: false });
    const n = batchCount(scan);
    return n === 0 ? this.baseOffset : batchAt(scan, n - 1).lastOffset + 1;
  }

  /**
   * Checks every batch (framing, CRC, increasing offsets), rebuilds both indexes, and
   * cuts the log after the last good batch. Returns the bytes cut.
   */
  recover(): number {
    const scan = this.log.scan(0, { verifyCrc: true, nextOffset: this.baseOffset });
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.onBecomeActive();
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
    this.rollingBasedTimestamp = -1;
    for (let i = 0; i < batchCount(scan); i++) this.indexBatch(batchAt(scan, i));
    const cut = this.log.size - scan.end;
    if (cut > 0) this.log.truncateTo(scan.end);
    return cut;
  }

  /** Whether the indexes can be trusted as found (after a clean shutdown). */
  indexesAreSane(): boolean {
    try {
      this.offsetIndex.sanityCheck(this.log.size);
      this.timeIndex.sanityCheck();
      return true;
    } catch {
      return false;
    }
  }

  /** Drops every batch at or after `offset` (the whole batch holding it); returns bytes cut. */
  truncateTo(offset: number): number {
    const at = this.translateOffset(offset);
    if (at === null) return 0;
    const cut = this.log.size - at.position;
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    this.log.truncateTo(at.position);
    const last = this.timeIndex.lastEntry;
    this.maxTimestampSoFar = last.timestamp;
    this.offsetOfMaxTimestampSoFar = last.offset;
    this.bytesSinceLastIndexEntry = 0;
    if (this.log.size === 0) this.rollingBasedTimestamp = -1;
    return cut;
  }

  /** Whether a batch set of `bytes` with max timestamp `maxTimestamp` calls for a roll first. */
  shouldRoll(bytes: number, maxTimestamp: number, now: number): boolean {
    if (this.log.size === 0) return false;
    const rollFrom = this.firstBatchTimestamp();
    const timeWaited = rollFrom >= 0 ? maxTimestamp - rollFrom : now - this.createdAt;
    return (
      this.log.size + bytes > this.config.segmentBytes ||
      timeWaited > this.config.segmentMs ||
      this.offsetIndex.isFull ||
      this.timeIndex.isFull
    );
  }

  private firstBatchTimestamp(): number {
    if (this.rollingBasedTimestamp < 0 && this.log.size > 0) {
      const scan = this.log.scan(0, { verifyCrc: false, maxBatches: 1 });
      if (batchCount(scan) > 0) this.rollingBasedTimestamp = batchAt(scan, 0).maxTimestamp;
    }
    return this.rollingBasedTimestamp;
  }

  /** Seals the segment when it stops being active: final time entry, indexes trimmed. */
  onBecomeInactive(): void {
    if (this.maxTimestampSoFar >= 0) {
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    }
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
  }

  /** Makes a sealed segment active again (after truncation deleted its successors). */
  onBecomeActive(): void {
    this.offsetIndex.resize(this.config.segmentIndexBytes);
    this.timeIndex.resize(this.config.segmentIndexBytes);
  }

  flush(): Promise<void> {
    return this.log.flush();
  }

  flushIndexes(): void {
    this.offsetIndex.flushSync();
    this.timeIndex.flushSync();
  }

  close(): void {
    this.onBecomeInactive();
    this.flushIndexes();
    this.log.close();
    this.offsetIndex.close();
    this.timeIndex.close();
  }

  /** Unlinks the files; views already handed out stay readable. */
  delete(): void {
    this.log.delete();
    this.offsetIndex.delete();
    this.timeIndex.delete();
  }
}
