import { expect } from 'vitest';
import { native, ScanField } from '../../src/native/addon.js';
import { logFile, offsetIndexFile, timeIndexFile } from '../../src/log/LogFileNames.js';
import { readdirSync } from 'node:fs';

/**
 * Checks a closed log directory from its files alone: every segment ends on a batch
 * boundary with valid CRCs and contiguous offsets, and each index entry points at the
 * batch it names. Returns the log end offset.
 */
export function checkLogFiles(dir: string): number {
  const bases = readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
  let next = bases[0] ?? 0;
  for (const base of bases) {
    expect(base).toBe(next);
    const segment = new native.Segment(logFile(dir, base), 1, false);
    const scan = segment.scan(0, { verifyCrc: true, nextOffset: base });
    expect(scan.stopCode).toBeUndefined();
    expect(scan.end).toBe(segment.size);
    const batches = new Map<number, number>();
    for (let i = 0; i < scan.batches.length; i += ScanField.count) {
      batches.set(scan.batches[i + ScanField.position]!, scan.batches[i + ScanField.lastOffset]!);
      next = scan.batches[i + ScanField.lastOffset]! + 1;
    }
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
