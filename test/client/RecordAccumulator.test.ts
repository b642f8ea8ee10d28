import { describe, expect, test } from 'vitest';
import { RecordAccumulator, type BatchSpec } from '../../src/client/RecordAccumulator.js';
import { Log } from '../../src/log/Log.js';
import type { LogOptions } from '../../src/log/LogOptions.js';
import type { CompressionCodec } from '../../src/record/Compression.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { recordSizeUpperBound } from '../../src/record/RecordBatchBuilder.js';
import { tempDir } from '../helpers/tmp.js';

const NO_LIMIT = 1 << 30;

function openLog(config: LogOptions['config'] = {}): Log {
  return Log.open({ dir: tempDir(), config });
}

function accumulatorOn(log: Log, batchSize: number, lingerMs: number): RecordAccumulator {
  return new RecordAccumulator({ batchSize, lingerMs, appendBatch: (_topic, _partition, batch) => log.append(batch) });
}

function spec(compression: CompressionCodec = 'none', maxBatchBytes = NO_LIMIT): BatchSpec {
  return { compression, maxBatchBytes };
}

function batchesOf(log: Log): RecordBatch[] {
  return [...RecordBatch.all(log.read(log.logStartOffset, NO_LIMIT).records)];
}

function value(i: number, size: number): Buffer {
  return Buffer.from(`${i}:`.padEnd(size, 'x'));
}

/** JSON-like text that compresses to roughly a third. */
function compressibleValue(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: i,
      user: `user-${i % 97}`,
      event: 'page_view',
      path: `/items/${(i * 7919) % 10007}`,
      ok: true,
    }),
  );
}

