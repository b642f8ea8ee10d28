/**
 * Batch scans over a Buffer or a native Segment (native/batch_scan.h), with the result
 * kept in one Float64Array: no object per batch unless asked for one.
 */
import { native, type NativeScan, type NativeSegment } from './addon.js';

export interface ScanOptions {
  /** Check each batch's CRC32C (default true). */
  verifyCrc?: boolean;
  /** Stop at the first CRC mismatch (default true); otherwise report it and go on. */
  stopAtCrcError?: boolean;
  /** Base offsets must follow on from this one, without gaps (a segment's scan, not a request's). */
  nextOffset?: number;
  /** Walk past, without returning, batches whose last offset is below this. */
  skipBelow?: number;
  /** Stop before the returned batches exceed this many bytes (the first always fits). */
  maxBytes?: number;
  /** At most this many batches (default 64); the `...All` scans continue past it. */
  maxBatches?: number;
  /** Return no batches, only walk to find `end` (to the end of the bytes, or to maxBytes). */
  walkOnly?: boolean;
}

/** One batch as a scan reports it. */
export interface BatchInfo {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

const HEADER = 3;
const FIELDS = 8;
const Field = {
  position: 0,
  size: 1,
  baseOffset: 2,
  lastOffset: 3,
  maxTimestamp: 4,
  attributes: 5,
  recordCount: 6,
  crcOk: 7,
};
const STOP_CODES = [undefined, 'ERR_TRUNCATED', 'ERR_CORRUPT_BATCH'] as const;

export class ScanResult {
  constructor(
    private readonly fields: Float64Array,
    /** Why the scan stopped early, if it met a bad batch. */
    readonly stopReason: string | undefined,
  ) {}

  /** Position just past the last batch walked. */
  get end(): number {
    return this.fields[0]!;
  }

  get stopCode(): 'ERR_TRUNCATED' | 'ERR_CORRUPT_BATCH' | undefined {
    return STOP_CODES[this.fields[1]!];
  }

  get count(): number {
    return this.fields[2]!;
  }

  private field(i: number, f: number): number {
    return this.fields[HEADER + i * FIELDS + f]!;
  }

  position(i: number): number {
    return this.field(i, Field.position);
  }

  size(i: number): number {
    return this.field(i, Field.size);
  }

  lastOffset(i: number): number {
    return this.field(i, Field.lastOffset);
  }

  maxTimestamp(i: number): number {
    return this.field(i, Field.maxTimestamp);
  }

  crcOk(i: number): boolean {
    return this.field(i, Field.crcOk) === 1;
  }

  /** All reported fields of batch `i`, as numbers in native order. */
  fieldsOf(i: number): number[] {
    return Array.from(this.fields.subarray(HEADER + i * FIELDS, HEADER + (i + 1) * FIELDS));
  }

  batch(i: number): BatchInfo {
    return {
      position: this.position(i),
      size: this.size(i),
      baseOffset: this.field(i, Field.baseOffset),
      lastOffset: this.lastOffset(i),
      maxTimestamp: this.maxTimestamp(i),
    };
  }
}

function flagsOf(options: ScanOptions): number {
  const verify = options.verifyCrc ?? true;
  const stop = options.stopAtCrcError ?? true;
  return (verify ? 1 : 0) | (stop ? 2 : 0) | (options.nextOffset !== undefined ? 4 : 0) | (options.walkOnly ? 8 : 0);
}

/**
 * Runs scans into one reusable Float64Array, because allocating a typed array per
 * scan costs more than scanning a 16 KiB batch. A result is valid until this scanner's
 * next scan: consume it (or copy what is needed) before scanning again.
 */
export class BatchScanner {
  private out = new Float64Array(HEADER + FIELDS * 16);

  private outFor(options: ScanOptions): Float64Array {
    const want = HEADER + (options.walkOnly ? 0 : FIELDS * (options.maxBatches ?? 64));
    if (this.out.length < want) this.out = new Float64Array(want);
    return want === this.out.length ? this.out : this.out.subarray(0, want);
  }

  private run(scan: NativeScan, start: number, options: ScanOptions): ScanResult {
    const out = this.outFor(options);
    const skipBelow = options.skipBelow ?? Number.MIN_SAFE_INTEGER;
    const reason = scan(
      out,
      flagsOf(options),
      options.nextOffset ?? 0,
      skipBelow,
      options.maxBytes ?? Number.MAX_SAFE_INTEGER,
      start,
    );
    return new ScanResult(out, reason);
  }

  buffer(bytes: Uint8Array, options: ScanOptions = {}, start = 0): ScanResult {
    return this.run(
      (out, flags, next, skip, max, at) => native.scanBatches(bytes, out, flags, next, skip, max, at),
      start,
      options,
    );
  }

  segment(segment: NativeSegment, start: number, options: ScanOptions = {}): ScanResult {
    return this.run((out, flags, next, skip, max, at) => segment.scan(out, flags, next, skip, max, at), start, options);
  }

  /**
   * Scans a segment from `start` in chunks of `maxBatches` (default 1024), handing each
   * chunk to `visit` until it returns false or the bytes end; returns the last chunk
   * (its `end` and stop state describe the whole walk). `visit` must not scan with this
   * scanner.
   */
  segmentAll(
    segment: NativeSegment,
    start: number,
    options: ScanOptions,
    visit: (chunk: ScanResult) => boolean,
  ): ScanResult {
    return this.chunks((at, o) => this.segment(segment, at, o), start, options, visit);
  }

  bufferAll(bytes: Uint8Array, options: ScanOptions, visit: (chunk: ScanResult) => boolean): ScanResult {
    return this.chunks((at, o) => this.buffer(bytes, o, at), 0, options, visit);
  }

  private chunks(
    scanOne: (start: number, options: ScanOptions) => ScanResult,
    start: number,
    options: ScanOptions,
    visit: (chunk: ScanResult) => boolean,
  ): ScanResult {
    const chunkOptions = { ...options, maxBatches: options.maxBatches ?? 1024 };
    for (;;) {
      const chunk = scanOne(start, chunkOptions);
      if (!visit(chunk) || chunk.count < chunkOptions.maxBatches || chunk.stopCode !== undefined) return chunk;
      start = chunk.end;
      if (chunkOptions.nextOffset !== undefined) chunkOptions.nextOffset = chunk.lastOffset(chunk.count - 1) + 1;
    }
  }
}
