import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { KafkaErrors } from '../../src/errors.js';
import { Log } from '../../src/log/Log.js';
import type { LogConfig } from '../../src/log/LogConfig.js';
import { native } from '../../src/native/addon.js';
import { compressSync, CompressionType, type CompressionCodec } from '../../src/record/Compression.js';
import { buildEndTransactionMarkerBatch } from '../../src/record/ControlRecord.js';
import { buildRecordBatch, type BatchOptions } from '../../src/record/RecordBatchBuilder.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = 1_700_000_000_000;
const records = (n: number, size = 100, t0 = T0) =>
  Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(size, i), timestamp: t0 + i }));

function resign(bytes: Buffer): Buffer {
  bytes.writeUInt32BE(native.crc32c(bytes, BatchHeader.attributes), BatchHeader.crc);
  return bytes;
}

/** An uncompressed batch whose first record's length is off by one: CRC valid, records not. */
function malformedRecords(options: BatchOptions = {}): Buffer {
  const bytes = buildRecordBatch(records(3), options);
  bytes[BatchHeader.size]! ^= 0x02;
  return resign(bytes);
}

/** `batch` (uncompressed) with its records section compressed by `codec`, CRC recomputed. */
function compressedFrom(batch: Buffer, codec: CompressionCodec): Buffer {
  const section = compressSync(codec, batch.subarray(BatchHeader.size));
  const bytes = Buffer.concat([batch.subarray(0, BatchHeader.size), section]);
  bytes.writeInt32BE(bytes.length - BatchHeader.logOverhead, BatchHeader.batchLength);
  bytes.writeInt16BE(bytes.readInt16BE(BatchHeader.attributes) | CompressionType[codec], BatchHeader.attributes);
  return resign(bytes);
}

