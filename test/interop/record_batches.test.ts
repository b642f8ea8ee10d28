/**
 * RecordBatch v2 against two independent implementations, both directions:
 * - kafka-python 2.0.2 (Debian python3-kafka, with python3-snappy, -lz4, -zstandard):
 *   DefaultRecordBatch reads what we build (CRC valid, every field and record equal) for
 *   every codec, and we read and validate what DefaultRecordBatchBuilder builds.
 * - kafkajs 2.2.4: its RecordBatch decoder reads what we build and we read what its
 *   encoder builds, for the codecs it ships (none, gzip).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CompressionCodec } from '../../src/record/Compression.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import type { Record } from '../../src/record/Record.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { buildRecordBatch, type BatchOptions, type RecordInput } from '../../src/record/RecordBatchBuilder.js';
import { validateRecordBatchSync } from '../../src/record/RecordBatchValidator.js';
import { tempDir } from '../helpers/tmp.js';
import { hexOrNull, Rng, runPython, testSeed } from './support.js';

const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const T0 = 1_700_000_000_000;

interface PlainRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

interface PlainBatch {
  baseOffset: number;
  compression: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
  control: boolean;
  records: PlainRecord[];
}

function randomRecords(rng: Rng, count: number): RecordInput[] {
  return Array.from({ length: count }, () => ({
    key: rng.oneIn(4) ? null : rng.bytes(rng.int(0, 40)),
    value: rng.oneIn(8)
      ? null
      : rng.oneIn(2)
        ? Buffer.from('text '.repeat(rng.int(0, 300)))
        : rng.bytes(rng.int(0, 3000)),
    headers: Array.from({ length: rng.int(0, 3) }, (_, h) => ({
      key: `h${h}-é`,
      value: rng.oneIn(3) ? null : rng.bytes(rng.int(0, 20)),
    })),
    timestamp: T0 + rng.int(-5000, 5000),
  }));
}

function plainRecords(records: Iterable<Record>): PlainRecord[] {
  return [...records].map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: hexOrNull(r.key),
    value: hexOrNull(r.value),
    headers: r.headers.map((h): [string, string | null] => [h.key, hexOrNull(h.value)]),
  }));
}

function plainBatch(bytes: Buffer): PlainBatch {
  const batch = RecordBatch.from(bytes);
  return {
    baseOffset: batch.baseOffset,
    compression: batch.attributes & 7,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    transactional: batch.isTransactional,
    control: batch.isControl,
    records: plainRecords(batch.records()),
  };
}

const CASES: Array<{ codec: CompressionCodec; options: BatchOptions }> = CODECS.flatMap((codec) => [
  { codec, options: { baseOffset: 0 } },
  { codec, options: { baseOffset: 1234, producerId: 99, producerEpoch: 2, baseSequence: 40 } },
  { codec, options: { baseOffset: 5, producerId: 7, producerEpoch: 1, baseSequence: 0, transactional: true } },
]);

const PYTHON_READ = `
import json, sys
from kafka.record.default_records import DefaultRecordBatch

def hx(b):
    return None if b is None else bytes(b).hex()

out = []
with open(sys.argv[1], 'rb') as f:
    data = f.read()
pos = 0
while pos < len(data):
    length = int.from_bytes(data[pos + 8:pos + 12], 'big', signed=True) + 12
    batch = DefaultRecordBatch(data[pos:pos + length])
    pos += length
    out.append({
        'crcValid': batch.validate_crc(), 'baseOffset': batch.base_offset, 'compression': batch.compression_type,
        # kafka-python 2.0.2 has no properties for these: its own header parse holds them.
        'producerId': batch._header_data[9], 'producerEpoch': batch._header_data[10], 'baseSequence': batch._header_data[11],
        'transactional': bool(batch.is_transactional), 'control': bool(batch.is_control_batch),
        'records': [{'offset': r.offset, 'timestamp': r.timestamp, 'key': hx(r.key), 'value': hx(r.value),
                     'headers': [[k, hx(v)] for k, v in r.headers]} for r in batch],
    })
json.dump(out, sys.stdout)
`;

const PYTHON_BUILD = `
import json, sys
from kafka.record.default_records import DefaultRecordBatchBuilder

def unhex(s):
    return None if s is None else bytes.fromhex(s)

with open(sys.argv[1]) as f:
    specs = json.load(f)
with open(sys.argv[2], 'wb') as out:
    for spec in specs:
        builder = DefaultRecordBatchBuilder(magic=2, compression_type=spec['compression'],
            is_transactional=int(spec['transactional']), producer_id=spec['producerId'],
            producer_epoch=spec['producerEpoch'], base_sequence=spec['baseSequence'], batch_size=1 << 30)
        for i, r in enumerate(spec['records']):
            if builder.append(i, timestamp=r['timestamp'], key=unhex(r['key']), value=unhex(r['value']),
                              headers=[(k, unhex(v)) for k, v in r['headers']]) is None:
                raise SystemExit('record did not fit')
        out.write(bytes(builder.build()))
json.dump(len(specs), sys.stdout)
`;

describe('RecordBatch v2 and kafka-python', () => {
  test('kafka-python reads the batches we build, every codec and a commit marker, CRC valid', () => {
    const rng = new Rng(testSeed(401));
    const dir = tempDir('interop-v2-');
    const built = CASES.map(({ codec, options }) =>
      buildRecordBatch(randomRecords(rng, rng.int(1, 60)), { ...options, compression: codec }),
    );
    built.push(
      buildEndTransactionMarkerBatch('commit', { producerId: 9, producerEpoch: 4, coordinatorEpoch: 2, timestamp: T0 }),
    );
    writeFileSync(join(dir, 'ours.bin'), Buffer.concat(built));
    const theirs = runPython<Array<PlainBatch & { crcValid: boolean }>>(dir, 'read.py', PYTHON_READ, [
      join(dir, 'ours.bin'),
    ]);
    expect(theirs.map((b) => b.crcValid)).toEqual(built.map(() => true));
    expect(theirs.map(({ crcValid: _, ...rest }) => rest)).toEqual(built.map(plainBatch));
  });

  test('we read and validate what kafka-python builds, every codec', () => {
    const rng = new Rng(testSeed(402));
    const dir = tempDir('interop-v2-');
    const specs = CASES.map(({ codec, options }) => {
      const records = randomRecords(rng, rng.int(1, 60));
      return {
        compression: CODECS.indexOf(codec),
        transactional: options.transactional ?? false,
        producerId: options.producerId ?? -1,
        producerEpoch: options.producerEpoch ?? -1,
        baseSequence: options.baseSequence ?? -1,
        records: plainRecords(
          records.map((r, i) => ({
            offset: i,
            timestamp: r.timestamp!,
            key: r.key ?? null,
            value: r.value,
            headers: r.headers ?? [],
          })),
        ),
      };
    });
    writeFileSync(join(dir, 'specs.json'), JSON.stringify(specs));
    runPython<number>(dir, 'build.py', PYTHON_BUILD, [join(dir, 'specs.json'), join(dir, 'theirs.bin')]);
    const batches = [...RecordBatch.all(readFileSync(join(dir, 'theirs.bin')))];
    expect(batches).toHaveLength(specs.length);
    batches.forEach((batch, i) => {
      const spec = specs[i]!;
      const result = validateRecordBatchSync(batch.bytes);
      expect(result.recordCount).toBe(spec.records.length);
      expect(result.maxTimestamp).toBe(Math.max(...spec.records.map((r) => r.timestamp)));
      expect(plainBatch(batch.bytes)).toEqual({ ...spec, baseOffset: 0, control: false });
    });
  });
});

const require = createRequire(import.meta.url);
const kafkajsRecordBatch = (
  require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
    RecordBatch: (options: object) => Promise<{ buffer: Buffer }>;
  }
).RecordBatch;
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: object) => unknown;
const kafkajsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (
  decoder: unknown,
) => Promise<KafkajsBatch>;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;
const KafkajsLong = require('kafkajs/src/utils/long.js') as { fromValue(v: number): unknown };

interface KafkajsBatch {
  firstOffset: string;
  producerId: string;
  inTransaction: boolean;
  records: Array<{
    offset: string;
    timestamp: string;
    key: Buffer | null;
    value: Buffer | null;
    headers: { [key: string]: Buffer | Buffer[] };
  }>;
}

/** kafkajs keeps headers in an object: one header key per record, so tests use distinct keys. */
function kafkajsHeaders(headers: { [key: string]: Buffer | Buffer[] }): Array<[string, string | null]> {
  return Object.entries(headers).map(([key, value]): [string, string | null] => [
    key,
    hexOrNull(value as Buffer | null),
  ]);
}

