import { describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import type { CompressionCodec } from '../../src/record/Compression.js';
import type { Record } from '../../src/record/Record.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import {
  buildRecordBatch,
  buildRecordBatchAsync,
  RecordBatchBuilder,
  type RecordInput,
} from '../../src/record/RecordBatchBuilder.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';

const CODECS: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const T0 = 1_700_000_000_000;

function sampleRecords(count: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 5 === 4 ? null : Buffer.from(`value-${i}-`.repeat(1 + (i % 7))),
    headers:
      i % 2
        ? [
            { key: 'h', value: Buffer.from([i]) },
            { key: 'ü', value: null },
          ]
        : [],
    timestamp: T0 + ((i * 37) % 11) - 5,
  }));
}

function plain(
  records: Iterable<{
    offset: number;
    timestamp: number;
    key: Buffer | null;
    value: Buffer | null;
    headers: { key: string; value: Buffer | null }[];
  }>,
) {
  return [...records].map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key?.toString('hex') ?? null,
    value: r.value?.toString('hex') ?? null,
    headers: r.headers.map((h) => [h.key, h.value?.toString('hex') ?? null]),
  }));
}

function expected(records: RecordInput[], baseOffset: number) {
  return records.map((r, i) => ({
    offset: baseOffset + i,
    timestamp: r.timestamp!,
    key: r.key?.toString('hex') ?? null,
    value: r.value?.toString('hex') ?? null,
    headers: (r.headers ?? []).map((h) => [h.key, h.value?.toString('hex') ?? null]),
  }));
}

describe('RecordBatch', () => {
  test.each(CODECS)('%s: records read back as built, header fields as asked', async (codec) => {
    const records = sampleRecords(50);
    const options = {
      compression: codec,
      baseOffset: 1000,
      producerId: 7,
      producerEpoch: 3,
      baseSequence: 11,
      partitionLeaderEpoch: 4,
    };
    const bytes = buildRecordBatch(records, options);
    const batch = RecordBatch.from(bytes);
    expect(batch.isValid()).toBe(true);
    expect(batch.compression).toBe(codec);
    expect([batch.baseOffset, batch.lastOffset, batch.recordCount]).toEqual([1000, 1049, 50]);
    expect([batch.producerId, batch.producerEpoch, batch.baseSequence, batch.partitionLeaderEpoch]).toEqual([
      7, 3, 11, 4,
    ]);
    expect(batch.baseTimestamp).toBe(records[0]!.timestamp);
    expect(batch.maxTimestamp).toBe(Math.max(...records.map((r) => r.timestamp!)));
    expect(plain(batch.records())).toEqual(expected(records, 1000));
    expect(plain(await batch.recordsAsync())).toEqual(expected(records, 1000));
    const handed: Record[] = [];
    for (const reader of [batch.reader(), batch.reader(await batch.recordsSectionAsync())]) {
      for (let record = reader.next(); record !== null; record = reader.next()) handed.push(record);
    }
    expect(plain(handed)).toEqual([...expected(records, 1000), ...expected(records, 1000)]);
    const built = RecordBatch.from(await buildRecordBatchAsync(records, options));
    expect(built.isValid()).toBe(true);
    expect(plain(built.records())).toEqual(expected(records, 1000));
  });

  test('keys and values of an uncompressed batch are views into it, even where it starts inside a larger buffer', () => {
    const bytes = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }]);
    const [record] = [...RecordBatch.from(bytes).records()];
    expect(record!.value!.buffer).toBe(bytes.buffer);
    bytes[bytes.length - 2] = 'w'.charCodeAt(0); // the value byte, before the header count
    expect(record!.value!.toString()).toBe('w');

    const records = sampleRecords(20);
    const inside = Buffer.concat([Buffer.from('prefix'), buildRecordBatch(records), Buffer.from('suffix')]).subarray(
      6,
      -6,
    );
    const read = [...RecordBatch.from(inside).records()];
    expect(plain(read)).toEqual(expected(records, 0));
    for (const r of read.filter((r) => r.value !== null)) {
      expect(Buffer.isBuffer(r.value)).toBe(true);
      expect(r.value).toStrictEqual(Buffer.from(r.value!));
      expect(r.value!.buffer).toBe(inside.buffer);
    }
  });

  test('LogAppendTime: every record takes the batch maxTimestamp', () => {
    const bytes = buildRecordBatch(sampleRecords(3), { timestampType: 'LogAppendTime' });
    const batch = RecordBatch.from(bytes);
    expect(batch.timestampType).toBe('LogAppendTime');
    expect([...batch.records()].map((r) => r.timestamp)).toEqual([
      batch.maxTimestamp,
      batch.maxTimestamp,
      batch.maxTimestamp,
    ]);
  });

  test('the builder grows past its initial capacity and counts records', () => {
    const builder = new RecordBatchBuilder({ baseTimestamp: T0 }, 64);
    for (let i = 0; i < 1000; i++) expect(builder.append({ value: Buffer.alloc(100, i) })).toBe(i);
    expect(builder.recordCount).toBe(1000);
    const batch = RecordBatch.from(builder.build());
    expect(batch.sizeInBytes).toBe(builder.uncompressedSize);
    expect([...batch.records()].map((r) => r.value![0])).toEqual(Array.from({ length: 1000 }, (_, i) => i & 0xff));
    expect(() => new RecordBatchBuilder().build()).toThrow(RangeError);
  });

  test('the builder encodes into a given buffer, over whatever it held, and grows out of it', () => {
    const given = Buffer.alloc(4096, 0xee);
    const builder = new RecordBatchBuilder({ baseTimestamp: T0 }, given);
    for (let i = 0; i < 100; i++) builder.append({ value: Buffer.alloc(10, i), timestamp: T0 });
    const built = builder.build();
    expect(built.buffer).toBe(given.buffer);
    const expected = buildRecordBatch(
      Array.from({ length: 100 }, (_, i) => ({ value: Buffer.alloc(10, i), timestamp: T0 })),
    );
    expect(built.equals(expected)).toBe(true);
    const grown = new RecordBatchBuilder({ baseTimestamp: T0 }, Buffer.alloc(100));
    grown.append({ value: Buffer.alloc(500, 7), timestamp: T0 });
    expect([...RecordBatch.from(grown.build()).records()][0]!.value).toEqual(Buffer.alloc(500, 7));
  });

  test('all() yields whole batches and skips a cut last one; from() types bad framing', () => {
    const a = buildRecordBatch(sampleRecords(2));
    const b = buildRecordBatch(sampleRecords(3), { baseOffset: 2 });
    const both = Buffer.concat([a, b]);
    expect([...RecordBatch.all(both)].map((x) => x.recordCount)).toEqual([2, 3]);
    expect([...RecordBatch.all(both.subarray(0, both.length - 1))].map((x) => x.recordCount)).toEqual([2]);
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return isTributaryError(error) ? error.code : 'untyped';
      }
      return 'none';
    };
    expect(codeOf(() => RecordBatch.from(a.subarray(0, 60)))).toBe('ERR_TRUNCATED');
    expect(codeOf(() => RecordBatch.from(a.subarray(0, a.length - 1)))).toBe('ERR_TRUNCATED');
    const badMagic = Buffer.from(a);
    badMagic[BatchHeader.magic] = 1;
    expect(codeOf(() => RecordBatch.from(badMagic))).toBe('ERR_CORRUPT_BATCH');
  });
});
