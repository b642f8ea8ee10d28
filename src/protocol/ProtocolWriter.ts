import { invalidArgument } from '../errors.js';

const TWO_32 = 4294967296;

function checkStringSize(size: number): number {
  if (size > 0x7fff) throw invalidArgument(`string of ${size} bytes is longer than Kafka's 32767`);
  return size;
}

/** A records field: one buffer, several written back to back, or null. */
export type RecordsValue = Buffer | readonly Buffer[] | null;

/**
 * Writes Kafka's primitive types into chunks. Small fields go into a growing scratch
 * buffer; a records field ends the current chunk and its buffers become chunks of their
 * own, so mapped log views reach the socket without a copy. Bytes already handed out as a
 * chunk are never written again (growing copies only the open chunk).
 */
export class ProtocolWriter {
  private buf: Buffer;
  private pos = 0;
  private chunkStart = 0;
  private flushed = 0;
  private readonly chunks: Buffer[] = [];

  constructor(initialSize = 512) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private ensure(size: number): void {
    if (this.buf.length - this.pos >= size) return;
    const open = this.pos - this.chunkStart;
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, open + size));
    this.buf.copy(next, 0, this.chunkStart, this.pos);
    this.buf = next;
    this.chunkStart = 0;
    this.pos = open;
  }

  private checked(value: number, fits: boolean, type: string): void {
    if (!fits) throw invalidArgument(`${value} is not a valid ${type}`);
  }

  /** The low 32 bits of `value`, big-endian; room already ensured. */
  private word32(value: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = value >>> 24;
    b[p + 1] = value >>> 16;
    b[p + 2] = value >>> 8;
    b[p + 3] = value;
    this.pos = p + 4;
  }

  private word16(value: number): void {
    this.ensure(2);
    this.buf[this.pos] = value >>> 8;
    this.buf[this.pos + 1] = value;
    this.pos += 2;
  }

  int8(value: number): void {
    this.checked(value, value === (value << 24) >> 24, 'int8');
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  int16(value: number): void {
    this.checked(value, value === (value << 16) >> 16, 'int16');
    this.word16(value);
  }

  uint16(value: number): void {
    this.checked(value, value === (value & 0xffff), 'uint16');
    this.word16(value);
  }

  int32(value: number): void {
    this.checked(value, value === (value | 0), 'int32');
    this.ensure(4);
    this.word32(value);
  }

  int64(value: number | bigint): void {
    this.ensure(8);
    if (typeof value === 'bigint') {
      this.pos = this.buf.writeBigInt64BE(value, this.pos);
      return;
    }
    this.checked(value, Number.isSafeInteger(value), 'int64 number (pass a bigint)');
    const high = Math.floor(value / TWO_32);
    this.word32(high);
    this.word32(value - high * TWO_32);
  }

  float64(value: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(value, this.pos);
  }

  uuid(value: Buffer): void {
    if (value.length !== 16) throw invalidArgument(`uuid must be 16 bytes, got ${value.length}`);
    this.raw(value);
  }

  unsignedVarint(value: number): void {
    this.ensure(5);
    const b = this.buf;
    while (value >= 0x80) {
      b[this.pos++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    b[this.pos++] = value;
  }

  /** A string, bytes or array length; -1 writes null. */
  private length(length: number, compact: boolean, wide: boolean): void {
    if (compact) this.unsignedVarint(length + 1);
    else if (wide) this.int32(length);
    else this.int16(length);
  }

  string(value: string | null, compact: boolean): void {
    if (value === null) return this.length(-1, compact, false);
    const most = 3 * value.length;
    if (compact && most >= 0x7f) {
      // The varint length may take more than one byte: measure first.
      const size = checkStringSize(Buffer.byteLength(value, 'utf8'));
      this.length(size, true, false);
      this.ensure(size);
      this.pos += this.buf.write(value, this.pos, 'utf8');
      return;
    }
    const prefix = compact ? 1 : 2;
    this.ensure(prefix + most);
    const written = checkStringSize(this.buf.write(value, this.pos + prefix, 'utf8'));
    if (compact) this.buf[this.pos] = written + 1;
    else {
      this.buf[this.pos] = written >>> 8;
      this.buf[this.pos + 1] = written;
    }
    this.pos += prefix + written;
  }

  bytes(value: Buffer | null, compact: boolean): void {
    if (value === null) return this.length(-1, compact, true);
    this.length(value.length, compact, true);
    this.raw(value);
  }

  /** Records buffers become chunks of their own, in order, after their total length. */
  records(value: RecordsValue, compact: boolean): void {
    if (value === null) return this.length(-1, compact, true);
    const parts: readonly Buffer[] = Buffer.isBuffer(value) ? [value] : value;
    let size = 0;
    for (const part of parts) size += part.length;
    this.length(size, compact, true);
    this.flush();
    for (const part of parts) if (part.length > 0) this.chunks.push(part);
    this.flushed += size;
  }

  arrayLength(count: number, compact: boolean): void {
    this.length(count, compact, true);
  }

  /** Copies `value` in. */
  raw(value: Uint8Array): void {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  private flush(): void {
    if (this.pos === this.chunkStart) return;
    this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    this.flushed += this.pos - this.chunkStart;
    this.chunkStart = this.pos;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.flushed + this.pos - this.chunkStart;
  }

  /** Everything written, as chunks to send in order. */
  finish(): Buffer[] {
    this.flush();
    return this.chunks;
  }
}
