/**
 * codecs: our compress / decompress (sync and async entry points) against calling each
 * codec's library directly on the same records, so the ratio is the cost of our
 * framing and checks. Data: newline-separated JSON records with random ids and
 * strings (about 0.3-0.5 of their size compressed), 1 KiB, 64 KiB and 1 MiB.
 *
 * Baselines: gzip node:zlib gzip/gunzip; snappy one raw block (snappy compress /
 * uncompress; we write one raw block too); lz4 lz4-napi compressFrame /
 * decompressFrame; zstd zstd-napi compress / decompress (synchronous only, so it is
 * also the baseline of our async path, which runs in worker threads from 128 KiB in
 * to compress, 64 KiB in to decompress).
 * Sync trials are Benchmark.js runs (bench/micro.ts). Async trials keep IN_FLIGHT calls outstanding, as a broker with several partitions
 * would (awaiting each call alone measures only the hand-off latency, not the throughput
 * an off-thread codec is for). Rates are MB/s of uncompressed bytes.
 */
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import {
  compress,
  compressSync,
  decompress,
  decompressSync,
  type CompressionCodec,
} from '../../src/record/Compression.js';
import {
  byMode,
  calibrate,
  compare,
  KiB,
  log,
  megabytesPerSecond,
  MiB,
  roundsFor,
  toRow,
  type ResultRow,
  type Sample,
  type SuiteContext,
  type Trial,
} from '../harness.js';
import { jsonRecords } from '../jsonRecords.js';
import { benchmarkTrial, microOptions, type MicroOptions } from '../micro.js';

const SUITE = 'codecs';
const require = createRequire(import.meta.url);

type Op = 'compress' | 'decompress';
type Mode = 'sync' | 'async';
type Call = (input: Buffer) => unknown;

interface Library {
  name: string;
  sync: Record<Op, Call>;
  async: Record<Op, Call>;
}

function libraries(): Record<Exclude<CompressionCodec, 'none'>, Library> {
  const snappy = require('snappy') as Record<'compressSync' | 'uncompressSync' | 'compress' | 'uncompress', Call>;
  const lz4 = require('lz4-napi') as Record<
    'compressFrameSync' | 'decompressFrameSync' | 'compressFrame' | 'decompressFrame',
    Call
  >;
  const zstd = require('zstd-napi') as Record<'compress' | 'decompress', Call>;
  const zstdSync = { compress: zstd.compress, decompress: zstd.decompress };
  return {
    gzip: {
      name: 'node:zlib gzip',
      sync: { compress: (b) => zlib.gzipSync(b), decompress: (b) => zlib.gunzipSync(b) },
      async: { compress: promisify(zlib.gzip), decompress: promisify(zlib.gunzip) },
    },
    snappy: {
      name: 'snappy raw block',
      sync: { compress: snappy.compressSync, decompress: snappy.uncompressSync },
      async: { compress: snappy.compress, decompress: snappy.uncompress },
    },
    lz4: {
      name: 'lz4-napi frame',
      sync: { compress: lz4.compressFrameSync, decompress: lz4.decompressFrameSync },
      async: { compress: lz4.compressFrame, decompress: lz4.decompressFrame },
    },
    zstd: { name: 'zstd-napi (sync)', sync: zstdSync, async: zstdSync },
  };
}

const IN_FLIGHT = 4;

/** A trial of `iterations` async calls, IN_FLIGHT of them outstanding. */
async function runInFlight(call: Call, input: Buffer, iterations: number, units: number): Promise<Sample> {
  const start = process.hrtime.bigint();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < iterations) {
      next++;
      await call(input);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, iterations) }, lane));
  return { ns: Number(process.hrtime.bigint() - start), units: units * iterations };
}

/** Sync calls run as Benchmark.js trials; async ones keep IN_FLIGHT calls outstanding, which Benchmark.js cannot. */
async function trialOf(
  call: Call,
  input: Buffer,
  size: number,
  mode: Mode,
  targetMs: number,
  options: MicroOptions,
): Promise<Trial> {
  if (mode === 'sync') return benchmarkTrial(() => void call(input), size, options);
  const iterations = await calibrate(async (n) => (await runInFlight(call, input, n, 0)).ns, targetMs);
  return () => runInFlight(call, input, iterations, size);
}

function ours(codec: CompressionCodec, op: Op, mode: Mode): Call {
  if (op === 'compress') return mode === 'sync' ? (b) => compressSync(codec, b) : (b) => compress(codec, b);
  return mode === 'sync' ? (b) => decompressSync(codec, b) : (b) => decompress(codec, b);
}

export async function runCodecsSuite(ctx: SuiteContext): Promise<ResultRow[]> {
  const rounds = roundsFor(ctx, 'micro');
  const targetMs = byMode(ctx, 40, 8, 2);
  const options = microOptions(ctx);
  const rows: ResultRow[] = [];
  for (const [codec, library] of Object.entries(libraries()) as [Exclude<CompressionCodec, 'none'>, Library][]) {
    for (const size of byMode(ctx, [KiB, 64 * KiB, MiB], [64 * KiB, MiB], [64 * KiB])) {
      const data = jsonRecords(size);
      const label = size >= MiB ? `${size / MiB} MiB` : `${size / KiB} KiB`;
      const inputs: Record<Op, { ours: Buffer; theirs: Buffer }> = {
        compress: { ours: data, theirs: data },
        decompress: { ours: compressSync(codec, data), theirs: (await library.async.compress(data)) as Buffer },
      };
      for (const op of ['compress', 'decompress'] as const) {
        for (const mode of ['sync', 'async'] as const) {
          log(`${SUITE}: ${codec} ${op} ${mode} ${label}`);
          const subject = ours(codec, op, mode);
          const baseline = library[mode][op];
          const { ours: ourInput, theirs: theirInput } = inputs[op];
          const comparison = await compare({
            ...rounds,
            rate: megabytesPerSecond,
            subject: { name: 'tributary', trial: await trialOf(subject, ourInput, size, mode, targetMs, options) },
            baselines: [
              { name: library.name, trial: await trialOf(baseline, theirInput, size, mode, targetMs, options) },
            ],
          });
          const spec = {
            suite: SUITE,
            case: `${codec} ${op} ${mode === 'async' ? `async x${IN_FLIGHT}` : mode}, ${label}`,
            metric: 'throughput',
            unit: 'MB/s',
            baseline: `${library.name} ${mode}`,
          };
          rows.push(toRow(size >= 64 * KiB ? { ...spec, target: 0.9 } : spec, comparison));
        }
      }
    }
  }
  return rows;
}
