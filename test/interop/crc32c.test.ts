/**
 * CRC32C against kafka-python's pure-Python implementation (kafka/record/_crc32c.py,
 * `crc(data)`, table driven, one byte at a time): an independent implementation of the
 * checksum that every RecordBatch v2 carries.
 *
 * One random pool of bytes is written to a file together with a list of [start, end)
 * ranges into it; Python hashes every range in one process. Our crc32c must agree on:
 *  - this process, whose implementation is the hardware one where the CPU has it
 *    ('sse4.2' on x86-64 with SSE4.2 + PCLMULQDQ), and
 *  - a child node process started with TRIBUTARY_CRC32C=portable, which loads the addon
 *    directly through node-gyp-build and must report 'portable'.
 * Ranges cover every length 0..2048 and larger ones around the hardware path's block
 * sizes (64-byte triple streams, 448-byte and 14 KiB hybrid blocks) up to 2 MiB, each at
 * a random start, so most are unaligned; the native call gets them both as start/end
 * arguments and as subarrays of the pool.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { crc32c, crc32cImplementation, crc32cImplementations } from '../../src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { REPO_ROOT, Rng, runPython, testSeed } from './support.js';

const CHECK_INPUT = '123456789';
const CHECK_VALUE = 0xe3069283;

const KIB = 1024;
const MIB = 1024 * KIB;
const LARGE_LENGTHS = [
  4095,
  4096,
  4097,
  14 * KIB - 1,
  14 * KIB,
  14 * KIB + 1,
  14 * KIB + 448,
  14 * KIB + 448 + 191,
  2 * 14 * KIB + 447,
  3 * 14 * KIB + 448 * 5 + 64 * 3 + 7,
  64 * KIB + 3,
  100_003,
  MIB + 1,
  2 * MIB + 13,
];

const PYTHON_CRC = `
import json, sys
from kafka.record._crc32c import crc as crc32c

pool_path, ranges_path = sys.argv[1], sys.argv[2]
with open(pool_path, 'rb') as f:
    pool = f.read()
with open(ranges_path) as f:
    ranges = json.load(f)
view = memoryview(pool)
out = {
    'check': crc32c(b'${CHECK_INPUT}'),
    'crcs': [crc32c(view[start:end]) for start, end in ranges],
}
json.dump(out, sys.stdout)
`;

/** Run in a child node: loads the addon directly, as dist/ may not be built. */
const NODE_CHILD = `
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const [root, poolPath, rangesPath] = process.argv.slice(1);
const require = createRequire(join(root, 'package.json'));
const addon = require('node-gyp-build')(root);
const pool = readFileSync(poolPath);
const ranges = JSON.parse(readFileSync(rangesPath, 'utf8'));
const out = {
  implementation: addon.crc32cImplementation(),
  check: addon.crc32c(Buffer.from('${CHECK_INPUT}')),
  byRange: ranges.map(([s, e]) => addon.crc32c(pool, s, e)),
  bySubarray: ranges.map(([s, e]) => addon.crc32c(pool.subarray(s, e))),
};
process.stdout.write(JSON.stringify(out));
`;

interface PythonResult {
  check: number;
  crcs: number[];
}

interface ChildResult {
  implementation: string;
  check: number;
  byRange: number[];
  bySubarray: number[];
}

/** The path an x86-64 CPU should get by default, from its /proc/cpuinfo flags; null elsewhere. */
function expectedX86Path(): string | null {
  if (arch() !== 'x64') return null;
  try {
    const flags = new Set(/^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? []);
    if (!flags.has('sse4_2') || !flags.has('pclmulqdq')) return 'portable';
    return flags.has('avx512f') && flags.has('avx512vl') && flags.has('vpclmulqdq') ? 'avx512' : 'sse4.2';
  } catch {
    return null;
  }
}

function makeCases(rng: Rng): { pool: Buffer; ranges: Array<[number, number]> } {
  const pool = rng.bytes(2 * MIB + 4 * KIB);
  const ranges: Array<[number, number]> = [];
  for (let length = 0; length <= 2048; length++) {
    const start = rng.int(0, pool.length - length);
    ranges.push([start, start + length]);
  }
  for (const length of LARGE_LENGTHS) {
    // A random start; below 1 MiB also the same length at the pool's (aligned) start.
    const start = rng.int(1, pool.length - length);
    ranges.push([start, start + length]);
    if (length < MIB) ranges.push([0, length]);
  }
  // Empty ranges at both ends and the very last byte.
  ranges.push([0, 0], [pool.length, pool.length], [pool.length - 1, pool.length]);
  return { pool, ranges };
}

