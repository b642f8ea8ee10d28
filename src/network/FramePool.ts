/**
 * FramePool: the buffers large frames are read into, each given back by the reader done
 * with it and read into again: a connection's responses (BrokerConnection.requestLeased: a
 * follower's fetch responses) and a broker's requests once handled (Connection). A frame
 * buffer allocated anew is memory the process has not touched, or gave back to the system
 * when the last one was freed: every page of it faults in as the frame is copied in, which
 * on this project's VMs cost a follower more than the bytes' own copy (~50 ms per 67 MB
 * replicated). A pooled buffer's pages stay resident. Frames no reader gives back are left
 * to the garbage collector, as any buffer.
 */

/** Frames smaller than this come from Buffer's shared pool, not an ArrayBuffer of their own. */
const POOLED_FRAME_BYTES = Buffer.poolSize >>> 1;
/** Sizes are rounded up to this, so a buffer serves the next frame of about the same size. */
const SIZE_STEP = 64 * 1024;

export class FramePool {
  /** ArrayBuffers this pool allocated, so a frame given back is known to be one of them. */
  private readonly owned = new WeakSet<ArrayBuffer>();
  /** Given back and free, smallest first. */
  private readonly free: ArrayBuffer[] = [];

  /**
   * `kept`: how many free buffers the pool holds at most (the largest are kept);
   * `largest`: frames past this size are allocated on their own and never kept.
   */
  constructor(
    private readonly kept: number,
    private readonly largest: number,
  ) {}

  /** A buffer of exactly `size` bytes, its contents undefined. */
  take(size: number): Buffer {
    if (size < POOLED_FRAME_BYTES) return Buffer.allocUnsafe(size);
    if (size > this.largest) return Buffer.allocUnsafeSlow(size);
    const i = this.free.findIndex((b) => b.byteLength >= size);
    const buffer = i >= 0 ? this.free.splice(i, 1)[0]! : this.allocate(size);
    return Buffer.from(buffer, 0, size);
  }

  /** Gives `frame` back: nothing may read it after this. A frame the pool did not make is ignored. */
  give(frame: Buffer): void {
    const buffer = frame.buffer;
    if (!(buffer instanceof ArrayBuffer) || !this.owned.has(buffer) || this.free.includes(buffer)) return;
    this.free.push(buffer);
    this.free.sort((a, b) => a.byteLength - b.byteLength);
    if (this.free.length > this.kept) this.free.shift();
  }

  private allocate(size: number): ArrayBuffer {
    const buffer = Buffer.allocUnsafeSlow(Math.ceil(size / SIZE_STEP) * SIZE_STEP).buffer as ArrayBuffer;
    this.owned.add(buffer);
    return buffer;
  }
}
