/**
 * Zig-zag varints as Kafka's records use them (ByteUtils.writeVarint / writeVarlong):
 * varint for 32-bit fields, varlong for 64-bit ones, here for values within the safe
 * integer range of a JS number.
 */

/**
 * Values whose zig-zag form fits 31 bits (every length and offset delta, most timestamp
 * deltas) take integer shifts; the rest the arithmetic that is exact up to 2^53.
 */
const SMALL = 0x4000_0000;

/** Bytes the zig-zag varlong of `value` takes. */
export function sizeOfVarlong(value: number): number {
  if (value >= -64 && value < 64) return 1;
  if (value > -SMALL && value < SMALL) {
    const zz = (value << 1) ^ (value >> 31);
    return zz < 0x4000 ? 2 : zz < 0x20_0000 ? 3 : zz < 0x1000_0000 ? 4 : 5;
  }
  let zz = zigzag(value);
  let size = 1;
  while (zz >= 0x80) {
    zz = Math.floor(zz / 128);
    size++;
  }
  return size;
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Writes the zig-zag varlong of `value` at `offset`; returns the offset after it. */
export function writeVarlong(buf: Uint8Array, offset: number, value: number): number {
  if (value >= -64 && value < 64) {
    buf[offset] = value >= 0 ? value * 2 : -value * 2 - 1;
    return offset + 1;
  }
  if (value > -SMALL && value < SMALL) return writeSmall(buf, offset, (value << 1) ^ (value >> 31));
  let zz = zigzag(value);
  while (zz >= 0x80) {
    buf[offset++] = (zz % 128) | 0x80;
    zz = Math.floor(zz / 128);
  }
  buf[offset++] = zz;
  return offset;
}

function writeSmall(buf: Uint8Array, offset: number, zz: number): number {
  while (zz >= 0x80) {
    buf[offset++] = (zz & 0x7f) | 0x80;
    zz >>>= 7;
  }
  buf[offset++] = zz;
  return offset;
}

export interface VarintRead {
  value: number;
  next: number;
}

/** Reads a zig-zag varlong at `offset`; `null` if it runs past `end` or past 10 bytes. */
export function readVarlong(buf: Uint8Array, offset: number, end: number): VarintRead | null {
  let zz = 0;
  let scale = 1;
  for (let i = 0; i < 10 && offset < end; i++) {
    const byte = buf[offset++]!;
    zz += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return { value: zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2, next: offset };
    scale *= 128;
  }
  return null;
}