function describeRange(ranges: Array<[number, number]>, i: number): string {
  const [s, e] = ranges[i]!;
  return `range #${i} [${s}, ${e}) length ${e - s}, start % 16 = ${s % 16}`;
}

function expectAllEqual(
  what: string,
  actual: number[],
  expected: number[],
  ranges: Array<[number, number]>,
  seed: number,
): void {
  expect(actual.length).toBe(expected.length);
  const mismatches: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      mismatches.push(
        `${describeRange(ranges, i)}: ours ${actual[i]?.toString(16)}, kafka-python ${expected[i]!.toString(16)}`,
      );
    }
  }
  expect(
    mismatches,
    `${what} disagrees with kafka-python (INTEROP_SEED=${seed}), first ones:\n${mismatches.slice(0, 20).join('\n')}`,
  ).toEqual([]);
}

describe('crc32c vs kafka-python', () => {
  test('check value of "123456789"', () => {
    expect(crc32c(Buffer.from(CHECK_INPUT))).toBe(CHECK_VALUE);
    expect(crc32c(new TextEncoder().encode(CHECK_INPUT))).toBe(CHECK_VALUE);
    // The same bytes inside a larger buffer, by arguments and by view.
    const padded = Buffer.from(`xx${CHECK_INPUT}yyy`);
    expect(crc32c(padded, 2, 2 + CHECK_INPUT.length)).toBe(CHECK_VALUE);
    expect(crc32c(padded.subarray(2, 2 + CHECK_INPUT.length))).toBe(CHECK_VALUE);
    expect(crc32c(Buffer.from(`zz${CHECK_INPUT}`), 2)).toBe(CHECK_VALUE);
  });

  test('the default path (this process) and every path this CPU runs (child processes) match kafka-python', () => {
    const seed = testSeed(0xc3c32c);
    const dir = tempDir('tributary-interop-crc-');
    const { pool, ranges } = makeCases(new Rng(seed));
    const poolPath = join(dir, 'pool.bin');
    const rangesPath = join(dir, 'ranges.json');
    writeFileSync(poolPath, pool);
    writeFileSync(rangesPath, JSON.stringify(ranges));
    const pythonBytes = ranges.reduce((sum, [s, e]) => sum + e - s, 0);
    expect(pythonBytes).toBeLessThan(8 * MIB); // the pure-Python CRC runs at a few MiB/s

    const python = runPython<PythonResult>(dir, 'crc.py', PYTHON_CRC, [poolPath, rangesPath]);
    expect(python.check, 'kafka-python check value').toBe(CHECK_VALUE);

    // This process: the fastest implementation the CPU allows ('avx512' needs AVX-512 F and
    // VL and VPCLMULQDQ, 'sse4.2' SSE4.2 and PCLMULQDQ on x86-64; elsewhere whatever the
    // addon picked is checked against Python all the same).
    const x86Path = expectedX86Path();
    if (process.env.TRIBUTARY_CRC32C === undefined && x86Path !== null) expect(crc32cImplementation()).toBe(x86Path);
    const byRange = ranges.map(([s, e]) => crc32c(pool, s, e));
    const bySubarray = ranges.map(([s, e]) => crc32c(pool.subarray(s, e)));
    // A copy in a fresh ArrayBuffer: same bytes, a different (aligned) address.
    const byCopy = ranges.map(([s, e]) => crc32c(Uint8Array.prototype.slice.call(pool, s, e)));
    expectAllEqual(`${crc32cImplementation()} crc32c(pool, start, end)`, byRange, python.crcs, ranges, seed);
    expectAllEqual(
      `${crc32cImplementation()} crc32c(pool.subarray(start, end))`,
      bySubarray,
      python.crcs,
      ranges,
      seed,
    );
    expectAllEqual(`${crc32cImplementation()} crc32c(copy)`, byCopy, python.crcs, ranges, seed);

    // A child node process on each path this CPU runs, forced by TRIBUTARY_CRC32C.
    for (const path of crc32cImplementations()) {
      const stdout = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', NODE_CHILD, REPO_ROOT, poolPath, rangesPath],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, TRIBUTARY_CRC32C: path },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      const child = JSON.parse(stdout) as ChildResult;
      expect(child.implementation).toBe(path);
      expect(child.check).toBe(CHECK_VALUE);
      expectAllEqual(`${path} crc32c(pool, start, end)`, child.byRange, python.crcs, ranges, seed);
      expectAllEqual(`${path} crc32c(pool.subarray(start, end))`, child.bySubarray, python.crcs, ranges, seed);
    }
  });
});
