/**
 * The shape every compression codec implements, and the typed errors they raise. A
 * codec frames its output exactly as Kafka's Java client does for that codec.
 */
import { TributaryError, isTributaryError, errorMessageOf } from '../errors.js';

export type CompressionCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface Codec {
  compressSync(data: Uint8Array, level: number | undefined): Buffer;
  /** Never allocates more than `maxBytes` of output for a payload that would exceed it. */
  decompressSync(data: Uint8Array, maxBytes: number): Buffer;
  /** Off the main thread (libuv thread pool or a worker). */
  compressAsync(data: Uint8Array, level: number | undefined): Promise<Buffer>;
  decompressAsync(data: Uint8Array, maxBytes: number): Promise<Buffer>;
}

export function corruptCompressed(codec: CompressionCodec, what: string): TributaryError {
  return new TributaryError(`${codec}: corrupt compressed data: ${what}`, 'ERR_CORRUPT_COMPRESSED');
}

export function decompressedTooLarge(codec: CompressionCodec, size: number | string, maxBytes: number): TributaryError {
  return new TributaryError(
    `${codec}: payload decompresses to ${size} bytes, more than the limit of ${maxBytes}`,
    'ERR_DECOMPRESSED_TOO_LARGE',
  );
}

/** A library's own failure while decompressing means the payload is corrupt. */
export function asDecompressError(codec: CompressionCodec, error: unknown): TributaryError {
  return isTributaryError(error) ? error : corruptCompressed(codec, errorMessageOf(error));
}

export function asCompressError(codec: CompressionCodec, error: unknown): TributaryError {
  return isTributaryError(error)
    ? error
    : new TributaryError(`${codec}: compression failed: ${errorMessageOf(error)}`, 'ERR_COMPRESSION_FAILED');
}

/** A view of the same bytes as a Buffer, without copying. */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
