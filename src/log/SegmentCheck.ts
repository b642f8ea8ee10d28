/**
 * Verification of a segment's files as they are on disk (Kafka's DumpLogSegments checks):
 * every batch's CRC, base offsets following on from the file name's base offset, and
 * every .index / .timeindex entry against the batches of its .log. Read-only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { TributaryError } from '../errors.js';
import { native } from '../native/addon.js';
import type { Record } from '../record/Record.js';
import { RecordBatch } from '../record/RecordBatch.js';
import { BatchHeader, readInt64 } from '../record/RecordBatchHeader.js';
import { logFile, offsetIndexFile, parseSegmentFileName, timeIndexFile, type SegmentFileName } from './LogFileNames.js';
import { scanSegmentFile } from './SegmentFileScan.js';

export interface SegmentProblem {
  /** The offset of the batch (or index entry) at fault, when known. */
  offset: number | null;
  /** Its position in the .log, when known. */
  position: number | null;
  message: string;
}

export interface CheckedBatch {
  position: number;
  batch: RecordBatch;
  crcValid: boolean;
  /** Decoded only when asked for. */
  records: Record[] | null;
  problems: SegmentProblem[];
}

/** What the index checks need of a scanned .log. */
export interface SegmentCheck {
  path: string;
  baseOffset: number;
  size: number;
  /** Position after the last well-framed batch. */
  validBytes: number;
  batches: number;
  records: number;
  /** Where a repair cuts: the first batch with a problem, or the torn or corrupt tail. */
  firstBad: { position: number; offset: number | null } | null;
  problems: SegmentProblem[];
  /** Batch index by position, and each batch's last offset and max timestamp, in file order. */
  batchAt: Map<number, number>;
  lastOffsets: number[];
  maxTimestamps: number[];
}

/** The segment file `path` names (20-digit base offset and a kind), or ERR_INVALID_ARGUMENT. */
export function segmentFileOf(path: string): SegmentFileName {
  const parsed = parseSegmentFileName(basename(path));
  if (parsed === null)
    throw new TributaryError(
      `${path} is not a segment file (<20-digit base offset>.log, .index or .timeindex)`,
      'ERR_INVALID_ARGUMENT',
      { path },
    );
  return parsed;
}

export function siblingFiles(path: string): { log: string; index: string; timeIndex: string } {
  const { baseOffset } = segmentFileOf(path);
  const dir = dirname(path);
  return {
    log: logFile(dir, baseOffset),
    index: offsetIndexFile(dir, baseOffset),
    timeIndex: timeIndexFile(dir, baseOffset),
  };
}

function problem(offset: number | null, position: number | null, message: string): SegmentProblem {
  return { offset, position, message };
}

function batchProblems(
  position: number,
  batch: RecordBatch,
  crcValid: boolean,
  expectedBase: number,
): SegmentProblem[] {
  const found: SegmentProblem[] = [];
  const at = (message: string) => found.push(problem(batch.baseOffset, position, message));
  if (!crcValid)
    at(
      `CRC ${batch.crc} does not match the batch's bytes (CRC32C ${native.crc32c(batch.bytes, BatchHeader.attributes)})`,
    );
  if (batch.baseOffset < expectedBase)
    at(`base offset ${batch.baseOffset} is below ${expectedBase}: offsets do not increase`);
  else if (batch.baseOffset > expectedBase)
    at(`base offset ${batch.baseOffset} leaves a gap after ${expectedBase - 1}`);
  if (batch.lastOffsetDelta < 0) at(`last offset delta ${batch.lastOffsetDelta} is negative`);
  return found;
}

function decodeRecords(checked: CheckedBatch): void {
  try {
    // Records parse their fields lazily: read them all here, where a bad one is caught.
    checked.records = [...checked.batch.records()].map(({ offset, timestamp, key, value, headers }) => ({
      offset,
      timestamp,
      key,
      value,
      headers,
    }));
    const count = checked.batch.recordCount;
    if (checked.records.length !== count)
      throw new Error(`${checked.records.length} records where the header counts ${count}`);
  } catch (error) {
    checked.problems.push(
      problem(checked.batch.baseOffset, checked.position, `records cannot be read: ${(error as Error).message}`),
    );
  }
}

/**
 * Walks every batch of the .log at `path`, handing each to `visit` with its problems
 * (and its records, with `records`); `onBytes` follows the bytes read.
 */
export function checkSegment(
  path: string,
  options: { records?: boolean; visit?: (batch: CheckedBatch) => void; onBytes?: (bytes: number) => void } = {},
): SegmentCheck {
  const { baseOffset } = segmentFileOf(path);
  const check: SegmentCheck = {
    path,
    baseOffset,
    size: 0,
    validBytes: 0,
    batches: 0,
    records: 0,
    firstBad: null,
    problems: [],
    batchAt: new Map(),
    lastOffsets: [],
    maxTimestamps: [],
  };
  let expectedBase = baseOffset;
  const end = scanSegmentFile(
    path,
    ({ position, bytes, crcValid }) => {
      const batch = RecordBatch.from(bytes);
      const checked: CheckedBatch = {
        position,
        batch,
        crcValid,
        records: null,
        problems: batchProblems(position, batch, crcValid, expectedBase),
      };
      if (options.records === true) decodeRecords(checked);
      options.visit?.(checked);
      if (checked.problems.length > 0) check.firstBad ??= { position, offset: batch.baseOffset };
      check.problems.push(...checked.problems);
      check.batchAt.set(position, check.batches++);
      check.records += batch.recordCount;
      check.lastOffsets.push(batch.lastOffset);
      check.maxTimestamps.push(batch.maxTimestamp);
      // A batch that steps back still takes its place: the next one is expected after it.
      expectedBase = batch.baseOffset < expectedBase ? expectedBase + batch.lastOffsetDelta + 1 : batch.lastOffset + 1;
    },
    options.onBytes,
  );
  check.size = end.size;
  check.validBytes = end.end;
  if (end.stop !== undefined) {
    const what = end.stop.code === 'ERR_TRUNCATED' ? 'torn batch at the end of the file' : 'corrupt batch';
    const tail = problem(
      end.stop.baseOffset,
      end.end,
      `${what}: ${end.stop.reason} (${end.size - end.end} bytes from here on)`,
    );
    check.problems.push(tail);
    check.firstBad ??= { position: end.end, offset: end.stop.baseOffset };
  }
  return check;
}

