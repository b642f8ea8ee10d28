import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import {
  CompressionType,
  compress,
  compressSync,
  compressionCodecOf,
  decompress,
  decompressSync,
  type CompressionCodec,
} from '../../src/record/Compression.js';
import { recordText } from '../helpers/recordText.js';
import { Rng } from '../helpers/random.js';
import { XERIAL_HEADER, xerialFrame } from '../helpers/xerial.js';

const require = createRequire(import.meta.url);
const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const COMPRESSED: CompressionCodec[] = ['gzip', 'snappy', 'lz4', 'zstd'];
const SIZES = [0, 1, 300, 64 * 1024, 3 * 1024 * 1024 + 17];

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

async function rejected(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('compressionCodecOf', () => {
  test('reads attribute bits 0-2 as Kafka numbers its codecs', () => {
    expect(CODECS.map((codec) => compressionCodecOf(CompressionType[codec]))).toEqual(CODECS);
    expect(compressionCodecOf(0x10 | 3)).toBe('lz4');
  });

  test('ids 5..7 are UNSUPPORTED_COMPRESSION_TYPE (76)', () => {
    for (const id of [5, 6, 7]) {
      const error = thrown(() => compressionCodecOf(id));
      expect(isTributaryError(error, 'ERR_UNSUPPORTED_COMPRESSION_TYPE')).toBe(true);
      expect((error as { kafka: { code: number } }).kafka.code).toBe(76);
    }
  });

  test('an unknown codec name is refused by every entry point', async () => {
    const bogus = 'brotli' as CompressionCodec;
    expect(
      isTributaryError(
        thrown(() => compressSync(bogus, Buffer.alloc(1))),
        'ERR_UNSUPPORTED_COMPRESSION_TYPE',
      ),
    ).toBe(true);
    expect(
      isTributaryError(await rejected(() => decompress(bogus, Buffer.alloc(1))), 'ERR_UNSUPPORTED_COMPRESSION_TYPE'),
    ).toBe(true);
  });
});

describe.each(CODECS)('%s round trips', (codec) => {
  test.each(SIZES)('%i bytes, sync and async in every combination', async (size) => {
    const data = recordText(new Rng(size + 1), size);
    const sync = compressSync(codec, data);
    const async = await compress(codec, data);
    expect(decompressSync(codec, sync).equals(data)).toBe(true);
    expect((await decompress(codec, sync)).equals(data)).toBe(true);
    expect(decompressSync(codec, async).equals(data)).toBe(true);
    expect((await decompress(codec, async)).equals(data)).toBe(true);
  });

  test('accepts a Uint8Array view into a larger buffer', async () => {
    const backing = recordText(new Rng(7), 200_000);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 1000, 100_000);
    const packed = await compress(codec, view);
    expect((await decompress(codec, new Uint8Array(packed))).equals(Buffer.from(view))).toBe(true);
  });
});

describe('framing as Kafka writes it', () => {
  test('gzip output is a gzip stream zlib reads', () => {
    const data = recordText(new Rng(3), 5000);
    const packed = compressSync('gzip', data);
    expect([packed[0], packed[1]]).toEqual([0x1f, 0x8b]);
    expect(zlib.gunzipSync(packed).equals(data)).toBe(true);
  });

  test('snappy writes one raw block (as librdkafka), which the library reads alone', () => {
    const snappy = require('snappy') as { uncompressSync(b: Uint8Array): Buffer };
    const data = recordText(new Rng(4), 100 * 1024);
    const packed = compressSync('snappy', data);
    expect(packed.subarray(0, 8).equals(XERIAL_HEADER.subarray(0, 8))).toBe(false);
    expect(snappy.uncompressSync(packed).equals(data)).toBe(true);
  });

  test("snappy reads the xerial framing of Kafka's Java producer, sync and async", async () => {
    const data = recordText(new Rng(5), 100 * 1024 + 7);
    for (const blockSize of [32 * 1024, 1000]) {
      const framed = xerialFrame(data, blockSize);
      expect(decompressSync('snappy', framed).equals(data)).toBe(true);
      expect((await decompress('snappy', framed)).equals(data)).toBe(true);
    }
  });

  test('lz4 writes an LZ4 frame (magic 0x184D2204, version 01, independent blocks)', () => {
    const packed = compressSync('lz4', recordText(new Rng(6), 100_000));
    expect(packed.readUInt32LE(0)).toBe(0x184d2204);
    expect(packed[4]! & 0xc0).toBe(0x40);
    expect(packed[4]! & 0x20).toBe(0x20);
  });

  test('zstd writes a zstd frame (magic 0xFD2FB528) at level 3 unless told', () => {
    const data = recordText(new Rng(8), 100_000);
    const packed = compressSync('zstd', data);
    expect(packed.readUInt32LE(0)).toBe(0xfd2fb528);
    expect(compressSync('zstd', data, 19).length).toBeLessThan(packed.length);
  });

  test('an out-of-range level is ERR_INVALID_CONFIG', () => {
    expect(
      isTributaryError(
        thrown(() => compressSync('gzip', Buffer.alloc(4), 12)),
        'ERR_INVALID_CONFIG',
      ),
    ).toBe(true);
    expect(
      isTributaryError(
        thrown(() => compressSync('zstd', Buffer.alloc(4), 99)),
        'ERR_INVALID_CONFIG',
      ),
    ).toBe(true);
  });
});

