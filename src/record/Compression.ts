/**
 * Compression codecs for the records section of a RecordBatch v2 (and legacy wrapper
 * message values), each framed as Kafka's Java client writes and reads it: gzip
 * stream, snappy (xerial framing written, xerial or raw read), LZ4 frame, zstd frame.
 *
 * Every failure is a TributaryError: ERR_UNSUPPORTED_COMPRESSION_TYPE for an unknown
 * codec id, ERR_CORRUPT_COMPRESSED for a payload the codec cannot decode,
 * ERR_DECOMPRESSED_TOO_LARGE for one that would exceed `maxBytes` (refused before its
 * output is allocated), ERR_CODEC_UNAVAILABLE when the codec's library cannot load.
 */
import { TributaryError } from '../errors.js';
import {
  asBuffer,
  asCompressError,
  asDecompressError,
  decompressedTooLarge,
  type Codec,
  type CompressionCodec,
} from './Codec.js';
import { gzipCodec } from './GzipCodec.js';
import { lz4Codec } from './Lz4Frame.js';
import { snappyCodec } from './SnappyFraming.js';
import { zstdCodec } from './ZstdCodec.js';

export type { CompressionCodec } from './Codec.js';

/** RecordBatch attributes bits 0-2. */
export const CompressionType = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

/** Default limit on a decompressed payload: 1 GiB, far above any Kafka batch. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

const CODEC_BY_ID: readonly CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const noCompression: Codec = {
  compressSync: (data) => asBuffer(data),
  decompressSync(data, maxBytes) {
    if (data.length > maxBytes) throw decompressedTooLarge('none', data.length, maxBytes);
    return asBuffer(data);
  },
  compressAsync: async (data) => asBuffer(data),
  decompressAsync: async (data, maxBytes) => noCompression.decompressSync(data, maxBytes),
};

const CODECS: Readonly<Record<CompressionCodec, Codec>> = {
  none: noCompression,
  gzip: gzipCodec,
  snappy: snappyCodec,
  lz4: lz4Codec,
  zstd: zstdCodec,
};

/**
 * Input sizes (bytes) from which compress / decompress leave the main thread: where
 * the codec's own work on the main thread reaches the async round trip's cost.
 * Measured on the 2-vCPU EPYC (Zen 1) reference machine, Node 20, JSON-like records
 * (~0.3-0.5 compression ratio), median of 7 runs, microseconds per call sync / async:
 *   round trip (async minus sync at 1 KiB): snappy, lz4 ~30; zstd worker ~70; gzip ~45-100.
 *   gzip   compress   1 KiB: 70 / 113;  decompress 5 KiB in: 50 / 137, 10 KiB in: 95 / 202
 *   snappy compress  16 KiB: 42 / 92;   decompress 8 KiB in: 16 / 103, 16 KiB in: 86 / 284
 *   lz4    compress  16 KiB: 40 / 73;   decompress 15 KiB in: 21 / 50, 29 KiB in: 46 / 83
 *   zstd   compress  16 KiB: 91 / 179;  decompress 10 KiB in: 48 / 119, 19 KiB in: 93 / 162
 * zstd's worker threads (Node 20) cost more than that once several calls are in flight:
 * 64 KiB of records, 4 calls outstanding, compress 64 vs 200 MB/s and decompress
 * (~25 KiB in) 124 vs 647 MB/s async vs sync, while at 1 MiB async wins (239 vs 161,
 * 817 vs 566): a worker's wake-up on this VM is ~100-200 us a round trip. Hence 128 KiB
 * for compress and 64 KiB of compressed input for decompress.
 */
const ASYNC_THRESHOLD: Readonly<Record<CompressionCodec, { compress: number; decompress: number }>> = {
  none: { compress: Infinity, decompress: Infinity },
  gzip: { compress: 1024, decompress: 8 * 1024 },
  snappy: { compress: 16 * 1024, decompress: 16 * 1024 },
  lz4: { compress: 16 * 1024, decompress: 16 * 1024 },
  zstd: { compress: 128 * 1024, decompress: 64 * 1024 },
};

/** The codec named by RecordBatch attribute bits 0-2. */
export function compressionCodecOf(attributesBits: number): CompressionCodec {
  const codec = CODEC_BY_ID[attributesBits & 0x7];
  if (codec === undefined) {
    throw new TributaryError(
      `compression type ${attributesBits & 0x7} is not one Kafka defines (0..4)`,
      'ERR_UNSUPPORTED_COMPRESSION_TYPE',
    );
  }
  return codec;
}

function codecFor(codec: CompressionCodec): Codec {
  const found = Object.hasOwn(CODECS, codec) ? CODECS[codec] : undefined;
  if (found === undefined)
    throw new TributaryError(`unknown compression codec '${String(codec)}'`, 'ERR_UNSUPPORTED_COMPRESSION_TYPE');
  return found;
}

function checkedLimit(maxBytes: number): number {
  if (!(maxBytes >= 0) || !Number.isSafeInteger(maxBytes)) {
    throw new TributaryError(`maxBytes must be a non-negative integer, got ${maxBytes}`, 'ERR_INVALID_CONFIG');
  }
  return maxBytes;
}

export function compressSync(codec: CompressionCodec, data: Uint8Array, level?: number): Buffer {
  const implementation = codecFor(codec);
  try {
    return implementation.compressSync(data, level);
  } catch (error) {
    throw asCompressError(codec, error);
  }
}

export function decompressSync(
  codec: CompressionCodec,
  data: Uint8Array,
  maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Buffer {
  const implementation = codecFor(codec);
  const limit = checkedLimit(maxBytes);
  try {
    return implementation.decompressSync(data, limit);
  } catch (error) {
    throw asDecompressError(codec, error);
  }
}

/** Compresses off the main thread when `data` is large enough for that to pay. */
export async function compress(codec: CompressionCodec, data: Uint8Array, level?: number): Promise<Buffer> {
  const implementation = codecFor(codec);
  if (data.length < ASYNC_THRESHOLD[codec].compress) return compressSync(codec, data, level);
  try {
    return await implementation.compressAsync(data, level);
  } catch (error) {
    throw asCompressError(codec, error);
  }
}

/** Decompresses off the main thread when `data` is large enough for that to pay. */
export async function decompress(
  codec: CompressionCodec,
  data: Uint8Array,
  maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Promise<Buffer> {
  const implementation = codecFor(codec);
  if (data.length < ASYNC_THRESHOLD[codec].decompress) return decompressSync(codec, data, maxBytes);
  const limit = checkedLimit(maxBytes);
  try {
    return await implementation.decompressAsync(data, limit);
  } catch (error) {
    throw asDecompressError(codec, error);
  }
}