export interface OffsetIndexEntry {
  offset: number;
  position: number;
  problem: string | null;
}

export interface TimeIndexEntry {
  timestamp: number;
  offset: number;
  problem: string | null;
}

/**
 * The entries of an index file, `entrySize` bytes each. The active segment's index is
 * preallocated with zeros (and a crash leaves them), so an all-zero slot ends the
 * entries, the first included: no entry points at position 0, the first batch, whose
 * index.interval.bytes have not passed yet.
 */
function indexEntries<T>(
  path: string,
  entrySize: number,
  read: (bytes: Buffer, at: number) => T,
  isEmptySlot: (bytes: Buffer, at: number) => boolean,
): T[] {
  const bytes = readFileSync(path);
  const entries: T[] = [];
  for (let at = 0; at + entrySize <= bytes.length; at += entrySize) {
    if (isEmptySlot(bytes, at)) break;
    entries.push(read(bytes, at));
  }
  return entries;
}

function offsetEntryProblem(
  entry: OffsetIndexEntry,
  previous: OffsetIndexEntry | undefined,
  log: SegmentCheck | null,
): string | null {
  if (previous !== undefined && (entry.offset <= previous.offset || entry.position <= previous.position)) {
    return `entry does not increase on the previous one (offset ${previous.offset}, position ${previous.position})`;
  }
  if (log === null) return null;
  const batch = log.batchAt.get(entry.position);
  if (batch === undefined) {
    return entry.position >= log.validBytes
      ? `position is past the log's last whole batch (ending at ${log.validBytes})`
      : 'position is not the start of a batch';
  }
  const lastOffset = log.lastOffsets[batch]!;
  return lastOffset === entry.offset ? null : `the batch there ends at offset ${lastOffset}`;
}

/** The entries of the .index at `path`, each checked against `log` (its scanned .log) when there is one. */
export function checkOffsetIndex(path: string, log: SegmentCheck | null): OffsetIndexEntry[] {
  const { baseOffset } = segmentFileOf(path);
  const entries = indexEntries(
    path,
    8,
    (bytes, at): OffsetIndexEntry => ({
      offset: baseOffset + bytes.readUInt32BE(at),
      position: bytes.readUInt32BE(at + 4),
      problem: null,
    }),
    (bytes, at) => bytes.readBigUInt64BE(at) === 0n,
  );
  entries.forEach((entry, i) => (entry.problem = offsetEntryProblem(entry, entries[i - 1], log)));
  return entries;
}

/** Index of the first batch whose last offset is >= `offset`, or -1. */
function batchHolding(log: SegmentCheck, offset: number): number {
  let low = 0;
  let high = log.lastOffsets.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (log.lastOffsets[mid]! < offset) low = mid + 1;
    else high = mid;
  }
  return low < log.lastOffsets.length ? low : -1;
}

function timeEntryProblem(
  entry: TimeIndexEntry,
  previous: TimeIndexEntry | undefined,
  log: SegmentCheck | null,
): string | null {
  if (previous !== undefined && (entry.timestamp <= previous.timestamp || entry.offset < previous.offset)) {
    return `entry is out of order after (timestamp ${previous.timestamp}, offset ${previous.offset})`;
  }
  if (log === null) return null;
  const batch = batchHolding(log, entry.offset);
  if (batch < 0 || log.lastOffsets[batch] !== entry.offset) return `no batch ends at offset ${entry.offset}`;
  const maxTimestamp = log.maxTimestamps[batch]!;
  return maxTimestamp === entry.timestamp
    ? null
    : `the batch ending at offset ${entry.offset} has max timestamp ${maxTimestamp}`;
}

/** The entries of the .timeindex at `path`, each checked against `log` when there is one. */
export function checkTimeIndex(path: string, log: SegmentCheck | null): TimeIndexEntry[] {
  const { baseOffset } = segmentFileOf(path);
  const entries = indexEntries(
    path,
    12,
    (bytes, at): TimeIndexEntry => ({
      timestamp: readInt64(bytes, at),
      offset: baseOffset + bytes.readUInt32BE(at + 8),
      problem: null,
    }),
    (bytes, at) => bytes.readBigUInt64BE(at) === 0n && bytes.readUInt32BE(at + 8) === 0,
  );
  entries.forEach((entry, i) => (entry.problem = timeEntryProblem(entry, entries[i - 1], log)));
  return entries;
}

/** The .log of the segment `path` belongs to, scanned without output, or null if it is missing. */
export function checkSiblingLog(path: string): SegmentCheck | null {
  const { log } = siblingFiles(path);
  return existsSync(log) ? checkSegment(log) : null;
}
