import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { BUILT_IN_PROCESS, Log } from '../../src/log/Log.js';
import { LogSegment } from '../../src/log/LogSegment.js';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { BatchHeader } from '../../src/record/RecordBatchHeader.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';
import { checkLogFiles } from './check.js';

const T0 = 1_700_000_000_000;

function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort();
}

describe('Log append and read', () => {
  test('assigns consecutive offsets and reads whole batches back', async () => {
    const log = Log.open({ dir: tempDir() });
    expect(await log.append(sampleBatch(0, 3))).toEqual({
      baseOffset: 0,
      lastOffset: 2,
      batches: 1,
      bytes: expect.any(Number),
    });
    expect(await log.append(Buffer.concat([sampleBatch(1, 2), sampleBatch(2, 5)]))).toMatchObject({
      baseOffset: 3,
      lastOffset: 9,
      batches: 2,
    });
    expect(log.logEndOffset).toBe(10);

    const read = log.read(4, 1 << 20); // offset 4 sits inside the batch starting at 3
    expect(read.firstOffset).toBe(3);
    expect(read.records.readBigInt64BE(0)).toBe(3n);
    expect(read.records.length).toBe(sampleBatch(1, 2).length + sampleBatch(2, 5).length);
    expect(read.logEndOffset).toBe(10);
    expect(log.read(10, 100).records.length).toBe(0);
    expect(() => log.read(11, 100)).toThrow(expect.objectContaining({ code: 'ERR_OFFSET_OUT_OF_RANGE' }));
    await log.close();
  });

  test('maxBytes cuts at batch boundaries but always returns the first batch', async () => {
    const log = Log.open({ dir: tempDir() });
    const a = sampleBatch(1, 4, 200);
    const b = sampleBatch(2, 4, 200);
    await log.append(Buffer.concat([a, b]));
    expect(log.read(0, 10).records.length).toBe(a.length);
    expect(log.read(0, a.length + b.length - 1).records.length).toBe(a.length);
    expect(log.read(0, a.length + b.length).records.length).toBe(a.length + b.length);
    await log.close();
  });

  test('rolls by segment.bytes into Kafka-named segments, and reads across them', async () => {
    const dir = tempDir();
    const log = Log.open({ dir, config: { segmentBytes: 2048, indexIntervalBytes: 256 } });
    for (let i = 0; i < 40; i++) await log.append(sampleBatch(i, 2, 100));
    const files = segmentFiles(dir);
    expect(files.length).toBeGreaterThan(5);
    expect(files[0]).toBe('00000000000000000000.log');
    expect(files.every((f) => /^\d{20}\.log$/.test(f))).toBe(true);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(2048);
    for (let offset = 0; offset < 80; offset += 7) {
      const read = log.read(offset, 1);
      expect(read.firstOffset).toBe(offset - (offset % 2));
    }
    expect(log.segmentBaseOffsets.map((o) => o.toString().padStart(20, '0') + '.log')).toEqual(files);
    await log.close();
  });

  test('rolls by segment.ms using batch timestamps, and when an index fills', async () => {
    const timed = Log.open({ dir: tempDir(), config: { segmentMs: 1000 } });
    await timed.append(sampleBatch(0, 1, 10, T0));
    await timed.append(sampleBatch(1, 1, 10, T0 + 500));
    expect(timed.segmentCount).toBe(1);
    await timed.append(sampleBatch(2, 1, 10, T0 + 1500));
    expect(timed.segmentBaseOffsets).toEqual([0, 2]);
    await timed.close();

    const indexed = Log.open({ dir: tempDir(), config: { segmentIndexBytes: 24, indexIntervalBytes: 0 } });
    for (let i = 0; i < 12; i++) await indexed.append(sampleBatch(i, 1, 10, T0 + i));
    expect(indexed.segmentCount).toBeGreaterThan(2);
    await indexed.close();
  });

  test.each(['none', 'gzip', 'zstd'] as const)(
    'offsetForTimestamp finds the first record at or after a time (%s batches)',
    async (compression) => {
      const log = Log.open({ dir: tempDir(), config: { segmentBytes: 512, indexIntervalBytes: 128 } });
      for (let i = 0; i < 30; i++) {
        const records = [0, 1, 2].map((j) => ({ value: Buffer.from(`v${i}.${j}`), timestamp: T0 + i * 100 + j * 10 }));
        await log.append(buildRecordBatch(records, { baseTimestamp: T0 + i * 100, compression }));
      }
      expect(log.offsetForTimestamp(T0)).toEqual({ timestamp: T0, offset: 0 });
      expect(log.offsetForTimestamp(T0 + 1205)).toEqual({ timestamp: T0 + 1210, offset: 37 });
      expect(log.offsetForTimestamp(T0 + 1221)).toEqual({ timestamp: T0 + 1300, offset: 39 });
      expect(log.offsetForTimestamp(T0 + 2921)).toBeNull();
      expect(log.offsetOfMaxTimestamp()).toEqual({ timestamp: T0 + 2920, offset: 89 });
      expect(log.segmentCount).toBeGreaterThan(3);
      await log.close();
    },
  );

  test('reads at the tail of a growing segment count their own bytes as external memory, not the segment', async () => {
    // V8 counts each native view's whole length as external memory when it is made, and
    // forces a full GC once enough is counted: a follower's fetch per append must not
    // count the segment's size each time (LogSegment.view).
    const log = Log.open({ dir: tempDir() });
    for (let i = 0; i < 64; i++) await log.append(sampleBatch(i, 4, 16 << 10));
    expect(log.read(0, 1 << 20).records.length).toBeGreaterThan(0);
    const views: Buffer[] = [];
    const before = process.memoryUsage().external;
    for (let i = 0; i < 40; i++) {
      const { baseOffset } = await log.append(sampleBatch(100 + i, 1, 16 << 10));
      views.push(log.read(baseOffset, 1 << 20).records);
    }
    const counted = process.memoryUsage().external - before;
    expect(views.every((v) => v.length > 16 << 10)).toBe(true);
    // 40 tail reads of ~16 KiB each, and the appended batches: well under one view of the 4 MiB segment.
    expect(counted).toBeLessThan(4 << 20);
    await log.close();
  });

  test('reads of a sealed segment share one view: repeated reads count no more external memory', async () => {
    // The other half of LogSegment.view: a consumer reading an old segment batch by
    // batch slices one view of it rather than counting each read's length.
    const log = Log.open({ dir: tempDir(), config: { segmentBytes: 4 << 20 } });
    for (let i = 0; i < 80; i++) await log.append(sampleBatch(i, 4, 16 << 10));
    expect(log.segmentCount).toBeGreaterThan(1);
    const first = log.read(0, 1).records;
    const before = process.memoryUsage().external;
    const views: Buffer[] = [];
    for (let offset = 4; offset < 200; offset += 4) views.push(log.read(offset, 1).records);
    const counted = process.memoryUsage().external - before;
    expect(first.length + views.reduce((n, v) => n + v.length, 0)).toBeGreaterThan(3 << 20);
    expect(counted).toBeLessThan(1 << 20);
    await log.close();
  });
});

