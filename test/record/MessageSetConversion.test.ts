import { describe, expect, test } from 'vitest';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import {
  buildMessageSet,
  messageSetEntries,
  messageSetRecords,
  type LegacyRecordInput,
} from '../../src/record/MessageSet.js';
import { messageSetToRecordBatches, recordBatchesToMessageSet } from '../../src/record/MessageSetConversion.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { validateRecordBatchSync } from '../../src/record/RecordBatchValidator.js';
import { errorCodeOf } from '../helpers/legacy.js';

const T0 = 1_700_000_000_000;

const legacyRecords: LegacyRecordInput[] = Array.from({ length: 6 }, (_, i) => ({
  timestamp: T0 + ((i * 37) % 11),
  key: i === 2 ? null : Buffer.from(`k${i}`),
  value: i === 4 ? null : Buffer.from(`value-${i}`.repeat(i)),
}));

const plain = (records: Iterable<{ offset: number; timestamp: number; key: Buffer | null; value: Buffer | null }>) =>
  [...records].map(({ offset, timestamp, key, value }) => ({ offset, timestamp, key, value }));

describe('messageSetToRecordBatches (legacy produce -> one v2 batch)', () => {
  test.each([
    [0, 'none'],
    [0, 'gzip'],
    [1, 'none'],
    [1, 'snappy'],
    [1, 'lz4'],
  ] as const)(
    'magic %i %s keeps the codec, keys, values and timestamps; offsets from baseOffset',
    (magic, compression) => {
      const set = buildMessageSet(legacyRecords, { magic, compression, baseOffset: 900 });
      const bytes = messageSetToRecordBatches(set, { baseOffset: 100 });
      const batch = RecordBatch.from(bytes);
      expect(batch.sizeInBytes).toBe(bytes.length);
      expect(batch.compression).toBe(compression);
      expect(validateRecordBatchSync(bytes).recordCount).toBe(legacyRecords.length);
      expect(plain(batch.records())).toEqual(
        legacyRecords.map((r, i) => ({
          offset: 100 + i,
          timestamp: magic === 0 ? -1 : r.timestamp,
          key: r.key,
          value: r.value,
        })),
      );
    },
  );

  test('LogAppendTime stamps the broker time', () => {
    const set = buildMessageSet(legacyRecords, { magic: 1, compression: 'gzip' });
    const batch = RecordBatch.from(messageSetToRecordBatches(set, { timestampType: 'LogAppendTime', now: T0 + 999 }));
    expect(batch.timestampType).toBe('LogAppendTime');
    expect(batch.maxTimestamp).toBe(T0 + 999);
    expect([...batch.records()].every((r) => r.timestamp === T0 + 999)).toBe(true);
    // The records keep the client's timestamps underneath, as Kafka's builder leaves them.
    expect(batch.baseTimestamp).toBe(legacyRecords[0]!.timestamp);
  });

  test("what Kafka's LogValidator refuses: more than a single wrapper, mixed magic, nothing, a torn entry", () => {
    const wrapper = buildMessageSet(legacyRecords, { magic: 1, compression: 'gzip' });
    const v1 = buildMessageSet(legacyRecords, { magic: 1 });
    const v0 = buildMessageSet(legacyRecords, { magic: 0 });
    expect(errorCodeOf(() => messageSetToRecordBatches(Buffer.concat([wrapper, wrapper])))).toBe('ERR_INVALID_RECORD');
    expect(errorCodeOf(() => messageSetToRecordBatches(Buffer.concat([v1, wrapper])))).toBe('ERR_INVALID_RECORD');
    expect(errorCodeOf(() => messageSetToRecordBatches(Buffer.concat([v1, v0])))).toBe('ERR_INVALID_RECORD');
    expect(errorCodeOf(() => messageSetToRecordBatches(Buffer.alloc(0)))).toBe('ERR_INVALID_RECORD');
    expect(errorCodeOf(() => messageSetToRecordBatches(v1.subarray(0, v1.length - 1)))).toBe('ERR_TRUNCATED');
  });
});

describe('recordBatchesToMessageSet (down-conversion for old fetchers)', () => {
  const v2 = Array.from({ length: 9 }, (_, i) => ({
    key: Buffer.from(`key${i}`),
    value: Buffer.from(`v${i}`),
    headers: [{ key: 'dropped', value: Buffer.from('x') }],
    timestamp: T0 + i * 3,
  }));
  const log = Buffer.concat([
    buildRecordBatch(v2.slice(0, 4), { baseOffset: 20 }),
    buildEndTransactionMarkerBatch('commit', { producerId: 7, producerEpoch: 0, coordinatorEpoch: 1, timestamp: T0 }),
    buildRecordBatch(v2.slice(4), { baseOffset: 24, compression: 'gzip' }),
  ]);
  const expected = (magic: 0 | 1) =>
    v2.map((r, i) => ({ offset: 20 + i, timestamp: magic === 0 ? -1 : r.timestamp, key: r.key, value: r.value }));

  test.each([0, 1] as const)('magic %i: offsets, keys, values kept; control batch and headers dropped', (magic) => {
    const set = recordBatchesToMessageSet(log, magic);
    expect(plain(messageSetRecords(set, { source: 'produce' }))).toEqual(expected(magic));
    const entries = [...messageSetEntries(set)];
    expect(entries.map((e) => e.record.compression)).toEqual(['none', 'none', 'none', 'none', 'gzip']);
    expect(entries.every((e) => e.record.magic === magic)).toBe(true);
  });

  test('records before the fetch offset are left out, and a torn last batch is skipped', () => {
    const set = recordBatchesToMessageSet(log.subarray(0, log.length - 5), 1, { firstOffset: 22 });
    expect(plain(messageSetRecords(set))).toEqual(expected(1).slice(2, 4));
  });

  test('a LogAppendTime batch becomes a LogAppendTime v1 wrapper with the batch time', () => {
    const batch = buildRecordBatch(v2, { compression: 'snappy', timestampType: 'LogAppendTime' });
    const logAppendTime = RecordBatch.from(batch).maxTimestamp;
    const [wrapper] = [...messageSetEntries(recordBatchesToMessageSet(batch, 1))];
    expect(wrapper!.record).toMatchObject({ timestampType: 'LogAppendTime', timestamp: logAppendTime });
  });

  test('codecs old clients cannot read are refused: zstd, and lz4 at magic 0', () => {
    expect(errorCodeOf(() => recordBatchesToMessageSet(buildRecordBatch(v2, { compression: 'zstd' }), 1))).toBe(
      'ERR_UNSUPPORTED_COMPRESSION_TYPE',
    );
    expect(errorCodeOf(() => recordBatchesToMessageSet(buildRecordBatch(v2, { compression: 'lz4' }), 0))).toBe(
      'ERR_UNSUPPORTED_COMPRESSION_TYPE',
    );
  });

  test('down then up again gives the same keys, values and timestamps', () => {
    const firstBatch = RecordBatch.from(log).bytes;
    const back = RecordBatch.from(
      messageSetToRecordBatches(recordBatchesToMessageSet(firstBatch, 1), { baseOffset: 20 }),
    );
    expect(plain(back.records())).toEqual(expected(1).slice(0, 4));
  });
});
