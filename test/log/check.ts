import { expect } from 'vitest';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { native } from '../../src/native/addon.js';
import { BatchScanner } from '../../src/native/BatchScan.js';
import { logFile, offsetIndexFile, timeIndexFile } from '../../src/log/LogFileNames.js';
import { readdirSync } from 'node:fs';

/**
 * Checks a closed log directory from its files alone: every segment ends on a batch
 * boundary with valid CRCs and contiguous offsets (a segment may start after a gap, where
 * a repair cut damaged batches), and each index entry points at the batch it names.
 * Returns the log end offset.
 */
export function checkLogFiles(dir: string): number {
  const bases = readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
  let next = bases[0] ?? 0;
  for (const base of bases) {
    expect(base).toBeGreaterThanOrEqual(next); // a repair of damaged data leaves a gap between segments
    next = base;
    const segment = new native.Segment(logFile(dir, base), 1, false);
    const batches = new Map<number, number>();
    const scan = new BatchScanner().segmentAll(segment, 0, { nextOffset: base }, (chunk) => {
      for (let i = 0; i < chunk.count; i++) {
        batches.set(chunk.position(i), chunk.lastOffset(i));
        next = chunk.lastOffset(i) + 1;
      }
      return true;
    });
    expect(scan.stopCode).toBeUndefined();
    expect(scan.end).toBe(segment.size);
    const index = new native.OffsetIndex(offsetIndexFile(dir, base), base, 0, false);
    for (let i = 0; i < index.entries; i++) {
      const entry = index.entry(i);
      expect(batches.get(entry.position)).toBe(entry.offset);
    }
    const timeIndex = new native.TimeIndex(timeIndexFile(dir, base), base, 0, false);
    timeIndex.sanityCheck();
    for (let i = 0; i < timeIndex.entries; i++) expect(timeIndex.entry(i).offset).toBeLessThan(next);
    segment.close();
    index.close();
    timeIndex.close();
  }
  return next;
}

/**
 * A batch read back is the one appended, byte for byte, but for what the leader sets:
 * its base offset and its partitionLeaderEpoch (0, the single node's epoch, as Kafka's
 * LogValidator stamps every batch).
 */
export function expectStoredAs(stored: Buffer, sent: Buffer): void {
  expect(stored.readInt32BE(BatchHeader.partitionLeaderEpoch)).toBe(0);
  expect(stored.subarray(BatchHeader.batchLength, BatchHeader.partitionLeaderEpoch)).toEqual(
    sent.subarray(BatchHeader.batchLength, BatchHeader.partitionLeaderEpoch),
  );
  expect(stored.subarray(BatchHeader.magic, sent.length).equals(sent.subarray(BatchHeader.magic))).toBe(true);
}