describe('Log bad input', () => {
  async function expectRefused(log: Log, bytes: Buffer, code: string, message?: RegExp): Promise<void> {
    const before = { end: log.logEndOffset, size: log.size };
    await expect(log.append(bytes)).rejects.toMatchObject({
      code,
      ...(message ? { message: expect.stringMatching(message) } : {}),
    });
    expect({ end: log.logEndOffset, size: log.size }).toEqual(before);
  }

  test('corrupt, truncated or impossible batches are refused and nothing is written', async () => {
    const log = Log.open({ dir: tempDir(), config: { maxMessageBytes: 4000 } });
    await log.append(sampleBatch(0));
    const good = sampleBatch(1);

    const badCrc = Buffer.from(good);
    badCrc[good.length - 1]! ^= 1;
    await expectRefused(log, badCrc, 'ERR_CORRUPT_BATCH', /CRC32C/);

    const badMagic = Buffer.from(good);
    badMagic[BatchHeader.magic] = 1;
    await expectRefused(log, badMagic, 'ERR_CORRUPT_BATCH', /magic/);

    const hugeLength = Buffer.from(good);
    hugeLength.writeInt32BE(0x7fffff00, BatchHeader.batchLength);
    await expectRefused(log, hugeLength, 'ERR_CORRUPT_BATCH');

    const tinyLength = Buffer.from(good);
    tinyLength.writeInt32BE(3, BatchHeader.batchLength);
    await expectRefused(log, tinyLength, 'ERR_CORRUPT_BATCH', /length/);

    await expectRefused(log, good.subarray(0, good.length - 1), 'ERR_CORRUPT_BATCH');
    await expectRefused(log, Buffer.concat([good, badCrc]), 'ERR_CORRUPT_BATCH');
    await expectRefused(log, Buffer.alloc(0), 'ERR_CORRUPT_BATCH');
    await expectRefused(log, sampleBatch(2, 1, 5000), 'ERR_MESSAGE_TOO_LARGE');

    const negative = Buffer.from(good);
    negative.writeInt32BE(-5, BatchHeader.lastOffsetDelta);
    await expectRefused(log, negative, 'ERR_CORRUPT_BATCH', /negative/);

    expect((await log.append(good)).baseOffset).toBe(3);
    await log.close();
  });

  test('a batch larger than segment.bytes is refused', async () => {
    const log = Log.open({ dir: tempDir(), config: { segmentBytes: 1024 } });
    await expectRefused(log, sampleBatch(1, 1, 2000), 'ERR_RECORD_BATCH_TOO_LARGE');
    await log.close();
  });

  test('a closed log refuses work', async () => {
    const log = Log.open({ dir: tempDir() });
    await log.close();
    await expect(log.append(sampleBatch(1))).rejects.toMatchObject({ code: 'ERR_LOG_CLOSED' });
    expect(() => log.read(0, 1)).toThrow(expect.objectContaining({ code: 'ERR_LOG_CLOSED' }));
  });
});

