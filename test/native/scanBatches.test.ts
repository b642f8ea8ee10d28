import { describe, expect, test } from 'vitest';
import { BatchScanner, type ScanOptions } from '../../src/native/BatchScan.js';

const scanBuffer = (bytes: Buffer, options?: ScanOptions) => new BatchScanner().buffer(bytes, options);
import { native } from '../../src/native/addon.js';
import { sampleBatch } from '../helpers/batches.js';

describe('scanBatches', () => {
  test('reports position, size, offsets, max timestamp, attributes, count and CRC of each batch', () => {
    const a = sampleBatch(1, 3, 10, 1000);
    const b = sampleBatch(2, 2, 10, 5000);
    b.writeBigInt64BE(3n, 0);
    const scan = scanBuffer(Buffer.concat([a, b]));
    expect([scan.stopCode, scan.stopReason, scan.count, scan.end]).toEqual([
      undefined,
      undefined,
      2,
      a.length + b.length,
    ]);
    expect(scan.fieldsOf(1)).toEqual([a.length, b.length, 3, 4, 5001, 0, 2, 1]);
  });

  test('a CRC error stops the scan, or is reported and passed when asked', () => {
    const a = sampleBatch(1);
    const bad = Buffer.from(sampleBatch(2));
    bad[bad.length - 2]! ^= 0xff;
    const both = Buffer.concat([a, bad, a]);
    const stopped = scanBuffer(both);
    expect([stopped.stopCode, stopped.end, stopped.count]).toEqual(['ERR_CORRUPT_BATCH', a.length, 1]);
    expect(stopped.stopReason).toMatch(/CRC32C mismatch at position \d+/);
    const all = scanBuffer(both, { stopAtCrcError: false });
    expect([all.count, all.crcOk(0), all.crcOk(1), all.crcOk(2)]).toEqual([3, true, false, true]);
  });

  test('the output array bounds the batches returned; bad arguments are typed errors', () => {
    const three = Buffer.concat([sampleBatch(1), sampleBatch(2), sampleBatch(3)]);
    expect(scanBuffer(three, { maxBatches: 2 }).count).toBe(2);
    const walked = scanBuffer(three, { walkOnly: true, maxBytes: sampleBatch(1).length * 2 });
    expect([walked.count, walked.end]).toEqual([0, sampleBatch(1).length * 2]);
    const tooSmall = new Float64Array(2);
    expect(() => native.scanBatches(three, tooSmall, 3, 0, 0, 1, 0)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => native.scanBatches(three, new Float64Array(11), 16, 0, 0, 1, 0)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
