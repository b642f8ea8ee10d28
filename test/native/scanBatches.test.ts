import { describe, expect, test } from 'vitest';
import { native, ScanField } from '../../src/native/addon.js';
import { sampleBatch } from '../helpers/batches.js';

describe('scanBatches', () => {
  test('reports position, size, offsets, max timestamp and CRC of each batch', () => {
    const a = sampleBatch(1, 3, 10, 1000);
    const b = sampleBatch(2, 2, 10, 5000);
    b.writeBigInt64BE(3n, 0);
    const scan = native.scanBatches(Buffer.concat([a, b]));
    expect(scan.stopCode).toBeUndefined();
    expect(scan.end).toBe(a.length + b.length);
    const second = Array.from(scan.batches.subarray(ScanField.count, 2 * ScanField.count));
    expect(second).toEqual([a.length, b.length, 3, 4, 5001, 0, 2, 1]);
  });

  test('a CRC error stops the scan, or is reported and passed when asked', () => {
    const a = sampleBatch(1);
    const bad = Buffer.from(sampleBatch(2));
    bad[bad.length - 2]! ^= 0xff;
    const both = Buffer.concat([a, bad, a]);
    expect(native.scanBatches(both)).toMatchObject({ stopCode: 'ERR_CORRUPT_BATCH', end: a.length });
    const all = native.scanBatches(both, { stopAtCrcError: false });
    expect(all.batches.length).toBe(3 * ScanField.count);
    expect(all.batches[ScanField.count + ScanField.crcOk]).toBe(0);
    expect(() => native.scanBatches(both, { maxBatches: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });
});