describe('Log start offset, retention and truncation', () => {
  async function filled(config = {}): Promise<Log> {
    const log = Log.open({ dir: tempDir(), config: { segmentBytes: 1024, ...config } });
    for (let i = 0; i < 30; i++) await log.append(sampleBatch(i, 2, 100, T0 + i * 1000));
    return log;
  }

  test('deleteRecordsBefore moves the start offset and deletes whole segments below it', async () => {
    const log = await filled();
    const segments = log.segmentCount;
    const third = log.segmentBaseOffsets[2]!;
    expect(log.deleteRecordsBefore(third + 1)).toBe(third + 1);
    expect(log.logStartOffset).toBe(third + 1);
    expect(log.segmentCount).toBe(segments - 2);
    expect(() => log.read(third, 1)).toThrow(expect.objectContaining({ code: 'ERR_OFFSET_OUT_OF_RANGE' }));
    expect(log.read(third + 1, 1).firstOffset).toBe(third);
    expect(log.deleteRecordsBefore(1)).toBe(third + 1);
    expect(() => log.deleteRecordsBefore(61)).toThrow(expect.objectContaining({ code: 'ERR_OFFSET_OUT_OF_RANGE' }));
    await log.close();
  });

  test('retention.ms deletes segments whose newest record is too old', async () => {
    const log = await filled({ retentionMs: 10_000 });
    const now = T0 + 29_000 + 10_001;
    const deleted = log.enforceRetention(now);
    expect(deleted).toBeGreaterThan(0);
    const start = log.logStartOffset;
    expect(start).toBe(log.segmentBaseOffsets[0]);
    expect(start).toBeGreaterThan(0);
    expect(log.enforceRetention(T0 + 10_000_000)).toBeGreaterThan(0);
    expect(log.segmentCount).toBe(1);
    expect(log.logStartOffset).toBe(60);
    expect((await log.append(sampleBatch(99))).baseOffset).toBe(60);
    await log.close();
  });

  test('retention.bytes keeps the log under the limit, deleting oldest segments first', async () => {
    const log = await filled({ retentionBytes: 3000 });
    const before = log.size;
    log.enforceRetention();
    expect(log.size).toBeLessThanOrEqual(3000 + 1024);
    expect(log.size).toBeLessThan(before);
    expect(log.logEndOffset).toBe(60);
    await log.close();
  });

  test('truncateTo removes batches at and after an offset, across segments', async () => {
    const log = await filled();
    log.truncateTo(21);
    expect(log.logEndOffset).toBe(20);
    expect(log.segmentBaseOffsets.every((o) => o < 20)).toBe(true);
    expect((await log.append(sampleBatch(50, 2))).baseOffset).toBe(20);
    log.truncateTo(0);
    expect([log.logStartOffset, log.logEndOffset, log.segmentCount]).toEqual([0, 0, 1]);
    await log.close();
  });
});

