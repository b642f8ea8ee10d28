import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { crc32c, crc32cImplementation, crc32cImplementations, TributaryError } from '../../src/index.js';
import { REPO_ROOT } from '../interop/support.js';

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

  test('uses the fastest path the CPU runs, and lists the others after it', () => {
    const paths = crc32cImplementations();
    expect(paths.at(-1)).toBe('portable');
    expect(paths.every((p) => ['avx512', 'sse4.2', 'armv8', 'portable'].includes(p))).toBe(true);
    const forced = process.env.TRIBUTARY_CRC32C;
    expect(crc32cImplementation()).toBe(forced !== undefined && paths.includes(forced) ? forced : paths[0]);
    if (process.arch === 'x64') expect(paths).toContain('sse4.2');
  });

  test('TRIBUTARY_CRC32C=<path> forces each path this CPU runs; one it cannot run leaves the fastest', () => {
    const paths = crc32cImplementations();
    // Passed as an argument (base64), so under Linux's 128 KiB per argument.
    const data = randomBytes(60_000);
    const ranges = [
      [0, 60_000],
      [3, 50_003],
      [17, 290],
      [1, 255],
    ] as const;
    const expected = ranges.map(([s, e]) => crc32c(data, s, e));
    for (const path of [...paths, 'no-such-path']) {
      const script = `
        const { createRequire } = await import('node:module');
        const require = createRequire(${JSON.stringify(join(REPO_ROOT, 'package.json'))});
        const addon = require('node-gyp-build')(${JSON.stringify(REPO_ROOT)});
        const data = Buffer.from(process.argv[1], 'base64');
        const ranges = JSON.parse(process.argv[2]);
        console.log(JSON.stringify({ path: addon.crc32cImplementation(), crcs: ranges.map(([s, e]) => addon.crc32c(data, s, e)) }));`;
      const out = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', script, data.toString('base64'), JSON.stringify(ranges)],
        { env: { ...process.env, TRIBUTARY_CRC32C: path }, encoding: 'utf8' },
      );
      const child = JSON.parse(out) as { path: string; crcs: number[] };
      expect(child.path).toBe(path === 'no-such-path' ? paths[0] : path);
      expect(child.crcs, path).toEqual(expected);
    }
  });
});
