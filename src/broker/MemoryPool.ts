/**
 * MemoryPool: the broker-wide budget of request bytes, `queued.max.request.bytes` (Kafka's
 * SimpleMemoryPool in SocketServer). A connection reserves a frame's declared size once it
 * has read the size prefix, before reading the body, and the reservation is released when
 * the request has been handled (or the connection closes). Reserving the declared size, not
 * the bytes as they arrive, is what guarantees progress: a connection holding a reservation
 * can always finish its frame, so frames read halfway can never deadlock the pool.
 *
 * Two choices differ from Kafka's pool, both to make the bound hard: Kafka's is non-strict
 * (it grants any request while one byte is free, so it can overshoot by one request), ours
 * grants a reservation only when it fits; and waiters are served in arrival order, so a large
 * frame waiting for room is not starved by smaller ones arriving after it (Kafka shuffles
 * its channels under memory pressure for the same reason).
 */

interface Waiter {
  bytes: number;
  granted: () => void;
}

export class MemoryPool {
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
    if (this.waiting.length === 0 && this.reserved + bytes <= this.size) {
      this.reserved += bytes;
      return true;
    }
    this.waiting.push({ bytes, granted });
    return false;
  }

  cancel(granted: () => void): void {
    const at = this.waiting.findIndex((w) => w.granted === granted);
    if (at < 0) return;
    this.waiting.splice(at, 1);
    // The head may have been what held the others back.
    if (at === 0) this.grantWaiting();
  }

  release(bytes: number): void {
    this.reserved -= bytes;
    this.grantWaiting();
  }

  private grantWaiting(): void {
    while (this.waiting.length > 0 && this.reserved + this.waiting[0]!.bytes <= this.size) {
      const next = this.waiting.shift()!;
      this.reserved += next.bytes;
      next.granted();
    }
  }
}