describe('Log durability', () => {
  test("'always' resolves after a flush and shares flushes among concurrent appends", async () => {
    const flush = vi.spyOn(LogSegment.prototype, 'flush');
    const log = Log.open({ dir: tempDir(), config: { durability: 'always' } });
    await log.append(sampleBatch(0));
    expect(log.recoveryPoint).toBe(3);
    flush.mockClear();
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(sampleBatch(i + 1))));
    expect(log.recoveryPoint).toBe(303);
    expect(flush.mock.calls.length).toBe(1); // one fdatasync for all 100, started at the end of the tick
    flush.mockRestore();
    await log.close();
  });

  test("'never' leaves the recovery point until a flush, 'interval' flushes on its own", async () => {
    const never = Log.open({ dir: tempDir() });
    await never.append(sampleBatch(0));
    expect(never.recoveryPoint).toBe(0);
    await never.flush();
    expect(never.recoveryPoint).toBe(3);
    await never.close();

    const interval = Log.open({ dir: tempDir(), config: { durability: 'interval', flushIntervalMs: 20 } });
    await interval.append(sampleBatch(0));
    await vi.waitFor(() => expect(interval.recoveryPoint).toBe(3), { timeout: 2000 });
    await interval.close();
  });
});

describe('Log CRC verification (in the native append)', () => {
  /** Every file of the log directory: .log files by content, the others by size. */
  function snapshot(dir: string): [string, Buffer | number][] {
    return readdirSync(dir)
      .sort()
      .map((name) => [name, name.endsWith('.log') ? readFileSync(join(dir, name)) : statSync(join(dir, name)).size]);
  }

  /** A RecordBatch v2 built by kafkajs (its own CRC32C), `count` records of `valueSize` bytes. */
  async function kafkajsBatch(seed: number, count: number, valueSize: number): Promise<Buffer> {
    const require = createRequire(import.meta.url);
    const { RecordBatch: recordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
      RecordBatch: (spec: object) => Promise<{ buffer: Buffer }>;
    };
    const record = require('kafkajs/src/protocol/recordBatch/record/v0') as (spec: object) => unknown;
    const records = Array.from({ length: count }, (_, i) =>
      record({
        offsetDelta: i,
        timestampDelta: i,
        key: Buffer.from(`k${seed}.${i}`),
        value: Buffer.alloc(valueSize, seed + i),
      }),
    );
    return (
      await recordBatch({ firstTimestamp: T0, maxTimestamp: T0 + count - 1, lastOffsetDelta: count - 1, records })
    ).buffer;
  }

  test('a flipped bit anywhere in the CRC-covered range is refused, and the log stays byte for byte as it was', async () => {
    const dir = tempDir();
    const log = Log.open({ dir, config: { segmentMs: 60_000 } }); // a flipped maxTimestamp rolls first: the roll is undone too
    await log.append(sampleBatch(0, 3, 200));
    const good = sampleBatch(1, 4, 300);
    const end = log.logEndOffset;
    const size = log.size;
    const before = snapshot(dir);
    const covered = Array.from(
      { length: BatchHeader.size - BatchHeader.attributes },
      (_, i) => BatchHeader.attributes + i,
    );
    for (const at of [...covered, 100, good.length >> 1, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[at]! ^= 0x01;
      await expect(log.append(bad), `bit flipped at ${at}`).rejects.toMatchObject({
        code: 'ERR_CORRUPT_BATCH',
        position: 0,
        message: expect.stringMatching(/CRC32C mismatch.*stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/),
      });
      expect(log.logEndOffset).toBe(end);
      expect(snapshot(dir)).toEqual(before);
    }
    expect(await log.append(good)).toMatchObject({ baseOffset: end, lastOffset: end + 3 });
    const read = log.read(end, 1);
    expect(read.records.length).toBe(good.length);
    expect(read.records.subarray(8).equals(good.subarray(8))).toBe(true);
    expect(log.size).toBe(size + good.length);
    await log.close();
    expect(checkLogFiles(dir)).toBe(end + 4);
  });

  test.each([
    ['the second batch', 1, {}],
    ['the last batch', 2, {}],
    ['the second batch, the one that rolls', 1, { segmentBytes: 2600 }],
    ['the last batch, after a roll', 2, { segmentBytes: 2600 }],
  ])('a request in which %s is bad leaves nothing', async (_, bad, config) => {
    const dir = tempDir();
    const log = Log.open({ dir, config });
    await log.append(sampleBatch(0, 2, 400));
    const parts = [sampleBatch(1, 2, 400), sampleBatch(2, 2, 400), sampleBatch(3, 2, 400)];
    parts[bad]![parts[bad]!.length - 7]! ^= 0x10;
    const before = snapshot(dir);
    const segments = log.segmentCount;
    await expect(log.append(Buffer.concat(parts))).rejects.toMatchObject({
      code: 'ERR_CORRUPT_BATCH',
      position: parts.slice(0, bad).reduce((sum, p) => sum + p.length, 0),
    });
    expect([log.logEndOffset, log.segmentCount]).toEqual([2, segments]);
    expect(snapshot(dir)).toEqual(before);
    expect((await log.append(sampleBatch(4, 2, 400))).baseOffset).toBe(2);
    await log.close();
    expect(checkLogFiles(dir)).toBe(4);
  });

  test('a long run of large batches is verified on the worker, a bad one in the middle refused', async () => {
    const dir = tempDir();
    const log = Log.open({ dir, config: { segmentBytes: 24 << 20, maxMessageBytes: 1 << 20 } });
    const batches = [await kafkajsBatch(1, 500, 1000), await kafkajsBatch(2, 250, 2000), sampleBatch(3, 100, 4000)];
    const bad = Buffer.from(batches[0]!);
    bad[bad.length >> 1]! ^= 0x04;
    const expected: Buffer[] = [];
    for (let i = 0; i < 120; i++) {
      if (i === 60) {
        await expect(log.append(bad)).rejects.toMatchObject({ code: 'ERR_CORRUPT_BATCH' });
        continue;
      }
      const batch = batches[i % batches.length]!;
      expect((await log.append(batch)).baseOffset).toBe(
        expected.reduce((n, b) => n + b.readInt32BE(BatchHeader.lastOffsetDelta) + 1, 0),
      );
      expected.push(batch);
    }
    expect(log.segmentCount).toBeGreaterThan(1);
    let offset = 0;
    for (const batch of expected) {
      const read = log.read(offset, 1);
      expect(read.records.subarray(8).equals(batch.subarray(8))).toBe(true);
      offset += batch.readInt32BE(BatchHeader.lastOffsetDelta) + 1;
    }
    await log.close();
    expect(checkLogFiles(dir)).toBe(offset);
  });
});

describe('Log append of batches built in process (BUILT_IN_PROCESS)', () => {
  const builtInProcess = { [BUILT_IN_PROCESS]: true };

  function logFiles(dir: string): [string, string][] {
    return readdirSync(dir)
      .sort()
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(dir, name)))
          .digest('hex'),
      ]);
  }

  test('writes byte for byte what the verified append writes: small, large (CRC worker) and compressed batches', async () => {
    const records = (seed: number, count: number, size: number) =>
      Array.from({ length: count }, (_, i) => ({
        key: Buffer.from(`k${seed}.${i}`),
        value: Buffer.alloc(size, seed + i),
        timestamp: T0 + i,
      }));
    const batches = [
      sampleBatch(0, 3, 200),
      buildRecordBatch(records(1, 300, 1000)),
      buildRecordBatch(records(2, 50, 100), { compression: 'lz4' }),
      buildRecordBatch(records(3, 20, 100), { compression: 'gzip' }),
      Buffer.concat([sampleBatch(4, 2), sampleBatch(5, 4)]),
    ];
    const [verifiedDir, trustedDir] = [tempDir(), tempDir()];
    const config = { segmentBytes: 400_000, indexIntervalBytes: 1024 };
    const [verified, trusted] = [Log.open({ dir: verifiedDir, config }), Log.open({ dir: trustedDir, config })];
    for (let round = 0; round < 3; round++) {
      for (const batch of batches)
        expect(await trusted.append(batch, builtInProcess)).toEqual(await verified.append(batch));
    }
    expect(trusted.segmentCount).toBeGreaterThan(1);
    await Promise.all([verified.close(), trusted.close()]);
    expect(logFiles(trustedDir)).toEqual(logFiles(verifiedDir));
    expect(checkLogFiles(trustedDir)).toBe(checkLogFiles(verifiedDir));
  });

  test('keeps the framing, limit and timestamp checks; only an append without the mark checks the CRC', async () => {
    const log = Log.open({ dir: tempDir(), config: { maxMessageBytes: 4000 } });
    const good = sampleBatch(1);
    const badMagic = Buffer.from(good);
    badMagic[BatchHeader.magic] = 1;
    await expect(log.append(badMagic, builtInProcess)).rejects.toMatchObject({ code: 'ERR_CORRUPT_BATCH' });
    await expect(log.append(good.subarray(0, good.length - 1), builtInProcess)).rejects.toMatchObject({
      code: 'ERR_CORRUPT_BATCH',
    });
    await expect(log.append(sampleBatch(2, 1, 5000), builtInProcess)).rejects.toMatchObject({
      code: 'ERR_MESSAGE_TOO_LARGE',
    });
    const badCrc = Buffer.from(good);
    badCrc[good.length - 1]! ^= 1;
    await expect(log.append(badCrc)).rejects.toMatchObject({
      code: 'ERR_CORRUPT_BATCH',
      message: expect.stringMatching(/CRC32C/),
    });
    await expect(log.append(badCrc, { origin: 'client' })).rejects.toMatchObject({ code: 'ERR_CORRUPT_BATCH' });
    expect(log.logEndOffset).toBe(0);
    expect(await log.append(badCrc, builtInProcess)).toMatchObject({ baseOffset: 0, lastOffset: 2 });

    log.updateConfig({ messageTimestampBeforeMaxMs: 60_000 });
    const old = buildRecordBatch([{ key: null, value: Buffer.from('v'), timestamp: Date.now() - 3_600_000 }], {
      compression: 'lz4',
    });
    await expect(log.append(old, builtInProcess)).rejects.toMatchObject({ code: 'ERR_INVALID_TIMESTAMP' });
    await log.close();
  });
});

