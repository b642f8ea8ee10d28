import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { crc32c, crc32cImplementation, TributaryError } from '../../src/index.js';

describe('crc32c', () => {
  test('the check value of "123456789" is 0xE3069283', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  test('start and end select a range, at any alignment', () => {
    const data = randomBytes(10_000);
    for (const [start, end] of [
      [1, 9999],
      [3, 4099],
      [7, 7],
      [0, 10_000],
    ] as const) {
      expect(crc32c(data, start, end)).toBe(crc32c(Buffer.from(data.subarray(start, end))));
    }
    expect(() => crc32c(data, 5, 4)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => crc32c(data, 0, 10_001)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    // TributaryErrors, from the TypeScript checks and the addon's alike (the addon threw a plain TypeError).
    expect(() => crc32c('abc' as never)).toThrow(/^crc32c: bytes must be a Buffer or Uint8Array, got string 'abc'$/);
    expect(() => crc32c('abc' as never)).toThrow(TributaryError);
    expect(() => crc32c(data, 'x' as never)).toThrow(TributaryError);
  });

  test('uses the hardware path where the CPU has one', () => {
    expect(['sse4.2', 'armv8', 'portable']).toContain(crc32cImplementation());
    if (process.arch === 'x64' && process.env.TRIBUTARY_CRC32C !== 'portable')
      expect(crc32cImplementation()).toBe('sse4.2');
  });
});
