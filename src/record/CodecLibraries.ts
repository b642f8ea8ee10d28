/**
 * The codec libraries, each loaded on first use, so that importing tributary never
 * fails for a codec nobody uses (zstd-napi builds from source and may be missing).
 */
import { createRequire } from 'node:module';
import { TributaryError } from '../errors.js';

const require = createRequire(import.meta.url);

export interface SnappyLibrary {
  compressSync(input: Uint8Array): Buffer;
  uncompressSync(input: Uint8Array): Buffer;
  compress(input: Uint8Array): Promise<Buffer>;
  uncompress(input: Uint8Array): Promise<Buffer>;
}

export interface Lz4Library {
  compressFrameSync(data: Uint8Array): Buffer;
  decompressFrameSync(data: Uint8Array): Buffer;
  compressFrame(data: Uint8Array): Promise<Buffer>;
  decompressFrame(data: Uint8Array): Promise<Buffer>;
  /** One LZ4 block preceded by its output capacity as a little-endian uint32. */
  uncompressSync(data: Uint8Array): Buffer;
}

export type ZstdStreamResult = [remaining: number, produced: number, consumed: number];

/** The parts of zstd-napi's low-level binding we use. */
export interface ZstdBinding {
  CCtx: new () => { compress(dst: Uint8Array, src: Uint8Array, level: number): number };
  DCtx: new () => {
    decompress(dst: Uint8Array, src: Uint8Array): number;
    decompressStream(dst: Uint8Array, src: Uint8Array): ZstdStreamResult;
    reset(directive: number): void;
  };
  ResetDirective: { sessionOnly: number };
  compressBound(size: number): number;
  getFrameContentSize(frame: Uint8Array): number | null;
  findFrameCompressedSize(frame: Uint8Array): number;
  dStreamOutSize(): number;
  minCLevel(): number;
  maxCLevel(): number;
}

const HOW_TO_FIX: Readonly<Record<string, string>> = {
  snappy: 'reinstall the snappy package (it ships prebuilt binaries)',
  'lz4-napi': 'reinstall the lz4-napi package (it ships prebuilt binaries)',
  'zstd-napi/binding':
    'zstd-napi builds from source: approve its install script (npm approve-builds / allowScripts) or run `npm rebuild zstd-napi` with a C compiler available',
};

function load<T>(id: string): T {
  try {
    return require(id) as T;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new TributaryError(
      `codec library '${id}' is unavailable (${reason}); to fix: ${HOW_TO_FIX[id]}`,
      'ERR_CODEC_UNAVAILABLE',
    );
  }
}

function lazy<T>(id: string): () => T {
  let library: T | undefined;
  return () => (library ??= load<T>(id));
}

export const snappyLibrary = lazy<SnappyLibrary>('snappy');
export const lz4Library = lazy<Lz4Library>('lz4-napi');
export const zstdBinding = lazy<ZstdBinding>('zstd-napi/binding');

/** Where zstd-napi's binding lives, for a worker thread to load it too. */
export function zstdBindingPath(): string {
  zstdBinding();
  return require.resolve('zstd-napi/binding');
}