/** Every file of the log directory, for "nothing was written" checks. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name)).toString('hex')]));
}

async function openWithOneBatch(config: Partial<LogConfig> = {}) {
  const dir = tempDir();
  const log = Log.open({ dir, config: { segmentIndexBytes: 4096, ...config } });
  await log.append(buildRecordBatch(records(2, 100, Date.now())));
  return { dir, log, before: snapshot(dir) };
}

describe('Log record validation', () => {
  test.each([
    ['malformed records, uncompressed (checked by the native append)', () => malformedRecords(), 'ERR_INVALID_RECORD'],
    ['malformed records inside gzip', () => compressedFrom(malformedRecords(), 'gzip'), 'ERR_INVALID_RECORD'],
    ['malformed records inside zstd', () => compressedFrom(malformedRecords(), 'zstd'), 'ERR_INVALID_RECORD'],
    [
      'a gzip payload that is not gzip',
      () => resign(compressedFrom(buildRecordBatch(records(3)), 'gzip').fill(7, 70, 80)),
      'ERR_CORRUPT_COMPRESSED',
    ],
    [
      'an unknown codec',
      () => resign(buildRecordBatch(records(3)).fill(5, BatchHeader.attributes + 1, BatchHeader.attributes + 2)),
      'ERR_UNSUPPORTED_COMPRESSION_TYPE',
    ],
    [
      'a control batch from a client',
      () => buildEndTransactionMarkerBatch('commit', { producerId: 1, producerEpoch: 0, coordinatorEpoch: 0 }),
      'ERR_INVALID_RECORD',
    ],
    [
      'a producer id without a sequence',
      () => buildRecordBatch(records(2), { producerId: 9, producerEpoch: 0 }),
      'ERR_INVALID_RECORD',
    ],
    [
      'a transactional batch without a producer id',
      () => buildRecordBatch(records(2), { transactional: true }),
      'ERR_INVALID_RECORD',
    ],
  ])('%s: refused with its code, nothing written', async (_, make, code) => {
    const { dir, log, before } = await openWithOneBatch();
    await expect(log.append(make())).rejects.toMatchObject({ code, position: 0 });
    expect(log.logEndOffset).toBe(2);
    expect(snapshot(dir)).toEqual(before);
    await log.close();
  });

  // Kafka's LogValidator sets a CreateTime batch's maxTimestamp to its records' largest
  // (batch.setMaxTimestamp(timestampType, maxBatchTimestamp) in assignOffsetsNonCompressed,
  // firstBatch.setMaxTimestamp in validateMessagesAndAssignOffsetsCompressed), rewriting the CRC.
  test.each([
    ['uncompressed (refused by the native append, corrected, written again)', 'none', {}],
    ['gzip', 'gzip', {}],
    ['uncompressed, timestamps bounded (checked before the write)', 'none', { messageTimestampBeforeMaxMs: 3.6e6 }],
  ] as const)('a header maxTimestamp of -1, %s: corrected in place and appended', async (_, compression, config) => {
    const { log } = await openWithOneBatch(config);
    const now = Date.now();
    // As stored: stamped with the single node's leader epoch, 0 (LogValidator).
    const good = buildRecordBatch(records(3, 100, now), { compression, partitionLeaderEpoch: 0 });
    const sent = resign(Buffer.from(good).fill(0xff, BatchHeader.maxTimestamp, BatchHeader.maxTimestamp + 8));
    expect(await log.append(sent)).toMatchObject({ baseOffset: 2, lastOffset: 4 });
    expect(sent.readBigInt64BE(BatchHeader.maxTimestamp)).toBe(BigInt(now + 2));
    const written = log.read(2, 1 << 20).records;
    expect(written.subarray(BatchHeader.batchLength)).toEqual(good.subarray(BatchHeader.batchLength));
    expect(log.offsetOfMaxTimestamp()).toEqual({ timestamp: now + 2, offset: 4 });
    await log.close();
  });

  // LogValidator.validateTimestamp exempts RecordBatch.NO_TIMESTAMP (-1) from the bounds.
  test('records without a timestamp are appended under message.timestamp.before.max.ms', async () => {
    const { log } = await openWithOneBatch({ messageTimestampBeforeMaxMs: 60_000 });
    const none = [{ value: Buffer.from('x'), timestamp: -1 }];
    expect(await log.append(buildRecordBatch(none, { baseTimestamp: -1 }))).toMatchObject({ baseOffset: 2 });
    await log.close();
  });

  // LogValidator.validateTimestamp reads a LogAppendTime batch's records at its maxTimestamp and refuses -1
  // ("Producer should not set timestamp type to LogAppendTime"); setMaxTimestamp(CREATE_TIME, ...) then clears the bit.
  test.each(['none', 'gzip'] as const)(
    'a client batch marked LogAppendTime (%s) is stored CreateTime; with maxTimestamp -1, INVALID_TIMESTAMP',
    async (compression) => {
      const { log } = await openWithOneBatch();
      const now = Date.now();
      const createTime = buildRecordBatch(records(3, 100, now), { compression, partitionLeaderEpoch: 0 });
      const sent = buildRecordBatch(records(3, 100, now), { compression, timestampType: 'LogAppendTime' });
      expect(await log.append(Buffer.from(sent))).toMatchObject({ baseOffset: 2 });
      expect(log.read(2, 1 << 20).records.subarray(BatchHeader.batchLength)).toEqual(
        createTime.subarray(BatchHeader.batchLength),
      );
      const none = resign(Buffer.from(sent).fill(0xff, BatchHeader.maxTimestamp, BatchHeader.maxTimestamp + 8));
      await expect(log.append(none)).rejects.toMatchObject({ code: 'ERR_INVALID_TIMESTAMP' });
      const corrupt = Buffer.from(sent);
      corrupt[corrupt.length - 1]! ^= 1;
      await expect(log.append(corrupt)).rejects.toMatchObject({ code: 'ERR_CORRUPT_BATCH' });
      expect(log.logEndOffset).toBe(5);
      await log.close();
    },
  );

  test('idempotent and transactional client batches are appended', async () => {
    const { log } = await openWithOneBatch();
    const producer = { producerId: 2 ** 40 + 7, producerEpoch: 1, baseSequence: 0 };
    expect(await log.append(buildRecordBatch(records(2), producer))).toMatchObject({ baseOffset: 2 });
    expect(
      await log.append(buildRecordBatch(records(2), { ...producer, baseSequence: 2, transactional: true })),
    ).toMatchObject({ baseOffset: 4 });
    await log.close();
  });

  test('valid compressed batches and coordinator markers are appended', async () => {
    const { log } = await openWithOneBatch();
    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const)
      await log.append(buildRecordBatch(records(50, 2000), { compression }));
    const marker = buildEndTransactionMarkerBatch('abort', { producerId: 1, producerEpoch: 0, coordinatorEpoch: 0 });
    expect(await log.append(marker, { origin: 'coordinator' })).toMatchObject({ baseOffset: 202, lastOffset: 202 });
    await log.close();
  });

  test('timestamps outside message.timestamp.{before,after}.max.ms are INVALID_TIMESTAMP', async () => {
    const { log } = await openWithOneBatch({ messageTimestampBeforeMaxMs: 60_000, messageTimestampAfterMaxMs: 60_000 });
    const now = Date.now();
    const at = (timestamp: number, compression: CompressionCodec = 'none') =>
      log.append(buildRecordBatch([{ value: Buffer.from('x'), timestamp }], { compression }));
    await expect(at(now - 120_000)).rejects.toMatchObject({ code: 'ERR_INVALID_TIMESTAMP' });
    await expect(at(now + 120_000, 'gzip')).rejects.toMatchObject({ code: 'ERR_INVALID_TIMESTAMP' });
    await expect(at(now - 120_000)).rejects.toSatisfy(
      (e: { kafka: unknown }) => e.kafka === KafkaErrors.INVALID_TIMESTAMP,
    );
    expect(await at(now)).toMatchObject({ baseOffset: 2 });
    await log.close();
  });

  test('appends land in call order while a compressed one is decompressed off the main thread', async () => {
    const { log } = await openWithOneBatch({ maxMessageBytes: 4 << 20 });
    const values = records(400).map((r) => ({ ...r, value: randomBytes(4000) }));
    const big = buildRecordBatch(values, { compression: 'zstd' }); // 1.6 MB that does not compress: decompressed off the main thread
    expect(big.length).toBeGreaterThan(1_000_000);
    const bad = compressedFrom(malformedRecords(), 'zstd');
    const small = buildRecordBatch(records(1));
    const appends = [log.append(big), log.append(small), log.append(bad), log.append(small), log.append(big)];
    const closed = log.close(); // appends already called still land
    const results = await Promise.allSettled(appends);
    await closed;
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value.baseOffset : (r.reason as { code: string }).code)),
    ).toEqual([2, 402, 'ERR_INVALID_RECORD', 403, 404]);
  });
});
