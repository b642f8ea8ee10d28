/**
 * zstd: one or more zstd frames (Kafka's ZstdCompression, level 3 by default). The
 * async path uses node:zlib's zstd where the runtime has it (Node 22.15+), else the
 * worker pool, since zstd-napi itself is synchronous.
 */
import zlib from 'node:zlib';
import { TributaryError } from '../errors.js';
import { zstdBinding } from './CodecLibraries.js';
import { corruptCompressed, decompressedTooLarge, type Codec } from './Codec.js';
import { zstdKernel, type ZstdKernel, type ZstdKernelError } from './ZstdKernel.js';
import { ZstdWorkerPool } from './ZstdWorkerPool.js';

/** ZSTD_CLEVEL_DEFAULT, Kafka's default zstd level. */
const DEFAULT_LEVEL = 3;

type Callback = (error: Error | null, result: Buffer) => void;
interface ZlibZstd {
  zstdCompress(data: Uint8Array, options: object, callback: Callback): void;
  zstdDecompress(data: Uint8Array, options: object, callback: Callback): void;
  constants: { ZSTD_c_compressionLevel: number };
}

const zlibZstd: ZlibZstd | null =
  typeof (zlib as unknown as Partial<ZlibZstd>).zstdCompress === 'function' ? (zlib as unknown as ZlibZstd) : null;

let kernel: ZstdKernel | undefined;
let pool: ZstdWorkerPool | undefined;

function checkedLevel(level: number | undefined): number {
  const resolved = level ?? DEFAULT_LEVEL;
  const binding = zstdBinding();
  if (!Number.isInteger(resolved) || resolved < binding.minCLevel() || resolved > binding.maxCLevel()) {
    throw new TributaryError(
      `zstd: compression level ${level} is outside ${binding.minCLevel()}..${binding.maxCLevel()}`,
      'ERR_INVALID_CONFIG',
    );
  }
  return resolved;
}

function typed(error: unknown, maxBytes: number): unknown {
  const tagged = error as Partial<ZstdKernelError>;
  if (tagged.kind === 'tooLarge') return decompressedTooLarge('zstd', tagged.size ?? `more than ${maxBytes}`, maxBytes);
  if (tagged.kind === 'corrupt') return corruptCompressed('zstd', tagged.message ?? '');
  return error;
}

function mainThreadKernel(): ZstdKernel {
  return (kernel ??= zstdKernel(zstdBinding()));
}

function viaZlib(run: (callback: Callback) => void, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    run((error, result) => {
      if (error === null) resolve(result);
      else
        reject(
          (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
            ? decompressedTooLarge('zstd', `more than ${maxBytes}`, maxBytes)
            : error,
        );
    }),
  );
}

export const zstdCodec: Codec = {
  compressSync: (data, level) => mainThreadKernel().compress(data, checkedLevel(level)),
  decompressSync(data, maxBytes) {
    try {
      return mainThreadKernel().decompress(data, maxBytes);
    } catch (error) {
      throw typed(error, maxBytes);
    }
  },
  async compressAsync(data, level) {
    const resolved = checkedLevel(level);
    if (zlibZstd !== null) {
      const params = { [zlibZstd.constants.ZSTD_c_compressionLevel]: resolved };
      return viaZlib((done) => zlibZstd.zstdCompress(data, { params }, done), Infinity);
    }
    return (pool ??= new ZstdWorkerPool()).run('compress', data, resolved);
  },
  async decompressAsync(data, maxBytes) {
    if (zlibZstd !== null) {
      return viaZlib(
        (done) => zlibZstd.zstdDecompress(data, { maxOutputLength: Math.max(1, maxBytes) }, done),
        maxBytes,
      );
    }
    try {
      zstdBinding();
      return await (pool ??= new ZstdWorkerPool()).run('decompress', data, maxBytes);
    } catch (error) {
      throw typed(error, maxBytes);
    }
  },
};
