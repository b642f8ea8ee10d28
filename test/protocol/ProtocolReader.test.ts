import { describe, expect, test } from 'vitest';
import { ProtocolError } from '../../src/protocol/ProtocolError.js';
import { ProtocolReader } from '../../src/protocol/ProtocolReader.js';

const reader = (...bytes: number[]) => new ProtocolReader(Buffer.from(bytes));

function invalid(read: () => unknown): ProtocolError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('ERR_INVALID_REQUEST');
    return error as ProtocolError;
  }
  throw new Error('expected ERR_INVALID_REQUEST');
}

describe('ProtocolReader', () => {
  test('fixed-width integers are big-endian and signed (uint16 unsigned)', () => {
    const r = reader(0xff, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe);
    expect(r.int8()).toBe(-1);
    expect(r.int16()).toBe(-2);
    expect(r.int32()).toBe(-2147483648);
    expect(r.int8()).toBe(0);
    expect(r.uint16()).toBe(0xfffe);
    expect(r.remaining).toBe(0);
  });

  test('int64 as a number, exact within 2^53', () => {
    const buf = Buffer.alloc(24);
    buf.writeBigInt64BE(-1n, 0);
    buf.writeBigInt64BE(2n ** 53n - 1n, 8);
    buf.writeBigInt64BE(-(2n ** 40n) - 5n, 16);
    const r = new ProtocolReader(buf);
    expect([r.int64(), r.int64(), r.int64()]).toEqual([-1, 2 ** 53 - 1, -(2 ** 40) - 5]);
  });

  test('bool, float64 and uuid (a copy, not a view)', () => {
    const buf = Buffer.alloc(1 + 8 + 16);
    buf[0] = 2;
    buf.writeDoubleBE(-0.5, 1);
    buf.fill(0xab, 9);
    const r = new ProtocolReader(buf);
    expect(r.bool()).toBe(true);
    expect(r.float64()).toBe(-0.5);
    const id = r.uuid();
    expect(id).toEqual(Buffer.alloc(16, 0xab));
    buf.fill(0, 9);
    expect(id[0]).toBe(0xab);
  });

  test('unsigned varints: 7 bits a byte, low group first, up to 5 bytes', () => {
    expect(reader(0x00).unsignedVarint()).toBe(0);
    expect(reader(0x7f).unsignedVarint()).toBe(127);
    expect(reader(0x80, 0x01).unsignedVarint()).toBe(128);
    expect(reader(0xac, 0x02).unsignedVarint()).toBe(300);
    expect(reader(0xff, 0xff, 0xff, 0xff, 0x0f).unsignedVarint()).toBe(0xffffffff);
    invalid(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x01).unsignedVarint());
    invalid(() => reader(0x80, 0x80).unsignedVarint());
  });

  test('classic strings: int16 length, -1 is null', () => {
    const r = reader(0x00, 0x02, 0x68, 0x69, 0xff, 0xff, 0x00, 0x00, 0x00, 0x03, 0xc3, 0xa9, 0x21);
    expect(r.string(false)).toBe('hi');
    expect(r.string(false)).toBeNull();
    expect(r.string(false)).toBe('');
    expect(r.string(false)).toBe('é!');
  });

  test('compact strings: unsigned varint of length + 1, 0 is null', () => {
    const r = reader(0x03, 0x68, 0x69, 0x00, 0x01);
    expect(r.string(true)).toBe('hi');
    expect(r.string(true)).toBeNull();
    expect(r.string(true)).toBe('');
  });

  test('bytes are views into the frame, int32 or compact length', () => {
    const buf = Buffer.from([0, 0, 0, 2, 7, 8, 0xff, 0xff, 0xff, 0xff, 0x02, 9, 0x00]);
    const r = new ProtocolReader(buf);
    const view = r.bytes(false)!;
    expect([...view]).toEqual([7, 8]);
    expect(view.buffer).toBe(buf.buffer);
    expect(view.byteOffset).toBe(buf.byteOffset + 4);
    expect(r.bytes(false)).toBeNull();
    expect([...r.bytes(true)!]).toEqual([9]);
    expect(r.bytes(true)).toBeNull();
  });

  test('negative lengths other than -1 are malformed', () => {
    expect(invalid(() => reader(0xff, 0xfe).string(false)).message).toMatch(/negative length -2/);
    invalid(() => reader(0x80, 0x00, 0x00, 0x00).bytes(false));
    invalid(() => reader(0xff, 0xff, 0xff, 0xfe).arrayLength(false, 4));
  });

  test('lengths past the end fail before allocating', () => {
    invalid(() => reader(0x00, 0x05, 0x61).string(false));
    invalid(() => reader(0x7f, 0xff, 0xff, 0xff, 0).bytes(false));
    invalid(() => reader(0x06, 0x61).string(true));
    const huge = Buffer.alloc(20);
    huge.writeInt32BE(1_000_000_000, 0);
    const error = invalid(() => new ProtocolReader(huge).arrayLength(false, 1));
    expect(error.message).toMatch(/array of 1000000000 elements/);
    expect(error.position).toBe(0);
  });

  test('an array count must fit its elements in the bytes left', () => {
    const buf = Buffer.from([0, 0, 0, 3, ...new Array<number>(11).fill(0)]);
    expect(new ProtocolReader(buf).arrayLength(false, 3)).toBe(3);
    invalid(() => new ProtocolReader(buf).arrayLength(false, 4));
    expect(reader(0x00).arrayLength(true, 4)).toBe(-1);
    expect(reader(0x01).arrayLength(true, 4)).toBe(0);
  });

  test('every fixed-width read checks the bytes left', () => {
    invalid(() => reader().int8());
    invalid(() => reader().bool());
    invalid(() => reader(0).int16());
    invalid(() => reader(0).uint16());
    invalid(() => reader(0, 0, 0).int32());
    invalid(() => reader(0, 0, 0, 0, 0, 0, 0).int64());
    invalid(() => reader(0, 0, 0, 0, 0, 0, 0).float64());
    invalid(() => new ProtocolReader(Buffer.alloc(15)).uuid());
  });

  test('reads stay inside [start, end) of a larger buffer', () => {
    const buf = Buffer.from([9, 0, 0, 0, 1, 9]);
    const r = new ProtocolReader(buf, 1, 5);
    expect(r.int32()).toBe(1);
    invalid(() => r.int8());
  });

  describe('tagged fields', () => {
    // count 2; tag 0 size 2 data 00 05; tag 7 size 1 data ff (unknown)
    const section = [0x02, 0x00, 0x02, 0x00, 0x05, 0x07, 0x01, 0xff];

    test('known tags are read, unknown ones skipped', () => {
      const r = reader(...section, 0x2a);
      const seen: number[] = [];
      r.taggedFields(seen, (into, tag, inner) => {
        if (tag !== 0) return false;
        into.push(inner.int16());
        return true;
      });
      expect(seen).toEqual([5]);
      expect(r.int8()).toBe(42);
    });

    test('a known tag must be read to exactly its size', () => {
      invalid(() =>
        reader(...section).taggedFields(null, (_, tag, inner) => (tag === 0 ? (inner.int8(), true) : false)),
      );
      invalid(() =>
        reader(...section).taggedFields(null, (_, tag, inner) => (tag === 0 ? (inner.int32(), true) : false)),
      );
    });

    test('a size past the end fails', () => {
      invalid(() => reader(0x01, 0x00, 0x09, 0x00).taggedFields(null, () => false));
      invalid(() => reader(0x03, 0x00, 0x00).taggedFields(null, () => false));
    });
  });
});
