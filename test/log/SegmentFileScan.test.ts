/**
 * The chunked walk over a .log file: batches that straddle the 8 MiB read chunks, and a
 * batch larger than a chunk, are all found whole at their positions; a torn tail and a
 * corrupt length stop the walk where they start.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { scanSegmentFile, type ScannedBatch } from '../../src/log/SegmentFileScan.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { tempDir } from '../helpers/tmp.js';

function batchOf(valueBytes: number, baseOffset: number): Buffer {
  const batch = buildRecordBatch([{ value: Buffer.alloc(valueBytes, baseOffset & 0xff) }]);
  batch.writeBigInt64BE(BigInt(baseOffset), BatchHeader.baseOffset);
  return batch;
}

/** ~21 MiB: batches of odd sizes, one of 9 MiB (larger than a read chunk) in the middle. */
function writeSegment(): { path: string; batches: Buffer[] } {
  const sizes = [
    ...Array.from({ length: 40 }, (_, i) => 150_000 + i * 7_919),
    9 * 1024 * 1024,
    ...Array.from({ length: 20 }, (_, i) => 200_003 + i * 104_729),
  ];
  const batches = sizes.map((size, i) => batchOf(size, i));
  const path = join(tempDir(), '00000000000000000000.log');
  writeFileSync(path, Buffer.concat(batches));
  return { path, batches };
}

function walk(path: string) {
  const seen: { position: number; size: number; crcValid: boolean }[] = [];
  let progressed = 0;
  const end = scanSegmentFile(
    path,
    (b: ScannedBatch) => seen.push({ position: b.position, size: b.bytes.length, crcValid: b.crcValid }),
    (bytes) => (progressed += bytes),
  );
  return { seen, end, progressed };
}

describe('scanSegmentFile', () => {
  test('finds every batch whole across read chunks, a batch larger than a chunk included', () => {
    const { path, batches } = writeSegment();
    const { seen, end, progressed } = walk(path);
    let position = 0;
    const expected = batches.map((b) => {
      const at = position;
      position += b.length;
      return { position: at, size: b.length, crcValid: true };
    });
    expect(seen).toEqual(expected);
    expect(end).toEqual({ size: position, end: position });
    expect(progressed).toBe(position);
  });

  test('stops at a torn tail and at an impossible length, naming the batch there', () => {
    const { path, batches } = writeSegment();
    const whole = batches.reduce((sum, b) => sum + b.length, 0);
    appendFileSync(path, batchOf(1000, 61).subarray(0, 500));
    const torn = walk(path);
    expect(torn.seen).toHaveLength(batches.length);
    expect(torn.end).toMatchObject({ end: whole, stop: { code: 'ERR_TRUNCATED', baseOffset: 61 } });

    const bad = batchOf(1000, 62);
    bad.writeInt32BE(10, BatchHeader.batchLength);
    writeFileSync(path, Buffer.concat([...batches.slice(0, 3), bad, ...batches.slice(3)]));
    const corrupt = walk(path);
    expect(corrupt.seen).toHaveLength(3);
    expect(corrupt.end).toMatchObject({
      end: batches[0]!.length + batches[1]!.length + batches[2]!.length,
      stop: { code: 'ERR_CORRUPT_BATCH', baseOffset: 62 },
    });
  });
});