describe('RecordBatch v2 and kafkajs', () => {
  test.each(['none', 'gzip'] as const)('%s: kafkajs decodes what we build', async (codec) => {
    const records = randomRecords(new Rng(testSeed(403)), 40);
    const bytes = buildRecordBatch(records, {
      compression: codec,
      baseOffset: 77,
      producerId: 3,
      producerEpoch: 0,
      baseSequence: 9,
    });
    const decoded = await kafkajsDecodeBatch(new KafkajsDecoder(bytes));
    expect([decoded.firstOffset, decoded.producerId]).toEqual(['77', '3']);
    const ours = plainRecords(RecordBatch.from(bytes).records());
    expect(
      decoded.records.map((r) => ({
        offset: Number(r.offset),
        timestamp: Number(r.timestamp),
        key: hexOrNull(r.key),
        value: hexOrNull(r.value),
        headers: kafkajsHeaders(r.headers),
      })),
    ).toEqual(ours);
  });

  test.each([0, 1] as const)('compression %i: we read and validate what kafkajs encodes', async (compression) => {
    const rng = new Rng(testSeed(404));
    const records = randomRecords(rng, 30).map((r) => ({
      ...r,
      key: r.key ?? Buffer.alloc(0),
      value: r.value ?? Buffer.alloc(0),
    }));
    const timestamps = records.map((r) => r.timestamp!);
    const encoded = records.map((r, i) =>
      kafkajsRecord({
        offsetDelta: i,
        timestampDelta: r.timestamp! - timestamps[0]!,
        key: r.key,
        value: r.value,
        headers: Object.fromEntries((r.headers ?? []).map((h) => [h.key, h.value ?? Buffer.alloc(0)])),
      }),
    );
    const { buffer } = await kafkajsRecordBatch({
      compression,
      firstOffset: KafkajsLong.fromValue(500),
      firstTimestamp: timestamps[0],
      maxTimestamp: Math.max(...timestamps),
      lastOffsetDelta: records.length - 1,
      records: encoded,
    });
    const result = validateRecordBatchSync(buffer);
    expect([result.recordCount, result.maxTimestamp, result.compression]).toEqual([
      30,
      Math.max(...timestamps),
      compression ? 'gzip' : 'none',
    ]);
    expect(plainRecords(RecordBatch.from(buffer).records())).toEqual(
      records.map((r, i) => ({
        offset: 500 + i,
        timestamp: r.timestamp!,
        key: hexOrNull(r.key),
        value: hexOrNull(r.value),
        headers: (r.headers ?? []).map((h): [string, string | null] => [
          h.key,
          (h.value ?? Buffer.alloc(0)).toString('hex'),
        ]),
      })),
    );
  });
});
