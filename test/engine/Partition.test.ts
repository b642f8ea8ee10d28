import { describe, expect, test } from 'vitest';
import { Partition } from '../../src/engine/Partition.js';
import { Log } from '../../src/log/Log.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';
import { logOf } from '../helpers/partitionLog.js';

const T0 = 1_700_000_000_000;

function openPartition(): Partition {
  return new Partition('events', 2, Log.open({ dir: tempDir() }));
}

/** Whether `promise` has settled after the pending microtasks and I/O callbacks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('Partition', () => {
  test('counts records and bytes in and out', async () => {
    const p = openPartition();
    const a = sampleBatch(1, 3);
    const b = sampleBatch(2, 4);
    expect(await p.append(a)).toMatchObject({ baseOffset: 0, lastOffset: 2 });
    await p.append(b);
    const read = p.read(3, 1 << 20);
    expect(read.firstOffset).toBe(3);
    expect(read.records.length).toBe(b.length);
    expect(p.stats()).toEqual({
      topic: 'events',
      partition: 2,
      recordsIn: 7,
      bytesIn: a.length + b.length,
      recordsOut: 4,
      bytesOut: b.length,
      logStartOffset: 0,
      logEndOffset: 7,
      size: a.length + b.length,
    });
    await logOf(p).close();
  });

  test('read outside the log is ERR_OFFSET_OUT_OF_RANGE; at the end it is empty', async () => {
    const p = openPartition();
    await p.append(sampleBatch(1, 3));
    expect(p.read(3, 100).records.length).toBe(0);
    expect(() => p.read(4, 100)).toThrow(expect.objectContaining({ code: 'ERR_OFFSET_OUT_OF_RANGE' }));
    expect(p.deleteRecordsBefore(2)).toBe(2);
    expect(() => p.read(1, 100)).toThrow(expect.objectContaining({ code: 'ERR_OFFSET_OUT_OF_RANGE' }));
    await logOf(p).close();
  });

  test('offsetForTimestamp finds the first record at or after a time', async () => {
    const p = openPartition();
    await p.append(sampleBatch(0, 3, 8, T0)); // timestamps T0..T0+2 at offsets 0..2
    await p.append(sampleBatch(1, 3, 8, T0 + 100)); // T0+100.. at 3..5
    expect(p.offsetForTimestamp(T0 - 1)).toBe(0);
    expect(p.offsetForTimestamp(T0 + 2)).toBe(2);
    expect(p.offsetForTimestamp(T0 + 50)).toBe(3);
    expect(p.offsetForTimestamp(T0 + 102)).toBe(5);
    expect(p.offsetForTimestamp(T0 + 103)).toBeNull();
    await logOf(p).close();
  });

  test('waitForData resolves at once when data is there, else on the append that brings it', async () => {
    const p = openPartition();
    await p.append(sampleBatch(1, 2));
    expect(await settled(p.waitForData(1))).toBe(true);
    const atEnd = p.waitForData(2);
    const further = p.waitForData(4);
    expect(await settled(atEnd)).toBe(false);
    await p.append(sampleBatch(2, 2)); // end 4: wakes the waiter at 2, not the one at 4
    expect(await settled(atEnd)).toBe(true);
    expect(await settled(further)).toBe(false);
    await p.append(sampleBatch(3, 1));
    expect(await settled(further)).toBe(true);
    await logOf(p).close();
  });

  test('waitForData resolves on abort and on close, and at once after close', async () => {
    const p = openPartition();
    const controller = new AbortController();
    const aborted = p.waitForData(0, controller.signal);
    const closed = p.waitForData(0);
    expect(await settled(aborted)).toBe(false);
    controller.abort();
    expect(await settled(aborted)).toBe(true);
    expect(await settled(closed)).toBe(false);
    p.close();
    expect(await settled(closed)).toBe(true);
    expect(await settled(p.waitForData(10))).toBe(true);
    expect(await settled(p.waitForData(0, AbortSignal.abort()))).toBe(true);
    await logOf(p).close();
  });

  test('a refused append wakes nobody and counts nothing', async () => {
    const p = new Partition('events', 0, Log.open({ dir: tempDir(), config: { maxMessageBytes: 100 } }));
    const waiting = p.waitForData(0);
    await expect(p.append(sampleBatch(1, 3, 200))).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE' });
    expect(await settled(waiting)).toBe(false);
    expect(p.stats()).toMatchObject({ recordsIn: 0, bytesIn: 0 });
    p.close();
    await logOf(p).close();
  });

  // Kafka's FetchIsolation: LOG_END for a follower, HIGH_WATERMARK for a consumer, TXN_COMMITTED (the LSO).
  test('a replicated partition: reads stop at the end their isolation reads to; high watermark updates and follower appends wake their readers', async () => {
    const p = new Partition('events', 0, Log.open({ dir: tempDir(), hwFollowsLogEnd: false }));
    expect(p.hwFollowsLogEnd).toBe(false);
    await p.append(sampleBatch(1, 3), { leaderEpoch: 2 });
    await p.append(sampleBatch(2, 3), { leaderEpoch: 2 });
    expect([p.fetchableEnd('log_end'), p.fetchableEnd('read_uncommitted'), p.fetchableEnd('read_committed')]).toEqual([
      6, 0, 0,
    ]);
    expect(p.read(0, 1 << 20).records.length).toBe(0);
    expect(p.read(0, 1 << 20, { isolation: 'log_end' }).records.length).toBeGreaterThan(0);
    const consumer = p.waitForData(0);
    expect(await settled(consumer)).toBe(false);
    expect(p.maybeIncrementHighWatermark(3)).toBe(true);
    expect(await settled(consumer)).toBe(true);
    const read = p.read(0, 1 << 20);
    expect([read.firstOffset, read.highWatermark, read.records.length]).toEqual([0, 3, sampleBatch(1, 3).length]);
    expect(p.endOffsetForEpoch(2)).toEqual({ leaderEpoch: 2, endOffset: 6 });
    expect(p.latestEpoch).toBe(2);

    const follower = new Partition('events', 0, Log.open({ dir: tempDir(), hwFollowsLogEnd: false }));
    const fetcher = follower.waitForData(0, undefined, 'log_end');
    const reader = follower.waitForData(0);
    await follower.appendAsFollower(Buffer.from(p.read(0, 1 << 20, { isolation: 'log_end' }).records));
    expect(await settled(fetcher)).toBe(true);
    expect(await settled(reader)).toBe(false);
    expect(follower.updateHighWatermark(p.highWatermark)).toBe(3);
    expect(await settled(reader)).toBe(true);
    expect(follower.stats().recordsIn).toBe(0); // replication is not produce traffic
    follower.truncateTo(3);
    expect([follower.logEndOffset, follower.latestEpoch]).toEqual([3, 2]);
    follower.truncateFullyAndStartAt(6);
    expect([follower.logStartOffset, follower.highWatermark]).toEqual([6, 6]);
    p.close();
    follower.close();
  });
});
