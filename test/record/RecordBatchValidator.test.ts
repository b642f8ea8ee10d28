import { describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import { native } from '../../src/native/addon.js';
import { buildRecordBatch, type BatchOptions, type RecordInput } from '../../src/record/RecordBatchBuilder.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import {
  correctMaxTimestamp,
  validateRecordBatch,
  validateRecordBatchSync,
  type BatchValidationOptions,
} from '../../src/record/RecordBatchValidator.js';
import { writeVarlong } from '../../src/record/varint.js';

const T0 = 1_700_000_000_000;
const records: RecordInput[] = [
  { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: T0 + 5 },
  { key: Buffer.from('b'), value: Buffer.from('2'), timestamp: T0 - 3 },
  { key: null, value: Buffer.from('3'), timestamp: T0 + 9 },
];

/** Rewrites the CRC after a deliberate edit, so the edit itself is what gets caught. */
function resign(bytes: Buffer): Buffer {
  bytes.writeUInt32BE(native.crc32c(bytes, BatchHeader.attributes), BatchHeader.crc);
  return bytes;
}

function codeOf(bytes: Buffer, options: BatchValidationOptions = {}): string {
  try {
    validateRecordBatchSync(bytes, options);
    return 'valid';
  } catch (error) {
    return isTributaryError(error) ? error.code : `untyped ${String(error)}`;
  }
}

