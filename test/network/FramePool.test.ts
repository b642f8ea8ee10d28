/**
 * FramePool: a large frame given back is read into again (its pages stay resident), a
 * small one comes from Buffer's shared pool, and nothing given back twice or from elsewhere
 * is handed out as a second frame while the first may still be read.
 */
import { describe, expect, it } from 'vitest';
import { FramePool } from '../../src/network/FramePool.js';

const LARGE = 1_000_000;

describe('FramePool', () => {
  it('reuses a large frame given back for the next frame it fits, at the size asked', () => {
    const pool = new FramePool(2, 8 * LARGE);
    const first = pool.take(LARGE);
    expect(first.length).toBe(LARGE);
    pool.give(first);
    const second = pool.take(LARGE - 10);
    expect(second.length).toBe(LARGE - 10);
    expect(second.buffer).toBe(first.buffer);
  });

  it('allocates anew while a frame is out, and for a frame larger than any free buffer', () => {
    const pool = new FramePool(2, 8 * LARGE);
    const a = pool.take(LARGE);
    const b = pool.take(LARGE);
    expect(b.buffer).not.toBe(a.buffer);
    pool.give(a);
    expect(pool.take(4 * LARGE).buffer).not.toBe(a.buffer);
  });

  it('keeps at most `kept` free buffers, the largest', () => {
    const pool = new FramePool(1, 8 * LARGE);
    const small = pool.take(LARGE);
    const big = pool.take(3 * LARGE);
    pool.give(small);
    pool.give(big);
    expect(pool.take(LARGE).buffer).toBe(big.buffer);
    expect(pool.take(LARGE).buffer).not.toBe(small.buffer);
  });

  it('never keeps a frame past `largest`, so an idle connection holds at most `kept` x `largest`', () => {
    const pool = new FramePool(2, 2 * LARGE);
    const huge = pool.take(2 * LARGE + 1);
    pool.give(huge);
    expect(pool.take(2 * LARGE + 1).buffer).not.toBe(huge.buffer);
    const kept = pool.take(2 * LARGE);
    pool.give(kept);
    expect(pool.take(2 * LARGE).buffer).toBe(kept.buffer);
  });

  it('ignores buffers it did not make and a buffer given back twice', () => {
    const pool = new FramePool(2, 8 * LARGE);
    pool.give(Buffer.allocUnsafeSlow(LARGE));
    const frame = pool.take(LARGE);
    pool.give(frame);
    pool.give(frame);
    const next = pool.take(LARGE);
    expect(next.buffer).toBe(frame.buffer);
    expect(pool.take(LARGE).buffer).not.toBe(frame.buffer);
  });

  it('serves small frames from the shared pool and never takes that pool in as a free buffer', () => {
    const pool = new FramePool(2, 8 * LARGE);
    const small = pool.take(100);
    expect(small.length).toBe(100);
    expect(small.buffer.byteLength).toBe(Buffer.poolSize);
    pool.give(small);
    // Past the small bound, but within the shared pool's 8 KiB: a pooled slab would be handed out here.
    expect(pool.take(5000).buffer).not.toBe(small.buffer);
  });
});
