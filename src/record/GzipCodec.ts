/**
 * gzip: a gzip stream (Java's GZIPOutputStream / GZIPInputStream), through node:zlib.
 * Decompression is bounded by zlib's maxOutputLength, so a gzip bomb stops at the limit.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { TributaryError } from '../errors.js';
import { decompressedTooLarge, type Codec } from './Codec.js';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** Deflater.DEFAULT_COMPRESSION, as Kafka's GzipCompression uses by default. */
const DEFAULT_LEVEL = zlib.constants.Z_DEFAULT_COMPRESSION;

function compressOptions(level: number | undefined): zlib.ZlibOptions {
  const resolved = level ?? DEFAULT_LEVEL;
  if (!Number.isInteger(resolved) || resolved < -1 || resolved > 9) {
    throw new TributaryError(`gzip: compression level ${level} is outside -1..9`, 'ERR_INVALID_CONFIG');
  }
  return { level: resolved };
}

/** zlib refuses more than maxOutputLength bytes with ERR_BUFFER_TOO_LARGE. */
function translate(error: unknown, maxBytes: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_BUFFER_TOO_LARGE' ? decompressedTooLarge('gzip', `more than ${maxBytes}`, maxBytes) : error;
}

/** zlib rejects a maxOutputLength of 0, so an empty limit is checked after one byte. */
const outputLimit = (maxBytes: number): zlib.ZlibOptions => ({ maxOutputLength: Math.max(1, maxBytes) });

function checkEmptyLimit(out: Buffer, maxBytes: number): Buffer {
  if (out.length > maxBytes) throw decompressedTooLarge('gzip', `more than ${maxBytes}`, maxBytes);
  return out;
}

export const gzipCodec: Codec = {
  compressSync: (data, level) => zlib.gzipSync(data, compressOptions(level)),
  compressAsync: (data, level) => gzip(data, compressOptions(level)),
  decompressSync(data, maxBytes) {
    try {
      return checkEmptyLimit(zlib.gunzipSync(data, outputLimit(maxBytes)), maxBytes);
    } catch (error) {
      throw translate(error, maxBytes);
    }
  },
  async decompressAsync(data, maxBytes) {
    try {
      return checkEmptyLimit(await gunzip(data, outputLimit(maxBytes)), maxBytes);
    } catch (error) {
      throw translate(error, maxBytes);
    }
  },
};
