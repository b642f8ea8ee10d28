/**
 * Zig-zag varints as Kafka's records use them (ByteUtils.writeVarint / writeVarlong):
 * varint for 32-bit fields, varlong for 64-bit ones, here for values within the safe
 * integer range of a JS number.
 */

/** Bytes the zig-zag varlong of `value` takes. */
export function sizeOfVarlong(value: number): number {
  if (value >= -64 && value < 64) return 1;
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
  let zz = zigzag(value);
  while (zz >= 0x80) {
    buf[offset++] = (zz % 128) | 0x80;
    zz = Math.floor(zz / 128);
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
