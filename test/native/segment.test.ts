import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { native } from '../../src/native/addon.js';
import { TributaryError } from '../../src/errors.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';

describe('native Segment', () => {
  test('appends batches, rewriting only the base offset, and reads them back as views', () => {
    const path = join(tempDir(), '00000000000000000000.log');
    const segment = new native.Segment(path, 1 << 20, true);
    const a = sampleBatch(1);
    const b = sampleBatch(2);
    segment.append(Buffer.concat([a, b]), 42);
    expect(segment.size).toBe(a.length + b.length);
    const view = segment.read(0, segment.size);
    expect(view.readBigInt64BE(0)).toBe(42n);
    expect(view.readBigInt64BE(a.length)).toBe(45n);
    expect(view.subarray(8, a.length).equals(a.subarray(8))).toBe(true);
    expect(view.subarray(a.length + 8).equals(b.subarray(8))).toBe(true);
    segment.close();
    expect(statSync(path).size).toBe(a.length + b.length);
  });

  test('a view stays readable after its segment is deleted', () => {
    const path = join(tempDir(), '00000000000000000000.log');
    const segment = new native.Segment(path, 1 << 16, true);
    const batch = sampleBatch(7, 5, 500);
    segment.append(batch, 0);
    const view = segment.read(0, batch.length);
    expect(segment.liveViews).toBe(1);
    segment.delete();
    expect(existsSync(path)).toBe(false);
    expect(view.subarray(8).equals(batch.subarray(8))).toBe(true);
  });

  test('a deleted segment is unmapped at once when no view holds it, so its disk space is freed', () => {
    const dir = tempDir();
    const kept = join(dir, '00000000000000000000.log');
    const dropped = join(dir, '00000000000000000100.log');
    const a = new native.Segment(kept, 1 << 16, true);
    const b = new native.Segment(dropped, 1 << 16, true);
    a.append(sampleBatch(1), 0);
    b.append(sampleBatch(2), 100);
    const view = a.read(0, 10);
    a.delete();
    b.delete();
    const maps = readFileSync('/proc/self/maps', 'utf8');
    expect(maps).toContain(`${kept} (deleted)`);
    expect(maps).not.toContain(dropped);
    expect(view.length).toBe(10);
  });

  test('views are released when collected', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'vitest runs with --expose-gc').toBeTypeOf('function');
    const segment = new native.Segment(join(tempDir(), 'x.log'), 1 << 16, true);
    segment.append(sampleBatch(1), 0);
    (() => {
      for (let i = 0; i < 100; i++) segment.read(0, 10);
    })();
    expect(segment.liveViews).toBeGreaterThan(0);
    for (let i = 0; i < 10 && segment.liveViews > 0; i++) {
      gc!();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(segment.liveViews).toBe(0);
    segment.close();
  });

  test('truncating under a live view keeps the view intact', () => {
    const dir = tempDir();
    const path = join(dir, '00000000000000000000.log');
    const segment = new native.Segment(path, 1 << 16, true);
    const first = sampleBatch(1, 2, 200);
    const second = sampleBatch(2, 2, 200);
    segment.append(Buffer.concat([first, second]), 0);
    const view = segment.read(first.length, second.length);
    segment.truncateTo(first.length);
    expect(statSync(path).size).toBe(first.length);
    expect(segment.size).toBe(first.length);
    expect(view.subarray(8).equals(second.subarray(8))).toBe(true);
    expect(existsSync(`${path}.truncating`)).toBe(false);
    segment.close();
  });

  test('errors carry a code and the path', () => {
    const path = join(tempDir(), 'missing', 'a.log');
    let error: unknown;
    try {
      new native.Segment(path, 4096, true);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TributaryError);
    expect(error).toMatchObject({ code: 'ENOENT', path, syscall: 'open' });

    const segment = new native.Segment(join(tempDir(), 'b.log'), 4096, true);
    expect(() => segment.append(sampleBatch(1, 1, 5000), 0)).toThrow(
      expect.objectContaining({ code: 'ERR_SEGMENT_FULL' }),
    );
    expect(() => segment.read(0, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => segment.append(Buffer.from('not a batch'), 0)).toThrow(
      expect.objectContaining({ code: 'ERR_TRUNCATED' }),
    );
    expect(() => segment.append('x' as unknown as Buffer, 0)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => segment.append(sampleBatch(1), -1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    segment.close();
    expect(() => segment.size).toThrow(expect.objectContaining({ code: 'ERR_SEGMENT_CLOSED' }));
  });

  test('flush resolves on the thread pool', async () => {
    const segment = new native.Segment(join(tempDir(), 'f.log'), 1 << 16, true);
    segment.append(sampleBatch(3), 0);
    await expect(segment.flush()).resolves.toBeUndefined();
    segment.close();
  });
});

describe('native Segment: CRC32C verified while appending', () => {
  test('a batch with a bad CRC is refused with nothing written, whichever batch of the append it is', () => {
    const path = join(tempDir(), '00000000000000000000.log');
    const segment = new native.Segment(path, 8 << 20, true);
    const first = sampleBatch(1, 50, 4000);
    expect(segment.append(first, 0, true)).toBe(first.length);
    const parts = [sampleBatch(2, 100, 3000), sampleBatch(3, 2), sampleBatch(4, 100, 3000)];
    for (let bad = 0; bad < parts.length; bad++) {
      const batches = Buffer.concat(parts);
      const position = parts.slice(0, bad).reduce((sum, p) => sum + p.length, 0);
      batches[position + parts[bad]!.length - 1]! ^= 0x80;
      expect(() => segment.append(batches, 50, true)).toThrow(
        expect.objectContaining({
          code: 'ERR_CORRUPT_BATCH',
          message: expect.stringContaining(`at position ${position} of the append`),
        }),
      );
      expect([segment.size, statSync(path).size]).toEqual([first.length, first.length]);
      expect(readFileSync(path).subarray(8).equals(first.subarray(8))).toBe(true);
    }
    let position = segment.size;
    expect(segment.append(Buffer.concat(parts), 50, true)).toBe(position + parts.reduce((sum, p) => sum + p.length, 0));
    for (const part of parts) {
      expect(segment.read(position + 8, part.length - 8).equals(part.subarray(8))).toBe(true);
      position += part.length;
    }
    segment.close();
  });

  test('without verifyCrc the bytes are written as they are (the caller checked them)', () => {
    const segment = new native.Segment(join(tempDir(), 'x.log'), 1 << 16, true);
    const batch = sampleBatch(1);
    batch[batch.length - 1]! ^= 1;
    expect(segment.append(batch, 0)).toBe(batch.length);
    segment.close();
  });

  test('worker threads each load the addon, append through their own CRC worker, and exit cleanly', async () => {
    const dir = tempDir();
    const good = sampleBatch(5, 200, 5000);
    const bad = Buffer.from(good);
    bad[bad.length >> 1]! ^= 1;
    const require = createRequire(import.meta.url);
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const addon = require(workerData.loader)(workerData.root);
      const segment = new addon.Segment(workerData.path, 64 << 20, true);
      let refused = 0;
      for (let i = 0; i < 40; i++) {
        try {
          segment.append(i === 20 ? workerData.bad : workerData.good, i * 200, true);
        } catch (error) {
          if (error.code !== 'ERR_CORRUPT_BATCH') throw error;
          refused++;
        }
      }
      segment.close();
      parentPort.postMessage({ refused });
      if (workerData.linger) setInterval(() => {}, 1000);
    `;
    const run = (
      name: string,
      linger: boolean,
    ): { worker: Worker; exited: Promise<number>; result: Promise<unknown> } => {
      const workerData = { loader: require.resolve('node-gyp-build'), root, path: join(dir, name), good, bad, linger };
      const worker = new Worker(code, { eval: true, workerData });
      const result = new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      return { worker, exited: new Promise((resolve) => worker.once('exit', resolve)), result };
    };
    const ending = run('a.log', false);
    const terminated = run('b.log', true);
    expect(await ending.result).toEqual({ refused: 1 });
    expect(await terminated.result).toEqual({ refused: 1 });
    await terminated.worker.terminate();
    expect(await ending.exited).toBe(0);
    expect(await terminated.exited).toBe(1);
    for (const name of ['a.log', 'b.log']) {
      const bytes = readFileSync(join(dir, name));
      expect(bytes.length).toBe(39 * good.length);
      expect(bytes.subarray(38 * good.length + 8).equals(good.subarray(8))).toBe(true);
    }
  });
});

describe('native indexes', () => {
  test('offset index lookups and Kafka byte layout', () => {
    const path = join(tempDir(), '00000000000000000050.index');
    const index = new native.OffsetIndex(path, 50, 1024, true);
    index.append(60, 4100);
    index.append(75, 8300);
    expect(index.lookup(74)).toEqual({ offset: 60, position: 4100 });
    expect(index.lookup(49)).toEqual({ offset: 50, position: 0 });
    expect(() => index.append(70, 9000)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OFFSET' }));
    index.close();
    const bytes = readFileSync(path);
    expect([...bytes]).toEqual([0, 0, 0, 10, 0, 0, 0x10, 0x04, 0, 0, 0, 25, 0, 0, 0x20, 0x6c]);
  });

  test('time index entries are (timestamp i64, relative offset u32)', () => {
    const path = join(tempDir(), '00000000000000000050.timeindex');
    const index = new native.TimeIndex(path, 50, 1024, true);
    index.maybeAppend(1_700_000_000_000, 55);
    index.maybeAppend(1_699_000_000_000, 56);
    expect(index.entries).toBe(1);
    expect(index.lookup(1_800_000_000_000)).toEqual({ timestamp: 1_700_000_000_000, offset: 55 });
    index.close();
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(12);
    expect(bytes.readBigInt64BE(0)).toBe(1_700_000_000_000n);
    expect(bytes.readUInt32BE(8)).toBe(5);
  });

  test('an append writes the index entries it is given to the attached indexes, in the same call', () => {
    const dir = tempDir();
    const segment = new native.Segment(join(dir, '00000000000000000100.log'), 1 << 20, true);
    const offsetIndex = new native.OffsetIndex(join(dir, '00000000000000000100.index'), 100, 1024, true);
    const timeIndex = new native.TimeIndex(join(dir, '00000000000000000100.timeindex'), 100, 1024, true);
    const batch = sampleBatch(3);
    expect(() => segment.append(batch, 100, true, 102, -1, 0)).toThrow(
      expect.objectContaining({ code: 'ERR_NO_INDEXES' }),
    );
    expect(() => segment.attachIndexes(timeIndex as never, offsetIndex as never)).toThrow(TypeError);
    segment.attachIndexes(offsetIndex, timeIndex);
    segment.append(batch, 100, true, -1, -1, 0);
    const position = segment.size;
    segment.append(batch, 103, true, 105, 1_700_000_000_000, 104);
    expect(offsetIndex.lookup(105)).toEqual({ offset: 105, position });
    expect(timeIndex.lastEntry).toEqual({ timestamp: 1_700_000_000_000, offset: 104 });
    expect(segment.size).toBe(2 * batch.length);
    segment.close();
    offsetIndex.close();
    timeIndex.close();
  });

  test('an index entry that cannot be written cuts the batch off again, with the entries of the append', () => {
    const dir = tempDir();
    const segment = new native.Segment(join(dir, '00000000000000000000.log'), 1 << 20, true);
    const offsetIndex = new native.OffsetIndex(join(dir, '00000000000000000000.index'), 0, 1024, true);
    const timeIndex = new native.TimeIndex(join(dir, '00000000000000000000.timeindex'), 0, 1024, true);
    segment.attachIndexes(offsetIndex, timeIndex);
    const batch = sampleBatch(3);
    segment.append(batch, 0, true, 2, 1_700_000_000_000, 2);
    // A time entry before the last one's offset: the offset entry was written, then taken back.
    expect(() => segment.append(batch, 3, true, 5, 1_800_000_000_000, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OFFSET' }),
    );
    expect({ size: segment.size, offsetEntries: offsetIndex.entries, timeEntries: timeIndex.entries }).toEqual({
      size: batch.length,
      offsetEntries: 1,
      timeEntries: 1,
    });
    expect(statSync(join(dir, '00000000000000000000.log')).size).toBe(batch.length);
    segment.append(batch, 3, true, 5, 1_800_000_000_000, 5);
    expect(offsetIndex.lookup(5)).toEqual({ offset: 5, position: batch.length });
    segment.close();
    offsetIndex.close();
    timeIndex.close();
  });
});
