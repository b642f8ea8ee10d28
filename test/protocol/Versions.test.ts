import { describe, expect, test } from 'vitest';
import { inVersions, parseVersions } from '../../src/protocol/Versions.js';

describe('version ranges', () => {
  test('open, closed, single and none', () => {
    expect(parseVersions('3+')).toEqual({ min: 3, max: Infinity });
    expect(parseVersions('3-7')).toEqual({ min: 3, max: 7 });
    expect(parseVersions('5')).toEqual({ min: 5, max: 5 });
    expect(parseVersions('none').max).toBeLessThan(parseVersions('none').min);
  });

  test('membership', () => {
    expect([2, 3, 7, 8].map((v) => inVersions('3-7', v))).toEqual([false, true, true, false]);
    expect(inVersions('0+', 1000)).toBe(true);
    expect(inVersions('none', 0)).toBe(false);
    expect(inVersions(undefined, 0)).toBe(false);
  });

  test('malformed ranges are refused', () => {
    for (const text of ['', '+', '3-', '-1', 'a', '1.5'])
      expect(() => parseVersions(text)).toThrow(/bad version range/);
  });
});
