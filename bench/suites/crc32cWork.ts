/**
 * The crc32c measurements themselves, shared by this process (hardware path, zlib) and
 * the child that runs with TRIBUTARY_CRC32C=portable. One iteration always covers 16 MiB:
 * either one call on a 16 MiB buffer, or 4096 calls on 4 KiB views of it (the views
 * are made once, so no allocation is timed).
 */
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { crc32c } from '../../src/index.js';
import type { Sample } from '../harness.js';

export type CrcCase = 'large' | 'small';

export const LARGE_BYTES = 16 * 1024 * 1024;
export const SMALL_BYTES = 4 * 1024;

export interface CrcData {
  large: Buffer;
  small: Buffer[];
}

export function crcData(): CrcData {
  const large = randomBytes(LARGE_BYTES);
  const small: Buffer[] = [];
  for (let at = 0; at < LARGE_BYTES; at += SMALL_BYTES) small.push(large.subarray(at, at + SMALL_BYTES));
  return { large, small };
}

/** Keeps results alive so no call can be dropped. */
let sink = 0;

function sample(start: bigint, iterations: number): Sample {
  return { ns: Number(process.hrtime.bigint() - start), units: iterations * LARGE_BYTES };
}

// One loop per (function, case), so each call site sees a single target.

function crc32cLarge(data: CrcData, iterations: number): Sample {
  let acc = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) acc ^= crc32c(data.large);
  const s = sample(start, iterations);
  sink ^= acc;
  return s;
}

function crc32cSmall(data: CrcData, iterations: number): Sample {
  let acc = 0;
  const views = data.small;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    for (let v = 0; v < views.length; v++) acc ^= crc32c(views[v]!);
  }
  const s = sample(start, iterations);
  sink ^= acc;
  return s;
}

type Crc32 = (data: Uint8Array) => number;

/** zlib.crc32 (CRC-32/IEEE), present from Node 20.15 / 22.2; null when missing. */
export const zlibCrc32: Crc32 | null = typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) : null;

function zlibLarge(data: CrcData, iterations: number): Sample {
  const crc32 = zlibCrc32!;
  let acc = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) acc ^= crc32(data.large);
  const s = sample(start, iterations);
  sink ^= acc;
  return s;
}

function zlibSmall(data: CrcData, iterations: number): Sample {
  const crc32 = zlibCrc32!;
  let acc = 0;
  const views = data.small;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    for (let v = 0; v < views.length; v++) acc ^= crc32(views[v]!);
  }
  const s = sample(start, iterations);
  sink ^= acc;
  return s;
}

/** Runs `iterations` x 16 MiB of crc32c (whichever implementation this process uses). */
export function runCrc32c(data: CrcData, kind: CrcCase, iterations: number): Sample {
  return kind === 'large' ? crc32cLarge(data, iterations) : crc32cSmall(data, iterations);
}

/** Runs `iterations` x 16 MiB of zlib.crc32. */
export function runZlibCrc32(data: CrcData, kind: CrcCase, iterations: number): Sample {
  return kind === 'large' ? zlibLarge(data, iterations) : zlibSmall(data, iterations);
}

/** Messages between the crc32c suite and its portable child. */
export type ToChild = { op: 'calibrate'; kind: CrcCase; targetMs: number } | { op: 'trial'; kind: CrcCase; iterations: number } | { op: 'exit' };
export type FromChild =
  | { op: 'ready'; implementation: string }
  | { op: 'calibrated'; iterations: number }
  | { op: 'sample'; sample: Sample }
  | { op: 'error'; message: string };
