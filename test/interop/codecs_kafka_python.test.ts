/**
 * Codec framing against independent implementations: kafka-python 2.0.2's `kafka.codec`
 * (Debian's python3-kafka over python3-snappy, python3-lz4, python3-zstandard, run by
 * /usr/bin/python3) decodes what we encode and encodes what we decode, for every codec,
 * on random record-like payloads of several sizes; kafkajs's shipped gzip codec too.
 *
 * kafka-python writes snappy as xerial by default (32 KiB blocks) and, with
 * xerial_compatible=False, as one raw block (what librdkafka sends); both are checked.
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  compress,
  compressSync,
  decompress,
  decompressSync,
  type CompressionCodec,
} from '../../src/record/Compression.js';
import { recordText } from '../helpers/recordText.js';
import { tempDir } from '../helpers/tmp.js';
import { Rng, runPython, testSeed } from './support.js';

const require = createRequire(import.meta.url);
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const SIZES = [1, 777, 32 * 1024, 70_001, 1024 * 1024 + 3];

/** Their encodings: our codec name plus the kafka-python encoder call that makes it. */
const PYTHON_ENCODERS: { name: string; codec: CompressionCodec; call: string }[] = [
  { name: 'gzip', codec: 'gzip', call: 'codec.gzip_encode(data)' },
  { name: 'snappy-xerial', codec: 'snappy', call: 'codec.snappy_encode(data)' },
  { name: 'snappy-raw', codec: 'snappy', call: 'codec.snappy_encode(data, xerial_compatible=False)' },
  { name: 'lz4', codec: 'lz4', call: 'codec.lz4_encode(data)' },
  { name: 'zstd', codec: 'zstd', call: 'codec.zstd_encode(data)' },
  // No content size in the frame header, as Java's streaming ZstdOutputStream writes.
  {
    name: 'zstd-unsized',
    codec: 'zstd',
    call: "__import__('zstandard').ZstdCompressor(write_content_size=False).compress(data)",
  },
];

const SCRIPT = `
import json, sys, os
from kafka import codec
folder = sys.argv[1]
manifest = json.load(open(os.path.join(folder, 'manifest.json')))
encoders = {${PYTHON_ENCODERS.map((e) => `'${e.name}': lambda data: ${e.call}`).join(', ')}}
decoders = {'gzip': codec.gzip_decode, 'snappy': codec.snappy_decode, 'lz4': codec.lz4_decode, 'zstd': codec.zstd_decode}
decoded = {}
for name in manifest['payloads']:
    data = open(os.path.join(folder, name + '.raw'), 'rb').read()
    for enc, encode in encoders.items():
        open(os.path.join(folder, name + '.' + enc + '.py'), 'wb').write(encode(data))
    for c, decode in decoders.items():
        ours = open(os.path.join(folder, name + '.' + c + '.ours'), 'rb').read()
        decoded[name + '.' + c] = decode(ours) == data
print(json.dumps(decoded))
`;

describe('codecs against kafka-python', () => {
  test('each decodes what the other encodes, every codec and size, sync and async', async () => {
    const dir = tempDir('tributary-codecs-');
    const rng = new Rng(testSeed(0xc0dec5));
    const payloads = new Map<string, Buffer>();
    for (const size of SIZES) {
      const name = `p${size}`;
      const data = recordText(rng, size);
      payloads.set(name, data);
      writeFileSync(join(dir, `${name}.raw`), data);
      for (const codec of CODECS) {
        const ours = size % 2 === 0 ? compressSync(codec, data) : await compress(codec, data);
        writeFileSync(join(dir, `${name}.${codec}.ours`), ours);
      }
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ payloads: [...payloads.keys()] }));

    const decodedByPython = runPython<Record<string, boolean>>(dir, 'codecs.py', SCRIPT, [dir]);
    const expected = Object.fromEntries(
      [...payloads.keys()].flatMap((name) => CODECS.map((codec) => [`${name}.${codec}`, true])),
    );
    expect(decodedByPython).toEqual(expected);

    for (const [name, data] of payloads) {
      for (const encoder of PYTHON_ENCODERS) {
        const theirs = readFileSync(join(dir, `${name}.${encoder.name}.py`));
        expect(decompressSync(encoder.codec, theirs).equals(data), `${name} ${encoder.name} sync`).toBe(true);
        expect((await decompress(encoder.codec, theirs)).equals(data), `${name} ${encoder.name} async`).toBe(true);
      }
    }
  });
});

describe('gzip against kafkajs', () => {
  const gzip = require('kafkajs/src/protocol/message/compression/gzip') as {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };

  test.each(SIZES)('%i bytes both ways', async (size) => {
    const data = recordText(new Rng(testSeed(size)), size);
    expect((await gzip.decompress(await compress('gzip', data))).equals(data)).toBe(true);
    expect((await decompress('gzip', await gzip.compress({ buffer: data }))).equals(data)).toBe(true);
  });
});