describe('validateRecordBatch', () => {
  test('a well-formed batch: count, max timestamp and its offset delta', async () => {
    for (const compression of ['none', 'gzip', 'zstd'] as const) {
      const bytes = buildRecordBatch(records, { compression });
      const result = await validateRecordBatch(bytes);
      expect([result.recordCount, result.maxTimestamp, result.offsetDeltaOfMaxTimestamp, result.compression]).toEqual([
        3,
        T0 + 9,
        2,
        compression,
      ]);
      expect(validateRecordBatchSync(bytes).maxTimestamp).toBe(T0 + 9);
    }
  });

  test('header problems each have their code', () => {
    const good = buildRecordBatch(records);
    const flipped = Buffer.from(good);
    flipped[good.length - 1]! ^= 1;
    expect(codeOf(flipped)).toBe('ERR_CORRUPT_BATCH');
    expect(codeOf(Buffer.concat([good, Buffer.alloc(1)]))).toBe('ERR_INVALID_RECORD');
    expect(codeOf(good.subarray(0, 40))).toBe('ERR_TRUNCATED');
    const codec = Buffer.from(good);
    codec.writeInt16BE(6, BatchHeader.attributes);
    expect(codeOf(resign(codec))).toBe('ERR_UNSUPPORTED_COMPRESSION_TYPE');
    const count = Buffer.from(good);
    count.writeInt32BE(4, BatchHeader.recordCount);
    expect(codeOf(resign(count))).toBe('ERR_INVALID_RECORD');
    const delta = Buffer.from(good);
    delta.writeInt32BE(3, BatchHeader.lastOffsetDelta);
    expect(codeOf(resign(delta))).toBe('ERR_INVALID_RECORD');
  });

  // Kafka does not refuse a CreateTime header maxTimestamp that is not the records' largest: LogValidator
  // (assignOffsetsNonCompressed, validateMessagesAndAssignOffsetsCompressed) sets it with
  // DefaultRecordBatch.setMaxTimestamp, which rewrites the field and the CRC only when it differs.
  test.each(['none', 'gzip'] as const)(
    'a wrong header maxTimestamp (%s) is valid; correctMaxTimestamp sets the records largest',
    (compression) => {
      const good = buildRecordBatch(records, { compression });
      for (const wrong of [-1, T0 + 10]) {
        const bytes = Buffer.from(good);
        bytes.writeBigInt64BE(BigInt(wrong), BatchHeader.maxTimestamp);
        const result = validateRecordBatchSync(resign(bytes));
        expect(result.maxTimestamp).toBe(T0 + 9);
        expect(correctMaxTimestamp(bytes, result.maxTimestamp)).toBe(true);
        expect(bytes).toEqual(good);
      }
      const untouched = Buffer.from(good);
      expect(correctMaxTimestamp(untouched, T0 + 9)).toBe(false);
      expect(untouched).toEqual(good);
    },
  );

  // LogValidator.validateTimestamp checks CreateTime records `record.timestamp() != RecordBatch.NO_TIMESTAMP` only.
  test.each(['none', 'gzip'] as const)(
    'records without a timestamp (-1) are exempt from the bounds (%s)',
    (compression) => {
      const bounds = { now: T0, timestampBeforeMaxMs: 3, timestampAfterMaxMs: 9 };
      const none = [{ value: Buffer.from('x'), timestamp: -1 }];
      expect(codeOf(buildRecordBatch(none, { compression, baseTimestamp: -1 }), bounds)).toBe('valid');
      const mixed = [...none, ...records, ...none];
      expect(codeOf(buildRecordBatch(mixed, { compression, baseTimestamp: -1 }), bounds)).toBe('valid');
      expect(codeOf(buildRecordBatch(mixed, { compression }), { ...bounds, timestampBeforeMaxMs: 2 })).toBe(
        'ERR_INVALID_TIMESTAMP',
      );
      expect(codeOf(buildRecordBatch(mixed, { compression }), { ...bounds, timestampAfterMaxMs: 8 })).toBe(
        'ERR_INVALID_TIMESTAMP',
      );
    },
  );

  test('producer and control fields: clients only', () => {
    const build = (options: BatchOptions) => buildRecordBatch(records, options);
    expect(codeOf(build({ control: true }))).toBe('ERR_INVALID_RECORD');
    expect(codeOf(build({ control: true }), { origin: 'coordinator' })).toBe('valid');
    expect(codeOf(build({ producerId: 5, producerEpoch: 0 }))).toBe('ERR_INVALID_RECORD');
    expect(codeOf(build({ producerId: 5, producerEpoch: 0, baseSequence: 0 }))).toBe('valid');
    expect(codeOf(build({ transactional: true }))).toBe('ERR_INVALID_RECORD');
    expect(codeOf(build({ transactional: true, producerId: 5, producerEpoch: 0, baseSequence: 0 }))).toBe('valid');
  });

  test('records: framing, offset deltas, keys for compacted topics, timestamps', () => {
    const good = buildRecordBatch(records);
    const offsetDelta = Buffer.from(good);
    writeVarlong(offsetDelta, BatchHeader.size + 3, 1); // first record: length, attributes, timestampDelta(0), offsetDelta
    expect(codeOf(resign(offsetDelta))).toBe('ERR_INVALID_RECORD');
    const length = Buffer.from(good);
    length[BatchHeader.size]! += 2;
    expect(codeOf(resign(length))).toBe('ERR_INVALID_RECORD');
    expect(codeOf(good, { requireKeys: true })).toBe('ERR_INVALID_RECORD');
    expect(codeOf(buildRecordBatch(records.slice(0, 2)), { requireKeys: true })).toBe('valid');
    expect(codeOf(good, { now: T0, timestampBeforeMaxMs: 3, timestampAfterMaxMs: 9 })).toBe('valid');
    expect(codeOf(good, { now: T0, timestampBeforeMaxMs: 2 })).toBe('ERR_INVALID_TIMESTAMP');
    expect(codeOf(good, { now: T0, timestampAfterMaxMs: 8 })).toBe('ERR_INVALID_TIMESTAMP');
    expect(
      codeOf(buildRecordBatch(records, { timestampType: 'LogAppendTime' }), { now: 0, timestampBeforeMaxMs: 1 }),
    ).toBe('valid');
  });

  test('a corrupt compressed payload and a decompression bound are typed', () => {
    const zipped = buildRecordBatch(records, { compression: 'gzip' });
    const broken = Buffer.from(zipped);
    broken.fill(0x55, BatchHeader.size + 10, BatchHeader.size + 20);
    expect(codeOf(resign(broken))).toBe('ERR_CORRUPT_COMPRESSED');
    const large = buildRecordBatch([{ value: Buffer.alloc(100_000) }], { compression: 'zstd' });
    expect(codeOf(large, { maxDecompressedBytes: 50_000 })).not.toBe('valid');
  });
});
