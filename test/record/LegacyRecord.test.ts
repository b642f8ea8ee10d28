import { crc32 } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { TributaryError } from '../../src/errors.js';
import {
  legacyRecordSize,
  NO_TIMESTAMP,
  readLegacyRecord,
  writeLegacyRecord,
  type LegacyRecordFields,
} from '../../src/record/LegacyRecord.js';
import { errorCodeOf } from '../helpers/legacy.js';

function write(fields: LegacyRecordFields): Buffer {
  const out = Buffer.alloc(legacyRecordSize(fields.magic, fields.key ?? null, fields.value));
  expect(writeLegacyRecord(out, 0, fields)).toBe(out.length);
  return out;
}

/** Rewrites the CRC so a deliberately broken field is what the reader trips on. */
function reseal(message: Buffer): Buffer {
  message.writeUInt32BE(crc32(message.subarray(4)), 0);
  return message;
}

describe('LegacyRecord', () => {
  test.each([
    { magic: 0 as const, key: Buffer.from('k'), value: Buffer.from('value') },
    { magic: 0 as const, key: null, value: null },
    { magic: 1 as const, key: null, value: Buffer.alloc(0), timestamp: 1_700_000_000_123 },
    {
      magic: 1 as const,
      key: Buffer.alloc(0),
      value: Buffer.from('v'),
      timestamp: 5,
      timestampType: 'LogAppendTime' as const,
    },
  ])('round trip magic $magic key=$key value=$value', (fields) => {
    const read = readLegacyRecord(write(fields));
    expect(read).toMatchObject({
      magic: fields.magic,
      compression: 'none',
      timestamp: fields.magic === 0 ? NO_TIMESTAMP : fields.timestamp,
      timestampType: fields.timestampType ?? 'CreateTime',
      key: fields.key,
      value: fields.value,
    });
  });

  test('v0 has no timestamp field and ignores a LogAppendTime request', () => {
    const v0 = write({ magic: 0, value: Buffer.from('x'), timestamp: 99, timestampType: 'LogAppendTime' });
    expect(v0.length).toBe(14 + 1);
    expect(readLegacyRecord(v0)).toMatchObject({ timestamp: NO_TIMESTAMP, timestampType: 'CreateTime' });
  });

  test('the stored CRC is zlib CRC-32 over the bytes after it', () => {
    const message = write({ magic: 1, key: Buffer.from('a'), value: Buffer.from('b'), timestamp: 1 });
    expect(message.readUInt32BE(0)).toBe(crc32(message.subarray(4)));
  });

  test('a flipped bit fails the CRC', () => {
    const message = write({ magic: 1, key: Buffer.from('key'), value: Buffer.from('value'), timestamp: 1 });
    for (let i = 0; i < message.length * 8; i++) {
      const copy = Buffer.from(message);
      copy[i >> 3]! ^= 1 << (i & 7);
      expect(
        errorCodeOf(() => readLegacyRecord(copy)),
        `bit ${i}`,
      ).toBe('ERR_CORRUPT_BATCH');
    }
  });

  test('bad magic, impossible lengths, trailing bytes and zstd are typed errors', () => {
    const base = (): Buffer => write({ magic: 0, key: Buffer.from('kk'), value: Buffer.from('vvv') });
    const badMagic = base();
    badMagic[4] = 2;
    expect(errorCodeOf(() => readLegacyRecord(reseal(badMagic)))).toBe('ERR_CORRUPT_BATCH');
    const longKey = base();
    longKey.writeInt32BE(0x7fffffff, 6);
    expect(errorCodeOf(() => readLegacyRecord(reseal(longKey)))).toBe('ERR_CORRUPT_BATCH');
    const negativeValue = base();
    negativeValue.writeInt32BE(-2, 12);
    expect(errorCodeOf(() => readLegacyRecord(reseal(negativeValue)))).toBe('ERR_CORRUPT_BATCH');
    const trailing = reseal(Buffer.concat([base(), Buffer.from([0])]));
    expect(errorCodeOf(() => readLegacyRecord(trailing))).toBe('ERR_CORRUPT_BATCH');
    expect(errorCodeOf(() => readLegacyRecord(base().subarray(0, 13)))).toBe('ERR_CORRUPT_BATCH');
    const zstd = base();
    zstd[5] = 4;
    expect(errorCodeOf(() => readLegacyRecord(reseal(zstd)))).toBe('ERR_UNSUPPORTED_COMPRESSION_TYPE');
    const unknownCodec = base();
    unknownCodec[5] = 7;
    expect(errorCodeOf(() => readLegacyRecord(reseal(unknownCodec)))).toBe('ERR_UNSUPPORTED_COMPRESSION_TYPE');
  });

  test("an unsupported codec goes on the wire as Kafka's UNSUPPORTED_COMPRESSION_TYPE (76 in Errors.java)", () => {
    expect(new TributaryError('x', 'ERR_UNSUPPORTED_COMPRESSION_TYPE').kafka).toMatchObject({
      code: 76,
      retriable: false,
    });
  });
});
