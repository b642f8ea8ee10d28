/**
 * LogSegment: one segment of a partition's log (Kafka's LogSegment): the .log bytes
 * (native Segment) with its sparse OffsetIndex and TimeIndex.
 *
 * Index policy, as Kafka's: after every index.interval.bytes appended, the next batch
 * gets an offset index entry (its last offset -> its position) and the time index an
 * entry (largest timestamp so far -> offset of the batch that had it).
 */
import { existsSync, statSync } from 'node:fs';
import { native, type NativeOffsetIndex, type NativeSegment, type NativeTimeIndex } from '../native/addon.js';
import { BatchScanner, type BatchInfo } from '../native/BatchScan.js';
import { TributaryError } from '../errors.js';
import type { LogConfig } from './LogConfig.js';
import { logFile, offsetIndexFile, timeIndexFile } from './LogFileNames.js';
import { findRecordAtTimestamp, type TimestampAndOffset } from './RecordTimestamps.js';

const EMPTY = Buffer.alloc(0);

export interface SegmentRead {
  /** Whole batches, a zero-copy view into the segment's mapping. */
  records: Buffer;
  /** Base offset of the first batch in `records`. */
  firstOffset: number;
}

/** Told how many bytes a recovery scan has ahead of it and how far it got (a progress bar's feed). */
export interface RecoveryProgress {
  expect(bytes: number): void;
  advance(bytes: number): void;
}

/** The largest offset an index entry holds relative to its segment's base: Integer.MAX_VALUE. */
const MAX_RELATIVE_OFFSET = 2 ** 31 - 1;

