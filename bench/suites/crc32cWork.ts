/**
 * The crc32c measurements themselves, shared by this process (fastest path, zlib,
 * Buffer.copy) and the children that run with TRIBUTARY_CRC32C=<another path>, as
 * Benchmark.js trials (bench/micro.ts).
 * One call of a trial's function always covers 16 MiB: either one CRC of a 16 MiB buffer,
 * or 4096 of 4 KiB views of it (the views are made once, so no allocation is timed).
 */
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { crc32c } from '../../src/index.js';
import type { Sample, Trial } from '../harness.js';
import { benchmarkTrial, type MicroOptions } from '../micro.js';

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

// One function per (implementation, case), so each call site sees a single target.

function crc32cLarge(data: CrcData): void {
  sink ^= crc32c(data.large);
}

function crc32cSmall(data: CrcData): void {
  let acc = 0;
  const views = data.small;
  for (let v = 0; v < views.length; v++) acc ^= crc32c(views[v]!);
  sink ^= acc;
}

type Crc32 = (data: Uint8Array) => number;

/** zlib.crc32 (CRC-32/IEEE), present from Node 20.15 / 22.2; null when missing. */
export const zlibCrc32: Crc32 | null = typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) : null;

function zlibLarge(data: CrcData): void {
  sink ^= zlibCrc32!(data.large);
}

function zlibSmall(data: CrcData): void {
  const crc32 = zlibCrc32!;
  let acc = 0;
  const views = data.small;
  for (let v = 0; v < views.length; v++) acc ^= crc32(views[v]!);
  sink ^= acc;
}

/** A trial of crc32c (whichever implementation this process uses); one call covers 16 MiB. */
export function crc32cTrial(data: CrcData, kind: CrcCase, options: MicroOptions): Trial {
  const pass = kind === 'large' ? crc32cLarge : crc32cSmall;
  return benchmarkTrial(() => pass(data), LARGE_BYTES, options);
}

/** The same with zlib.crc32. */
export function zlibCrc32Trial(data: CrcData, kind: CrcCase, options: MicroOptions): Trial {
  const pass = kind === 'large' ? zlibLarge : zlibSmall;
  return benchmarkTrial(() => pass(data), LARGE_BYTES, options);
}

/** The 16 MiB destination of the Buffer.copy baseline, made once so no allocation is timed. */
let copyTarget: Buffer | null = null;

function copyLarge(data: CrcData): void {
  copyTarget ??= Buffer.allocUnsafeSlow(LARGE_BYTES);
  sink ^= data.large.copy(copyTarget);
}

/** Buffer.copy of the 16 MiB buffer into another: what reading the bytes once and writing them costs. */
export function bufferCopyTrial(data: CrcData, options: MicroOptions): Trial {
  return benchmarkTrial(() => copyLarge(data), LARGE_BYTES, options);
}

/** Whatever the sink holds, so the calls stay observable. */
export const crcSink = (): number => sink;

/** Messages between the crc32c suite and a child on another path. */
export type ToChild = { op: 'trial'; kind: CrcCase; options: MicroOptions } | { op: 'exit' };
export type FromChild =
  { op: 'ready'; implementation: string } | { op: 'sample'; sample: Sample } | { op: 'error'; message: string };