describe('Log updateConfig', () => {
  test('limits and durability apply to the next append', async () => {
    const log = Log.open({ dir: tempDir() });
    const batch = sampleBatch(0, 2, 300);
    await log.append(batch);
    log.updateConfig({ maxMessageBytes: batch.length - 1 });
    await expect(log.append(batch)).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE' });
    log.updateConfig({ durability: 'interval', flushIntervalMs: 20 });
    await log.append(sampleBatch(1));
    await vi.waitFor(() => expect(log.recoveryPoint).toBe(5), { timeout: 2000 });
    log.updateConfig({ durability: 'always' });
    await log.append(sampleBatch(2));
    expect(log.recoveryPoint).toBe(8);
    expect(() => log.updateConfig({ segmentBytes: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
    );
    expect(log.config.durability).toBe('always');
    await log.close();
  });

  test('new segment settings start a new segment, or replace an empty active one', async () => {
    const dir = tempDir();
    const log = Log.open({ dir });
    log.updateConfig({ segmentBytes: 1000 });
    expect(log.segmentBaseOffsets).toEqual([0]);
    for (let i = 0; i < 4; i++) await log.append(sampleBatch(i, 1, 300));
    expect(log.segmentCount).toBe(2); // two batches of ~400 bytes per 1000-byte segment
    log.updateConfig({ segmentBytes: 4000 });
    expect(log.segmentBaseOffsets).toEqual([0, 2, 4]);
    for (let i = 0; i < 8; i++) await log.append(sampleBatch(i, 1, 300));
    expect(log.segmentBaseOffsets).toEqual([0, 2, 4]);
    await log.close();
    checkLogFiles(dir);
    const reopened = Log.open({ dir, hadCleanShutdown: true });
    expect(reopened.logEndOffset).toBe(12);
    await reopened.close();
  });
});
