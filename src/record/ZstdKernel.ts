/**
 * zstd compression and bounded decompression over zstd-napi's binding. This one
 * function runs both on the main thread and, as its own source text, inside the zstd
 * worker threads (ZstdWorkerPool.ts), so it must not reference anything outside itself
 * but its argument and JS globals. It throws plain errors tagged with `kind`.
 */
import type { ZstdBinding } from './CodecLibraries.js';

export interface ZstdKernel {
  compress(data: Uint8Array, level: number): Buffer;
  decompress(data: Uint8Array, maxBytes: number): Buffer;
}

export interface ZstdKernelError extends Error {
  kind: 'corrupt' | 'tooLarge';
  size?: number;
}

export function zstdKernel(binding: ZstdBinding): ZstdKernel {
  const fail = (kind: 'corrupt' | 'tooLarge', message: string, size?: number): never => {
    throw Object.assign(new Error(message), { kind, size });
  };
  const compressor = new binding.CCtx();
  const decompressor = new binding.DCtx();
  const streamChunk = binding.dStreamOutSize();

  /**
   * Sum of the frames' declared content sizes, refused above maxBytes as soon as it
   * passes it; null when a frame does not declare its size.
   */
  function declaredSize(data: Uint8Array, maxBytes: number): number | null {
    let total = 0;
    for (let rest = data; rest.length > 0; rest = rest.subarray(binding.findFrameCompressedSize(rest))) {
      const size = binding.getFrameContentSize(rest);
      if (size === null) return null;
      total += size;
      if (total > maxBytes) fail('tooLarge', `${total} bytes`, total);
    }
    return total;
  }

  function whole(data: Uint8Array, size: number): Buffer {
    const out = Buffer.allocUnsafe(size);
    const produced = decompressor.decompress(out, data);
    if (produced !== size) fail('corrupt', `frames declare ${size} bytes but hold ${produced}`);
    return out;
  }

  /** Frames written by a streaming compressor (Java's ZstdOutputStream) carry no size. */
  function streamed(data: Uint8Array, maxBytes: number): Buffer {
    decompressor.reset(binding.ResetDirective.sessionOnly);
    const parts: Buffer[] = [];
    let total = 0;
    let rest = data;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(streamChunk, rest.length), maxBytes - total + 1));
      const [remaining, produced, consumed] = decompressor.decompressStream(chunk, rest);
      total += produced;
      if (total > maxBytes) fail('tooLarge', `more than ${maxBytes} bytes`);
      parts.push(chunk.subarray(0, produced));
      rest = rest.subarray(consumed);
      if (remaining === 0 && rest.length === 0) return Buffer.concat(parts, total);
      if (produced === 0 && consumed === 0) fail('corrupt', 'truncated frame');
    }
  }

  return {
    compress(data, level) {
      const out = Buffer.allocUnsafe(binding.compressBound(data.length));
      const size = compressor.compress(out, data, level);
      // A bound-sized buffer would pin up to twice the memory; copy out when that wastes much.
      return size < 0.75 * out.length ? Buffer.from(out.subarray(0, size)) : out.subarray(0, size);
    },
    decompress(data, maxBytes) {
      if (data.length === 0) fail('corrupt', 'empty payload');
      const size = declaredSize(data, maxBytes);
      return size === null ? streamed(data, maxBytes) : whole(data, size);
    },
  };
}