describe('RecordAccumulator', () => {
  test('batches seal near batch.size: none passes it, and the next record would have', async () => {
    const log = openLog();
    const acc = accumulatorOn(log, 4096, 60_000);
    const records = Array.from({ length: 300 }, (_, i) => ({
      value: value(i, 50 + (i % 40)),
      timestamp: 1_700_000_000_000,
    }));
    const results = records.map((r) => acc.append('t', 0, r, spec()));
    await acc.flush();
    const batches = batchesOf(log);
    expect(batches.length).toBeGreaterThan(5);
    let next = 0;
    for (const [i, batch] of batches.entries()) {
      expect(batch.sizeInBytes).toBeLessThanOrEqual(4096);
      next += batch.recordCount;
      if (i < batches.length - 1)
        expect(batch.sizeInBytes + recordSizeUpperBound(records[next]!)).toBeGreaterThan(4096);
    }
    const offsets = await Promise.all(results.map(async (r) => (await r.baseOffset) + r.offsetDelta));
    expect(offsets).toEqual(records.map((_, i) => i));
    await log.close();
  });

  test('a batch waits linger.ms after its first record, then goes without a flush', async () => {
    const log = openLog();
    const acc = accumulatorOn(log, 1 << 20, 80);
    const started = performance.now();
    const first = acc.append('t', 0, { value: Buffer.from('a') }, spec());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = acc.append('t', 0, { value: Buffer.from('b') }, spec());
    expect(log.logEndOffset).toBe(0);
    expect(await first.baseOffset).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(await second.baseOffset).toBe(0); // same batch: the linger counts from the first record
    expect(batchesOf(log).map((b) => b.recordCount)).toEqual([2]);
    await log.close();
  });

  test('linger.ms 0 still gathers the records appended in one tick', async () => {
    const log = openLog();
    const acc = accumulatorOn(log, 1 << 20, 0);
    const results = Array.from({ length: 10 }, (_, i) => acc.append('t', 0, { value: value(i, 10) }, spec()));
    await Promise.all(results.map((r) => r.baseOffset));
    expect(batchesOf(log).map((b) => b.recordCount)).toEqual([10]);
    await log.close();
  });

  test('max.message.bytes caps a batch even when batch.size is larger', async () => {
    const log = openLog();
    const acc = accumulatorOn(log, 1 << 20, 60_000);
    for (let i = 0; i < 100; i++) acc.append('t', 0, { value: value(i, 100) }, spec('none', 2000));
    await acc.flush();
    const batches = batchesOf(log);
    expect(batches.length).toBeGreaterThan(4);
    for (const batch of batches) expect(batch.sizeInBytes).toBeLessThanOrEqual(2000);
    expect(batches.reduce((n, b) => n + b.recordCount, 0)).toBe(100);
    await log.close();
  });

  test.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)(
    '%s: compressed batches hold more than batch.size of records once the ratio is learnt',
    async (codec) => {
      const log = openLog();
      const acc = accumulatorOn(log, 4096, 60_000);
      for (let i = 0; i < 2000; i++) {
        acc.append('t', 0, { value: compressibleValue(i) }, spec(codec));
        // Sends arrive over time and sealed batches compress meanwhile (on the thread pool for
        // some codecs): a timer turn, not just an immediate, lets those compressions land and
        // teach the estimator, as they would between real sends, on a loaded machine too.
        if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await acc.flush();
      const batches = batchesOf(log);
      expect(batches.every((b) => b.compression === codec)).toBe(true);
      // Kafka's estimator starts at ratio 1 and improves by 0.005 a batch: the first batch
      // holds batch.size of records, later ones more (still compressing to under batch.size).
      expect(batches[0]!.recordsSection().length + 61).toBeLessThanOrEqual(4096);
      const last = batches.at(-2)!;
      expect(last.recordsSection().length + 61).toBeGreaterThan(4096 * 1.1);
      expect(last.sizeInBytes).toBeLessThanOrEqual(4096 * 1.1);
      const values = batches.flatMap((b) => [...b.records()].map((r) => r.value!.toString()));
      expect(values).toEqual(Array.from({ length: 2000 }, (_, i) => compressibleValue(i).toString()));
      await log.close();
    },
  );

  test('per partition, batches are appended in the order sealed, one at a time, even when later ones compress sooner', async () => {
    const log = openLog();
    let inFlight = 0;
    let maxInFlight = 0;
    const acc = new RecordAccumulator({
      batchSize: 1 << 20,
      lingerMs: 60_000,
      appendBatch: async (_topic, _partition, batch) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await log.append(batch);
        } finally {
          inFlight--;
        }
      },
    });
    const results = [];
    for (let round = 0; round < 20; round++) {
      // a big zstd batch (compressed off the main thread) followed by a tiny uncompressed one
      const big = round % 2 === 0 ? 300 : 1;
      for (let i = 0; i < big; i++)
        results.push(acc.append('t', 0, { value: compressibleValue(i).fill(round, 0, 1) }, spec('zstd')));
      results.push(acc.append('t', 0, { value: Buffer.from([round]) }, spec('none')));
    }
    await acc.flush();
    const offsets = await Promise.all(results.map(async (r) => (await r.baseOffset) + r.offsetDelta));
    expect(offsets).toEqual(results.map((_, i) => i));
    expect(maxInFlight).toBe(1);
    await log.close();
  });

  test('a failed batch rejects its own records only; later batches of the partition still land', async () => {
    const log = openLog({ maxMessageBytes: 1000 });
    const acc = accumulatorOn(log, 1 << 20, 60_000);
    const small = acc.append('t', 0, { value: value(0, 100) }, spec('none', 1000));
    await acc.flush();
    const tooBig = [1, 2, 3].map((i) => acc.append('t', 0, { value: value(i, 400) }, spec('none', NO_LIMIT)));
    await acc.flush();
    const after = acc.append('t', 0, { value: value(4, 100) }, spec('none', 1000));
    await acc.flush();
    expect(await small.baseOffset).toBe(0);
    for (const r of tooBig) await expect(r.baseOffset).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE' });
    expect(await after.baseOffset).toBe(1);
    await log.close();
  });

  test('partitions are independent: a slow one does not hold back another', async () => {
    const logs = [openLog(), openLog()];
    let releaseSlow!: () => void;
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    const acc = new RecordAccumulator({
      batchSize: 1 << 20,
      lingerMs: 0,
      appendBatch: async (_topic, partition, batch) => {
        if (partition === 0) await slow;
        return logs[partition]!.append(batch);
      },
    });
    const held = acc.append('t', 0, { value: Buffer.from('p0') }, spec());
    const free = acc.append('t', 1, { value: Buffer.from('p1') }, spec());
    expect(await free.baseOffset).toBe(0);
    expect(logs[0]!.logEndOffset).toBe(0);
    releaseSlow();
    expect(await held.baseOffset).toBe(0);
    await Promise.all(logs.map((l) => l.close()));
  });

  test('allBatchesFull: true with no open batch, false while one fills (also right after an overflow opened a new one)', async () => {
    const log = openLog();
    const acc = accumulatorOn(log, 1000, 60_000);
    expect(acc.allBatchesFull('t', 0)).toBe(true);
    const first = acc.append('t', 0, { value: value(0, 100) }, spec());
    expect(first.appendedBytes).toBeGreaterThan(61 + 100);
    let last = first;
    while (last.baseOffset === first.baseOffset) {
      expect(acc.allBatchesFull('t', 0)).toBe(false);
      last = acc.append('t', 0, { value: value(1, 100) }, spec());
    }
    expect(acc.allBatchesFull('t', 0)).toBe(false);
    expect(acc.allBatchesFull('t', 1)).toBe(true);
    await acc.flush();
    expect(acc.allBatchesFull('t', 0)).toBe(true);
    expect(batchesOf(log).map((b) => b.recordCount)).toEqual([8, 1]);
    await log.close();
  });

  describe('batch buffers are reused within the pooled bytes (Kafka buffer.memory)', () => {
    /** Two bursts of 120 records (14 batches each), appended in full between them; how many of the second's buffers the first had. */
    async function reusedInSecondBurst(pooledBytes?: number): Promise<{ reused: number; log: Log }> {
      const log = openLog();
      const seen: ArrayBufferLike[][] = [[], []];
      let burst = 0;
      const acc = new RecordAccumulator({
        batchSize: 1024,
        lingerMs: 60_000,
        ...(pooledBytes === undefined ? {} : { pooledBytes }),
        appendBatch: (_topic, _partition, batch) => {
          seen[burst]!.push(batch.buffer);
          return log.append(batch);
        },
      });
      for (burst = 0; burst < 2; burst++) {
        for (let i = 0; i < 120; i++)
          acc.append('t', 0, { value: value(burst * 1000 + i, 90), timestamp: 1_700_000_000_000 }, spec());
        await acc.flush();
      }
      expect(seen.map((buffers) => buffers.length)).toEqual([14, 14]);
      return { reused: seen[1]!.filter((buffer) => seen[0]!.includes(buffer)).length, log };
    }

    test('every buffer of a burst is reused by the next when the budget holds them all', async () => {
      const { reused, log } = await reusedInSecondBurst();
      expect(reused).toBe(14);
      // Reuse never shows in the log: each batch holds its own records.
      const values = batchesOf(log).flatMap((b) => [...b.records()].map((r) => r.value!.toString()));
      expect(values).toEqual(
        [0, 1000].flatMap((base) => Array.from({ length: 120 }, (_, i) => value(base + i, 90).toString())),
      );
      await log.close();
    });

    test('no more than the pooled bytes are kept', async () => {
      const { reused, log } = await reusedInSecondBurst(3 * 1024);
      expect(reused).toBe(3);
      await log.close();
    });
  });
});