describe('corrupt payloads give ERR_CORRUPT_COMPRESSED naming the codec', () => {
  const data = recordText(new Rng(9), 50_000);

  test.each(COMPRESSED)('%s: truncated, garbage, empty', async (codec) => {
    const packed = compressSync(codec, data);
    const bad = [
      packed.subarray(0, packed.length >> 1),
      packed.subarray(0, packed.length - 1),
      new Rng(10).bytes(3000),
      Buffer.alloc(0),
    ];
    for (const payload of bad) {
      for (const error of [
        thrown(() => decompressSync(codec, payload)),
        await rejected(() => decompress(codec, payload)),
      ]) {
        expect(
          isTributaryError(error, 'ERR_CORRUPT_COMPRESSED'),
          `${codec} ${payload.length} bytes: ${String(error)}`,
        ).toBe(true);
        expect((error as Error).message).toContain(`${codec}:`);
        expect((error as { kafka: { code: number } }).kafka.code).toBe(2);
      }
    }
  });
});

describe('maxBytes', () => {
  const big = recordText(new Rng(11), 2 * 1024 * 1024);

  test.each(CODECS)('%s: output above maxBytes is ERR_DECOMPRESSED_TOO_LARGE, sync and async', async (codec) => {
    const packed = compressSync(codec, big);
    const limit = 1024 * 1024;
    expect(
      isTributaryError(
        thrown(() => decompressSync(codec, packed, limit)),
        'ERR_DECOMPRESSED_TOO_LARGE',
      ),
    ).toBe(true);
    expect(isTributaryError(await rejected(() => decompress(codec, packed, limit)), 'ERR_DECOMPRESSED_TOO_LARGE')).toBe(
      true,
    );
    expect(decompressSync(codec, packed, big.length).length).toBe(big.length);
  });

  test('a gzip bomb stops at the limit', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(
      isTributaryError(
        thrown(() => decompressSync('gzip', bomb, 1024 * 1024)),
        'ERR_DECOMPRESSED_TOO_LARGE',
      ),
    ).toBe(true);
  });

  test('a raw snappy block claiming 2^31 bytes is refused before allocating', () => {
    const claim = Buffer.concat([Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08]), Buffer.alloc(20, 0xaa)]);
    const started = performance.now();
    expect(
      isTributaryError(
        thrown(() => decompressSync('snappy', claim)),
        'ERR_DECOMPRESSED_TOO_LARGE',
      ),
    ).toBe(true);
    expect(performance.now() - started).toBeLessThan(50);
  });

  test('xerial blocks whose declared lengths add up past the limit are refused', () => {
    const header = XERIAL_HEADER;
    const block = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x02]); // 512 MiB each, 1.5 GiB in all
    const blocks = Array.from({ length: 3 }, () => Buffer.concat([Buffer.from([0, 0, 0, block.length]), block]));
    expect(
      isTributaryError(
        thrown(() => decompressSync('snappy', Buffer.concat([header, ...blocks]))),
        'ERR_DECOMPRESSED_TOO_LARGE',
      ),
    ).toBe(true);
  });

  test('an lz4 frame declaring a huge content size is refused', () => {
    const header = Buffer.alloc(15);
    header.writeUInt32LE(0x184d2204, 0);
    header[4] = 0x68;
    header[5] = 0x70;
    header.writeBigUInt64LE(2n ** 40n, 6);
    const frame = Buffer.concat([header, Buffer.alloc(4)]);
    expect(
      isTributaryError(
        thrown(() => decompressSync('lz4', frame)),
        'ERR_DECOMPRESSED_TOO_LARGE',
      ),
    ).toBe(true);
  });

  test('a zstd frame declaring a huge content size is refused', () => {
    const frame = Buffer.alloc(16);
    frame.writeUInt32LE(0xfd2fb528, 0);
    frame[4] = 0xe0;
    frame.writeBigUInt64LE(2n ** 40n, 5);
    expect(
      isTributaryError(
        thrown(() => decompressSync('zstd', frame)),
        'ERR_DECOMPRESSED_TOO_LARGE',
      ),
    ).toBe(true);
  });

  test('a streamed zstd frame (no content size, as Java writes) is bounded while decoding', async () => {
    const { CompressStream } = require('zstd-napi') as { CompressStream: new () => NodeJS.ReadWriteStream };
    const stream = new CompressStream();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise((resolve) => stream.on('end', resolve));
    stream.end(big);
    await done;
    const packed = Buffer.concat(chunks);
    const binding = require('zstd-napi/binding') as { getFrameContentSize(b: Uint8Array): number | null };
    expect(binding.getFrameContentSize(packed)).toBeNull();
    expect(decompressSync('zstd', packed).equals(big)).toBe(true);
    expect(
      isTributaryError(
        thrown(() => decompressSync('zstd', packed, 1000)),
        'ERR_DECOMPRESSED_TOO_LARGE',
      ),
    ).toBe(true);
    expect(isTributaryError(await rejected(() => decompress('zstd', packed, 1000)), 'ERR_DECOMPRESSED_TOO_LARGE')).toBe(
      true,
    );
  });

  test('a negative or fractional maxBytes is ERR_INVALID_CONFIG', () => {
    expect(
      isTributaryError(
        thrown(() => decompressSync('gzip', Buffer.alloc(1), -1)),
        'ERR_INVALID_CONFIG',
      ),
    ).toBe(true);
    expect(
      isTributaryError(
        thrown(() => decompressSync('gzip', Buffer.alloc(1), 1.5)),
        'ERR_INVALID_CONFIG',
      ),
    ).toBe(true);
  });
});