export class LogSegment {
  private readonly scanner = new BatchScanner();
  private bytesSinceLastIndexEntry = 0;
  /** The .log size, kept here to spare a native call per read of it. */
  private bytes: number;
  /**
   * A zero-copy view of a sealed .log from 0, made once and sliced for each read. V8
   * counts every native view's whole length as external memory when it is made, and
   * enough of that forces a full GC: so a sealed segment (whose size is final) has one
   * view, and a read of the active segment gets a view of its own bytes only. Re-making a
   * growing segment's whole view for each read at its tail (a follower's every fetch)
   * counted the segment's size per fetch: a mark-compact every few fetches.
   */
  private mapped: Buffer = EMPTY;
  /** Set while the segment is not the active one: its size changes only by truncation. */
  private sealed = false;
  /** Entries either index takes before it is full (a roll is due), kept here to spare native calls. */
  private offsetEntriesLeft = 0;
  private timeEntriesLeft = 0;
  /** The newest timestamp in the time index. */
  private timeIndexed = -1;
  private maxTimestampSoFar = -1;
  private offsetOfMaxTimestampSoFar = 0;
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
    this.bytes = log.size;
    log.attachIndexes(offsetIndex, timeIndex);
    this.loadIndexState();
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
    const indexBytes = config.segmentIndexBytes;
    // Files opened before one that fails (EMFILE, ENOSPC) are closed at once, not left to the GC.
    const opened: { close(): void }[] = [];
    try {
      const log = new native.Segment(path, config.segmentBytes, create);
      opened.push(log);
      const offsetIndex = new native.OffsetIndex(offsetIndexFile(dir, baseOffset), baseOffset, indexBytes, writable);
      opened.push(offsetIndex);
      const timeIndex = new native.TimeIndex(timeIndexFile(dir, baseOffset), baseOffset, indexBytes, writable);
      opened.push(timeIndex);
      return new LogSegment(dir, baseOffset, config, log, offsetIndex, timeIndex);
    } catch (error) {
      for (const file of opened) file.close();
      throw error;
    }
  }

  get size(): number {
    return this.bytes;
  }

  /** The newest timestamp in the segment, or -1 if it has none. */
  get maxTimestamp(): number {
    return this.maxTimestampSoFar;
  }

  /**
   * Appends one well-framed batch as described by `info`, giving it base offset
   * `baseOffset`, with its index entries, in one native call: if `verify`, its CRC32C
   * (and an uncompressed batch's records) are checked while it is written
   * (ERR_CORRUPT_BATCH or ERR_INVALID_RECORD, nothing written, if that fails), and if an
   * index entry cannot be written (a full disk) the batch is cut off again.
   */
  append(batch: Buffer, info: BatchInfo, baseOffset: number, verify: boolean): void {
    const lastOffset = baseOffset + (info.lastOffset - info.baseOffset);
    const indexed = this.indexDue();
    const timeEntry = indexed ? this.timeEntryFor(info.maxTimestamp) : -1;
    const offsetOfMax = this.offsetOfMaxFor(info.maxTimestamp, lastOffset);
    this.bytes = this.log.append(batch, baseOffset, verify, indexed ? lastOffset : -1, timeEntry, offsetOfMax);
    this.noteBatch(info.size, info.maxTimestamp, lastOffset, indexed, timeEntry);
  }

  /** Newest timestamp, or the file's modification time when it holds none (Kafka's largestTimestamp). */
  get largestTimestamp(): number {
    return this.maxTimestampSoFar >= 0 ? this.maxTimestampSoFar : statSync(this.log.path).mtimeMs;
  }

  /** Indexes a batch already in the log (recovery), by the same policy as append. */
  private indexBatch(position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    const indexed = this.indexDue();
    const timeEntry = indexed ? this.timeEntryFor(maxTimestamp) : -1;
    if (indexed) this.offsetIndex.append(lastOffset, position);
    if (timeEntry >= 0) this.timeIndex.maybeAppend(timeEntry, this.offsetOfMaxFor(maxTimestamp, lastOffset));
    this.noteBatch(size, maxTimestamp, lastOffset, indexed, timeEntry);
  }

  /** Whether the next batch gets an offset index entry: index.interval.bytes have passed since the last. */
  private indexDue(): boolean {
    return this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes;
  }

  /** The timestamp a time index entry for a batch with `maxTimestamp` records, or -1 if the index has it already. */
  private timeEntryFor(maxTimestamp: number): number {
    const largest = Math.max(maxTimestamp, this.maxTimestampSoFar);
    return largest > this.timeIndexed ? largest : -1;
  }

  private offsetOfMaxFor(maxTimestamp: number, lastOffset: number): number {
    return maxTimestamp > this.maxTimestampSoFar ? lastOffset : this.offsetOfMaxTimestampSoFar;
  }

  /** Takes in a batch written and indexed as `indexed` and `timeEntry` say. */
  private noteBatch(size: number, maxTimestamp: number, lastOffset: number, indexed: boolean, timeEntry: number): void {
    if (this.rollingBasedTimestamp < 0) this.rollingBasedTimestamp = maxTimestamp;
    if (maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTimestamp;
      this.offsetOfMaxTimestampSoFar = lastOffset;
    }
    if (indexed) {
      this.offsetEntriesLeft--;
      this.bytesSinceLastIndexEntry = 0;
    }
    if (timeEntry >= 0) {
      this.timeEntriesLeft--;
      this.timeIndexed = timeEntry;
    }
    this.bytesSinceLastIndexEntry += size;
  }

  /** Whether either index is full, so a roll is due. */
  private get indexesFull(): boolean {
    return this.offsetEntriesLeft <= 0 || this.timeEntriesLeft <= 0;
  }

  /**
   * Re-reads what the indexes hold after they changed other than by append or
   * indexBatch: how many entries each has room for, and the newest timestamp (with its
   * offset) the time index records.
   */
  private loadIndexState(): void {
    const last = this.timeIndex.lastEntry;
    this.offsetEntriesLeft = this.offsetIndex.maxEntries - this.offsetIndex.entries;
    // As the native TimeIndex, which keeps one slot for the final entry on roll.
    this.timeEntriesLeft = this.timeIndex.maxEntries - 1 - this.timeIndex.entries;
    this.timeIndexed = last.timestamp;
    this.maxTimestampSoFar = last.timestamp;
    this.offsetOfMaxTimestampSoFar = last.offset;
  }

  /** Position of the first batch whose last offset is >= `offset`, or null. */
  translateOffset(offset: number): BatchInfo | null {
    const start = this.offsetIndex.lookup(offset).position;
    const scan = this.scanner.segment(this.log, start, { verifyCrc: false, skipBelow: offset, maxBatches: 1 });
    return scan.count === 0 ? null : scan.batch(0);
  }

  /** Whole batches from the one holding `offset`, up to `maxBytes` (at least one batch). */
  read(offset: number, maxBytes: number): SegmentRead | null {
    const first = this.translateOffset(offset);
    if (first === null) return null;
    const { end } = this.scanner.segment(this.log, first.position, { verifyCrc: false, maxBytes, walkOnly: true });
    return { records: this.view(first.position, end - first.position), firstOffset: first.baseOffset };
  }

  private view(position: number, length: number): Buffer {
    const end = position + length;
    if (end > this.mapped.length) {
      if (!this.sealed) return this.log.read(position, length);
      this.mapped = this.log.read(0, this.bytes);
    }
    return this.mapped.subarray(position, end);
  }

  /** First record at or after `timestamp` with offset >= `startingOffset` (Kafka's findOffsetByTimestamp). */
  findOffsetByTimestamp(timestamp: number, startingOffset: number): TimestampAndOffset | null {
    const indexed = this.timeIndex.lookup(timestamp);
    const position = this.offsetIndex.lookup(Math.max(indexed.offset, startingOffset)).position;
    let found: TimestampAndOffset | null = null;
    this.scanner.segmentAll(this.log, position, { verifyCrc: false, maxBatches: 64 }, (chunk) => {
      for (let i = 0; i < chunk.count && found === null; i++) {
        if (chunk.maxTimestamp(i) < timestamp || chunk.lastOffset(i) < startingOffset) continue;
        found = findRecordAtTimestamp(this.view(chunk.position(i), chunk.size(i)), timestamp, startingOffset);
      }
      return found === null;
    });
    return found;
  }

  /** Offset after the last batch, reading forward from the last index entry. */
  readNextOffset(): number {
    const last =
      this.offsetIndex.entries === 0 ? { position: 0 } : this.offsetIndex.entry(this.offsetIndex.entries - 1);
    let next = this.baseOffset;
    this.scanner.segmentAll(this.log, last.position, { verifyCrc: false }, (chunk) => {
      if (chunk.count > 0) next = chunk.lastOffset(chunk.count - 1) + 1;
      return true;
    });
    return next;
  }

  /**
   * Checks the part of the log a clean open otherwise takes on trust, from the last
   * offset index entry to the end (what readNextOffset reads): whole batches with valid
   * CRCs whose offsets follow on, the first being the batch the entry names, and no time
   * index entry past them. Returns the offset after the last batch, or null if the tail
   * disagrees with itself or the indexes.
   */
  checkTail(): number | null {
    const entries = this.offsetIndex.entries;
    let start = 0;
    let next = this.baseOffset;
    if (entries > 0) {
      const last = this.offsetIndex.entry(entries - 1);
      const named = this.scanner.segment(this.log, last.position, { maxBatches: 1 });
      if (named.count === 0 || named.lastOffset(0) !== last.offset) return null;
      start = named.end;
      next = last.offset + 1;
    }
    // A few batches at a time: the tail is about index.interval.bytes, and a larger
    // result array, per segment, would cost more than the scan.
    const scan = this.scanner.segmentAll(this.log, start, { nextOffset: next, maxBatches: 16 }, (chunk) => {
      if (chunk.count > 0) next = chunk.lastOffset(chunk.count - 1) + 1;
      return true;
    });
    const timeIndexed = this.timeIndex.entries === 0 ? -1 : this.timeIndex.lastEntry.offset;
    const whole = scan.stopCode === undefined && scan.end === this.bytes && this.holdsOffset(next - 1);
    return whole && timeIndexed < next ? next : null;
  }

  /**
   * Whether `offset` fits the indexes' 32-bit offsets relative to the base (Kafka's
   * LogSegment.canConvertToRelativeOffset). Appends never get that far (a segment's bytes
   * run out first), so a batch past it is a base offset damaged outside the CRC.
   */
  private holdsOffset(offset: number): boolean {
    return offset - this.baseOffset <= MAX_RELATIVE_OFFSET;
  }

  /**
   * Checks every batch (framing, CRC, offsets increasing and below `nextBase`, where the
   * next segment starts), rebuilds both indexes, and cuts the log after the last good
   * batch. Returns the bytes cut.
   */
  recover(progress?: RecoveryProgress, nextBase = Infinity): number {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.onBecomeActive();
    this.bytesSinceLastIndexEntry = 0;
    this.rollingBasedTimestamp = -1;
    let scanned = 0;
    let outOfRange = -1;
    const scan = this.scanner.segmentAll(this.log, 0, { nextOffset: this.baseOffset }, (chunk) => {
      for (let i = 0; i < chunk.count; i++) {
        if (!this.holdsOffset(chunk.lastOffset(i)) || chunk.lastOffset(i) >= nextBase) {
          outOfRange = chunk.position(i);
          return false;
        }
        this.indexBatch(chunk.position(i), chunk.size(i), chunk.lastOffset(i), chunk.maxTimestamp(i));
      }
      progress?.advance(chunk.end - scanned);
      scanned = chunk.end;
      return true;
    });
    const end = outOfRange >= 0 ? outOfRange : scan.end;
    const cut = this.bytes - end;
    progress?.advance(cut);
    if (cut > 0) this.cutAt(end);
    return cut;
  }

  /** Whether the indexes can be trusted as found (after a clean shutdown). */
  indexesAreSane(): boolean {
    try {
      this.offsetIndex.sanityCheck(this.bytes);
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
    const cut = this.bytes - at.position;
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    this.loadIndexState();
    this.cutAt(at.position);
    this.bytesSinceLastIndexEntry = 0;
    if (this.bytes === 0) this.rollingBasedTimestamp = -1;
    return cut;
  }

  private cutAt(position: number): void {
    this.mapped = EMPTY;
    this.log.truncateTo(position);
    this.bytes = position;
  }

  /** Whether a batch set of `bytes` with max timestamp `maxTimestamp` calls for a roll first. */
  shouldRoll(bytes: number, maxTimestamp: number, now: number): boolean {
    if (this.bytes === 0) return false;
    const rollFrom = this.firstBatchTimestamp();
    const timeWaited = rollFrom >= 0 ? maxTimestamp - rollFrom : now - this.createdAt;
    return this.bytes + bytes > this.config.segmentBytes || timeWaited > this.config.segmentMs || this.indexesFull;
  }

  private firstBatchTimestamp(): number {
    if (this.rollingBasedTimestamp < 0 && this.bytes > 0) {
      const scan = this.scanner.segment(this.log, 0, { verifyCrc: false, maxBatches: 1 });
      if (scan.count > 0) this.rollingBasedTimestamp = scan.maxTimestamp(0);
    }
    return this.rollingBasedTimestamp;
  }

  /**
   * Seals the segment when it stops being active: final time entry, indexes trimmed, and
   * the three file descriptors closed: a sealed segment is read through its mappings, and
   * what would change it (a truncation) reopens its files. Kafka keeps them open and asks
   * for a high ulimit; here 10,000 partitions' sealed segments cost no descriptor.
   */
  onBecomeInactive(): void {
    this.sealed = true;
    if (this.maxTimestampSoFar >= 0) {
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    }
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
    this.releaseFiles();
    this.loadIndexState();
  }

  /**
   * Closes the three file descriptors (the open-file budget's release of an idle active
   * segment, or a sealed one's). The files are left exact, indexes cut to their entries
   * as after a clean close; an active index keeps its capacity in memory and the next
   * append reopens the files by path (the index growing back to segment.index.bytes).
   */
  releaseFiles(): void {
    this.offsetIndex.releaseFile();
    this.timeIndex.releaseFile();
    this.log.releaseFile();
  }

  /** Makes a sealed segment active again (after truncation deleted its successors). */
  onBecomeActive(): void {
    this.sealed = false;
    this.mapped = EMPTY;
    this.offsetIndex.resize(this.config.segmentIndexBytes);
    this.timeIndex.resize(this.config.segmentIndexBytes);
    this.loadIndexState();
  }

  flush(): Promise<void> {
    return this.log.flush();
  }

  flushIndexes(): void {
    this.offsetIndex.flushSync();
    this.timeIndex.flushSync();
  }

  /**
   * Seals (final time index entry, indexes trimmed and flushed) and closes the files.
   * `seal: false` for a segment whose files are being deleted: nothing is written, so
   * nothing reopens a released file, whose directory may already have been renamed aside.
   */
  close(options: { seal?: boolean } = {}): void {
    this.mapped = EMPTY;
    if (options.seal !== false) {
      this.onBecomeInactive();
      this.flushIndexes();
    }
    this.log.close();
    this.offsetIndex.close();
    this.timeIndex.close();
  }

  /** Unlinks the files; views already handed out stay readable. */
  delete(): void {
    this.mapped = EMPTY;
    this.log.delete();
    this.offsetIndex.delete();
    this.timeIndex.delete();
  }
}
