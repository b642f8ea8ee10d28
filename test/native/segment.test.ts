import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
    expect(() => segment.append(sampleBatch(1, 1, 5000), 0)).toThrow(expect.objectContaining({ code: 'ERR_SEGMENT_FULL' }));
    expect(() => segment.read(0, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => segment.append(Buffer.from('not a batch'), 0)).toThrow(expect.objectContaining({ code: 'ERR_TRUNCATED' }));
    expect(() => segment.append('x' as unknown as Buffer, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => segment.append(sampleBatch(1), -1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
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
});
