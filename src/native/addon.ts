/**
 * The native addon (native/): loaded once, through node-gyp-build, which takes a
 * prebuild from prebuilds/ when one matches and the local build otherwise. Native
 * errors are thrown as TributaryError, the class registered here.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { TributaryError } from '../errors.js';

/**
 * A batch scan writes into a caller-owned Float64Array (see native/js_batch_scan.h):
 * [end, stopCode, count, then 8 numbers a batch]. The call returns the
 * stop reason when it stopped on a bad batch. Use BatchScan.ts, not these directly.
 */
export type NativeScan = (
  out: Float64Array,
  flags: number,
  nextOffset: number,
  skipBelow: number,
  maxBytes: number,
  start: number,
) => string | undefined;

/** native/crc32c.h: the CRC32C implementations, by the names TRIBUTARY_CRC32C takes. */
export type Crc32cPath = 'avx512' | 'sse4.2' | 'armv8' | 'portable';

export interface NativeSegment {
  readonly size: number;
  readonly capacity: number;
  readonly path: string;
  readonly liveViews: number;
  /** The indexes `append` writes entries to (the segment keeps them alive). */
  attachIndexes(offsetIndex: NativeOffsetIndex, timeIndex: NativeTimeIndex): void;
  /**
   * Appends well-framed batches, rewriting their base offsets from `firstOffset`; with
   * `verifyCrc`, also checks each one's CRC32C (on a second thread, while writing) and
   * writes nothing if one fails (ERR_CORRUPT_BATCH). Then, in the same call, adds an
   * entry `indexOffset` -> (the append's position) to the attached offset index and
   * `timestamp` -> `timestampOffset` to the time index, each unless -1; if one fails,
   * the batches are cut off again and the error thrown. Returns the new size.
   */
  append(
    batches: Uint8Array,
    firstOffset: number,
    verifyCrc?: boolean,
    indexOffset?: number,
    timestamp?: number,
    timestampOffset?: number,
  ): number;
  read(position: number, length: number): Buffer;
  scan: NativeScan;
  flush(): Promise<void>;
  flushSync(): void;
  truncateTo(size: number): void;
  close(): void;
  /** Closes the file descriptor (reads and flushes use the mapping); an append or truncate reopens it. */
  releaseFile(): void;
  delete(): void;
}

interface NativeIndex {
  readonly entries: number;
  readonly maxEntries: number;
  readonly isFull: boolean;
  readonly baseOffset: number;
  readonly path: string;
  truncateTo(offset: number): void;
  reset(): void;
  trimToValidSize(): void;
  resize(maxBytes: number): void;
  flushSync(): void;
  close(): void;
  /**
   * Cuts the file to its entries and closes its descriptor (lookups and flushes use the
   * mapping); an append reopens it and grows an active index back to its capacity.
   */
  releaseFile(): void;
  delete(): void;
}

export interface OffsetPosition {
  offset: number;
  position: number;
}

export interface NativeOffsetIndex extends NativeIndex {
  /** Returns whether the index is now full. */
  append(offset: number, position: number): boolean;
  lookup(offset: number): OffsetPosition;
  entry(i: number): OffsetPosition;
  sanityCheck(logSize: number): void;
}

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export interface NativeTimeIndex extends NativeIndex {
  /** Returns whether the index is now full. */
  maybeAppend(timestamp: number, offset: number, skipFullCheck?: boolean): boolean;
  lookup(timestamp: number): TimestampOffset;
  entry(i: number): TimestampOffset;
  readonly lastEntry: TimestampOffset;
  sanityCheck(): void;
}

export interface Addon {
  Segment: new (path: string, capacity: number, create: boolean) => NativeSegment;
  OffsetIndex: new (path: string, baseOffset: number, maxBytes: number, writable: boolean) => NativeOffsetIndex;
  TimeIndex: new (path: string, baseOffset: number, maxBytes: number, writable: boolean) => NativeTimeIndex;
  scanBatches(bytes: Uint8Array, ...args: Parameters<NativeScan>): string | undefined;
  /**
   * Checks the framing of `recordCount` records in bytes[start, end) (native/js_record_scan.h);
   * fills `out` with max and min timestampDelta, the max's offsetDelta, the null key count
   * and the bad record's position.
   */
  scanRecords(
    bytes: Uint8Array,
    start: number,
    end: number,
    recordCount: number,
    out: Float64Array,
  ): string | undefined;
  /** Opens `path` and takes an exclusive, non-blocking flock (native/js_file_lock.h); returns the fd. */
  lockFile(path: string): number;
  /** The soft RLIMIT_NOFILE (`ulimit -n`, native/js_file_limit.h); Infinity when unlimited. */
  openFileLimit(): number;
  crc32c(bytes: Uint8Array, start?: number, end?: number): number;
  /** The CRC32C path in use (TRIBUTARY_CRC32C=<path> forces one this CPU runs). */
  crc32cImplementation(): Crc32cPath;
  /** The paths this CPU runs, fastest first, 'portable' last. */
  crc32cImplementations(): Crc32cPath[];
  setErrorClass(errorClass: typeof TributaryError): void;
}

/** The package root: the nearest directory above this module that holds binding.gyp (from src/, dist/ or a bench build). */
function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    if (dirname(dir) === dir)
      throw new TributaryError(
        'cannot find the tributary package (binding.gyp) above the addon loader',
        'ERR_ADDON_NOT_FOUND',
      );
  }
}

function load(): Addon {
  const require = createRequire(import.meta.url);
  const loadBinding = require('node-gyp-build') as (dir: string) => Addon;
  const addon = loadBinding(packageRoot());
  addon.setErrorClass(TributaryError);
  return Object.freeze(addon);
}

export const native: Addon = load();
