/**
 * MemoryPool: the broker-wide budget of request bytes, `queued.max.request.bytes` (Kafka's
 * SimpleMemoryPool in SocketServer). A connection reserves a frame's declared size once it
 * has read the size prefix, before reading the body, and the reservation is released when
 * the request has been handled (or the connection closes). Reserving the declared size, not
 * the bytes as they arrive, is what guarantees progress: a connection holding a reservation
 * can always finish its frame, so frames read halfway can never deadlock the pool.
 *
 * One difference from Kafka's pool makes the bound hard: Kafka's is non-strict (it grants
 * any request while one byte is free, so it can overshoot by one request), ours grants a
 * reservation only when it fits. A request that fits goes ahead of a larger one waiting, so
 * slow senders of large frames filling most of the pool do not stop the small requests of
 * every other client; waiters are offered room in the order they came.
 */

import { FramePool } from '../network/FramePool.js';

/**
 * Request frames kept for reuse once handled, and the largest kept (8 MiB): at most 32 MiB
 * stays resident for them, where a frame allocated anew faults every page in as it is read.
 */
const FRAMES_KEPT = 4;
const LARGEST_FRAME_KEPT = 8 * 1024 * 1024;

interface Waiter {
  bytes: number;
  granted: () => void;
}

export class MemoryPool {
  /** The buffers request frames are read into (the accounting here is of their bytes). */
  readonly frames = new FramePool(FRAMES_KEPT, LARGEST_FRAME_KEPT);
  private reserved = 0;
  private readonly waiting: Waiter[] = [];

  /** `size` bytes in all; Infinity for no bound (Kafka's MemoryPool.NONE, queued.max.request.bytes <= 0). */
  constructor(readonly size: number) {}

  /** Bytes reserved by requests being read, queued or handled. */
  get used(): number {
    return this.reserved;
  }

  /** Connections waiting for room. */
  get waiters(): number {
    return this.waiting.length;
  }

  /**
   * Reserves `bytes` now (true), or queues the reservation (false): `granted` is called once
   * it has been made. A queued reservation is withdrawn with cancel(granted).
   */
  reserve(bytes: number, granted: () => void): boolean {
    if (this.reserved + bytes <= this.size) {
      this.reserved += bytes;
      return true;
    }
    this.waiting.push({ bytes, granted });
    return false;
  }

  cancel(granted: () => void): void {
    const at = this.waiting.findIndex((w) => w.granted === granted);
    if (at >= 0) this.waiting.splice(at, 1);
  }

  release(bytes: number): void {
    this.reserved -= bytes;
    this.grantWaiting();
  }

  private grantWaiting(): void {
    for (let i = 0; i < this.waiting.length && this.reserved < this.size;) {
      const waiter = this.waiting[i]!;
      if (this.reserved + waiter.bytes > this.size) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.reserved += waiter.bytes;
      waiter.granted();
    }
  }
}
