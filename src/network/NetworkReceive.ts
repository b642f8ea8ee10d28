/**
 * NetworkReceive: Kafka's org.apache.kafka.common.network.NetworkReceive on the requesting
 * side: size-prefixed response frames cut out of a byte stream. A size outside
 * [0, maxSize] is refused when its prefix arrives ("Invalid receive", InvalidReceiveException),
 * before any of the frame is held, so a peer announcing a huge frame costs four bytes.
 *
 * Every byte is copied out of the chunk it came in, into its frame (allocated at its size
 * when the prefix arrives, so its pages become resident only as bytes land), so the caller
 * may read the socket into one buffer it reuses (BrokerConnection's `onread`): a buffer
 * allocated per socket read (Node's default, 64 KiB at a time) is an ArrayBuffer each, and
 * V8 answers their churn with garbage collections (a follower receiving 100 MB/s of
 * fetches ran a scavenge every ~32 MB and a mark-compact every ~10 MB). Frames come from a
 * FramePool, which reuses those their readers give back. While a large frame is being
 * filled, the caller may read the socket straight into what is left of it (`room`, then
 * `landed`), sparing that copy: a follower receives each replicated byte so.
 */
import { TributaryError } from '../errors.js';
import { FramePool } from './FramePool.js';

const SIZE_PREFIX = 4;
/**
 * Least room worth a socket read of its own: a smaller rest of a frame is read with what
 * follows it into the caller's buffer, one read rather than two.
 */
const MIN_ROOM = 16 * 1024;

export class NetworkReceive {
  private readonly prefix = Buffer.alloc(SIZE_PREFIX);
  private prefixFilled = 0;
  /** The frame being filled, or null while reading its size prefix. */
  private frame: Buffer | null = null;
  private filled = 0;

  constructor(
    private readonly maxSize: number,
    /** Who sends the frames, for the error. */
    private readonly source: string,
    /** Where frames are allocated: a connection's own pool, to which their readers may give them back. */
    private readonly frames: FramePool = new FramePool(0, 0),
  ) {}

  /**
   * The frames `chunk` completes, their size prefixes dropped; throws ERR_INVALID_RESPONSE
   * for a refused size. Nothing of `chunk` is kept: the caller may reuse it at once.
   */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.frame === null) {
        at += this.fillPrefix(chunk, at);
        if (this.frame === null) break;
      }
      const n = chunk.copy(this.frame, this.filled, at, at + this.frame.length - this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.frame.length) frames.push(this.completeFrame());
    }
    // An empty frame is complete as soon as its prefix is.
    if (this.frame?.length === 0) frames.push(this.completeFrame());
    return frames;
  }

  /**
   * What is left to fill of the frame being read, for the next socket read to land in
   * directly; null while no frame has that much left (push the bytes instead).
   */
  get room(): Buffer | null {
    const frame = this.frame;
    return frame !== null && frame.length - this.filled >= MIN_ROOM ? frame.subarray(this.filled) : null;
  }

  /** `bytes` bytes were read into `room`: the frame they complete, if they do (as push). */
  landed(bytes: number): Buffer[] {
    this.filled += bytes;
    return this.filled === this.frame!.length ? [this.completeFrame()] : [];
  }

  /** Copies what `chunk` has of the size prefix; once whole, starts the frame. Returns the bytes taken. */
  private fillPrefix(chunk: Buffer, at: number): number {
    const n = chunk.copy(this.prefix, this.prefixFilled, at, at + SIZE_PREFIX - this.prefixFilled);
    this.prefixFilled += n;
    if (this.prefixFilled === SIZE_PREFIX) {
      const size = this.checkedSize(this.prefix.readInt32BE(0));
      this.prefixFilled = 0;
      this.frame = this.frames.take(size);
      this.filled = 0;
    }
    return n;
  }

  private completeFrame(): Buffer {
    const frame = this.frame!;
    this.frame = null;
    return frame;
  }

  private checkedSize(size: number): number {
    if (size >= 0 && size <= this.maxSize) return size;
    const why = size < 0 ? `size = ${size}` : `size = ${size} larger than ${this.maxSize}`;
    throw new TributaryError(`Invalid receive (${why}) from ${this.source}`, 'ERR_INVALID_RESPONSE');
  }
}
