/**
 * NetworkReceive: Kafka's org.apache.kafka.common.network.NetworkReceive on the requesting
 * side: size-prefixed response frames cut out of a byte stream. A size outside
 * [0, maxSize] is refused when its prefix arrives ("Invalid receive", InvalidReceiveException),
 * before any of the frame is held, so a peer announcing a huge frame costs four bytes. Chunks
 * are kept as they come and each frame is copied out once, however many reads it took.
 */
import { TributaryError } from '../errors.js';

const SIZE_PREFIX = 4;

export class NetworkReceive {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being read, or -1 while reading its size prefix. */
  private size = -1;

  constructor(
    private readonly maxSize: number,
    /** Who sends the frames, for the error. */
    private readonly source: string,
  ) {}

  /** The frames `chunk` completes, their size prefixes dropped; throws ERR_INVALID_RESPONSE for a refused size. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.size < 0) {
        if (this.buffered < SIZE_PREFIX) break;
        this.size = this.checkedSize(this.take(SIZE_PREFIX).readInt32BE(0));
      }
      if (this.buffered < this.size) break;
      frames.push(this.take(this.size));
      this.size = -1;
    }
    return frames;
  }

  private checkedSize(size: number): number {
    if (size >= 0 && size <= this.maxSize) return size;
    const why = size < 0 ? `size = ${size}` : `size = ${size} larger than ${this.maxSize}`;
    throw new TributaryError(`Invalid receive (${why}) from ${this.source}`, 'ERR_INVALID_RESPONSE');
  }

  /** The next `n` buffered bytes: a view when one chunk holds them, else one copy of the pieces. */
  private take(n: number): Buffer {
    const pieces: Buffer[] = [];
    let needed = n;
    while (needed > 0) {
      const first = this.chunks[0]!;
      if (first.length <= needed) {
        pieces.push(first);
        this.chunks.shift();
        needed -= first.length;
      } else {
        pieces.push(first.subarray(0, needed));
        this.chunks[0] = first.subarray(needed);
        needed = 0;
      }
    }
    this.buffered -= n;
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, n);
  }
}
