import { invalidRequest } from './ProtocolError.js';

const TWO_32 = 4294967296;

/**
 * Reads Kafka's primitive types from one frame, big-endian. Every read checks the bytes
 * left first and throws ERR_INVALID_REQUEST, so a length that claims more than the frame
 * holds fails before anything is allocated. Variable-length types come in the classic
 * form (int16/int32 length, -1 for null) and the compact form of flexible versions
 * (unsigned varint of length + 1, 0 for null).
 */
export class ProtocolReader {
  pos: number;
  end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private take(size: number, what: string): number {
    const at = this.pos;
    if (size > this.end - at) {
      throw invalidRequest(
        `${what} of ${size} bytes at byte ${at} runs past the end (${this.end - at} bytes left)`,
        at,
      );
    }
    this.pos = at + size;
    return at;
  }

  int8(): number {
    const at = this.take(1, 'int8');
    return (this.buf[at]! << 24) >> 24;
  }

  bool(): boolean {
    return this.buf[this.take(1, 'bool')] !== 0;
  }

  int16(): number {
    const at = this.take(2, 'int16');
    return (((this.buf[at]! << 8) | this.buf[at + 1]!) << 16) >> 16;
  }

  uint16(): number {
    const at = this.take(2, 'uint16');
    return (this.buf[at]! << 8) | this.buf[at + 1]!;
  }

  int32(): number {
    const b = this.buf;
    const at = this.take(4, 'int32');
    return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
  }

  /** Exact within ±2^53, which covers offsets and timestamps. */
  int64(): number {
    const b = this.buf;
    const at = this.take(8, 'int64');
    const high = (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
    const low = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
    return high * TWO_32 + low;
  }

  float64(): number {
    return this.buf.readDoubleBE(this.take(8, 'float64'));
  }

  /** A copy, so a kept id does not pin the frame. */
  uuid(): Buffer {
    const at = this.take(16, 'uuid');
    return Buffer.from(this.buf.subarray(at, at + 16));
  }

  /** Kafka's unsigned varint: 7 bits a byte, low first, at most 5 bytes (32 bits). */
  unsignedVarint(): number {
    const b = this.buf;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const byte = b[this.take(1, 'unsigned varint')]!;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
    throw invalidRequest(`unsigned varint longer than 5 bytes at byte ${this.pos - 5}`, this.pos - 5);
  }

  /** A string (int16), bytes or array (int32) length: -1 means null; other negative lengths are malformed. */
  private length(compact: boolean, wide: boolean): number {
    const at = this.pos;
    const length = compact ? this.unsignedVarint() - 1 : wide ? this.int32() : this.int16();
    if (length < -1) throw invalidRequest(`negative length ${length} at byte ${at}`, at);
    return length;
  }

  string(compact: boolean): string | null {
    const length = this.length(compact, false);
    if (length < 0) return null;
    const at = this.take(length, 'string');
    return this.buf.toString('utf8', at, at + length);
  }

  /** A view into the frame (no copy); null when the wire says null. */
  bytes(compact: boolean): Buffer | null {
    const length = this.length(compact, true);
    if (length < 0) return null;
    const at = this.take(length, 'bytes');
    return this.buf.subarray(at, at + length);
  }

  /**
   * An array's element count (-1 for null), checked against the bytes left: each element
   * takes at least `minElementSize` bytes, so a count the frame cannot hold fails here.
   */
  arrayLength(compact: boolean, minElementSize: number): number {
    const at = this.pos;
    const count = this.length(compact, true);
    if (count > 0 && count * Math.max(1, minElementSize) > this.end - this.pos) {
      throw invalidRequest(
        `array of ${count} elements at byte ${at} cannot fit in the ${this.end - this.pos} bytes left`,
        at,
      );
    }
    return count;
  }

  /**
   * A tagged-field section: a count, then (tag, size, data) each. `visit` reads a known
   * tag's data into `target` and returns true, which must then take exactly `size` bytes;
   * it returns false for an unknown tag, whose data is skipped.
   */
  taggedFields<T>(target: T, visit: (target: T, tag: number, reader: ProtocolReader) => boolean): void {
    const count = this.unsignedVarint();
    for (let i = 0; i < count; i++) {
      const tag = this.unsignedVarint();
      const size = this.unsignedVarint();
      const start = this.take(size, `tagged field ${tag}`);
      const outer = this.end;
      this.pos = start;
      this.end = start + size;
      const known = visit(target, tag, this);
      if (known && this.pos !== this.end)
        throw invalidRequest(`tagged field ${tag} at byte ${start} is not ${size} bytes`, start);
      this.pos = this.end;
      this.end = outer;
    }
  }
}
