import { describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import { ProtocolWriter } from '../../src/protocol/ProtocolWriter.js';

function bytes(write: (w: ProtocolWriter) => void): number[] {
  const w = new ProtocolWriter(4);
  write(w);
  return [...Buffer.concat(w.finish())];
}

describe('ProtocolWriter', () => {
  test('fixed-width integers, big-endian', () => {
    expect(
      bytes((w) => {
        w.int8(-1);
        w.int16(-2);
        w.int32(-2147483648);
        w.uint16(0xfffe);
        w.bool(true);
        w.bool(false);
      }),
    ).toEqual([0xff, 0xff, 0xfe, 0x80, 0, 0, 0, 0xff, 0xfe, 1, 0]);
  });

  test('int64 from a number or a bigint', () => {
    const expected = Buffer.alloc(32);
    [-1n, 2n ** 53n - 1n, -(2n ** 40n) - 5n, 2n ** 63n - 1n].forEach((v, i) => expected.writeBigInt64BE(v, 8 * i));
    const written = bytes((w) => {
      w.int64(-1);
      w.int64(2 ** 53 - 1);
      w.int64(-(2 ** 40) - 5);
      w.int64(2n ** 63n - 1n);
    });
    expect(written).toEqual([...expected]);
  });

  test('int64 refuses numbers it cannot write exactly', () => {
    for (const v of [2 ** 53, 1.5, NaN]) {
      expect(() => bytes((w) => w.int64(v))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  test('float64 and uuid', () => {
    const expected = Buffer.alloc(24);
    expected.writeDoubleBE(-0.5, 0);
    expected.fill(7, 8);
    expect(
      bytes((w) => {
        w.float64(-0.5);
        w.uuid(Buffer.alloc(16, 7));
      }),
    ).toEqual([...expected]);
    let error: unknown;
    try {
      bytes((w) => w.uuid(Buffer.alloc(15)));
    } catch (e) {
      error = e;
    }
    expect(isTributaryError(error, 'ERR_INVALID_ARGUMENT')).toBe(true);
  });

  test('unsigned varints', () => {
    expect(bytes((w) => w.unsignedVarint(0))).toEqual([0]);
    expect(bytes((w) => w.unsignedVarint(127))).toEqual([0x7f]);
    expect(bytes((w) => w.unsignedVarint(128))).toEqual([0x80, 0x01]);
    expect(bytes((w) => w.unsignedVarint(300))).toEqual([0xac, 0x02]);
    expect(bytes((w) => w.unsignedVarint(0xffffffff))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  test('strings: classic int16 length or compact length + 1; null as -1 / 0', () => {
    expect(bytes((w) => w.string('hi', false))).toEqual([0, 2, 0x68, 0x69]);
    expect(bytes((w) => w.string('é', false))).toEqual([0, 2, 0xc3, 0xa9]);
    expect(bytes((w) => w.string(null, false))).toEqual([0xff, 0xff]);
    expect(bytes((w) => w.string('hi', true))).toEqual([3, 0x68, 0x69]);
    expect(bytes((w) => w.string('', true))).toEqual([1]);
    expect(bytes((w) => w.string(null, true))).toEqual([0]);
  });

  test('a long compact string gets a multi-byte length', () => {
    const text = 'x'.repeat(200);
    expect(bytes((w) => w.string(text, true))).toEqual([0xc9, 0x01, ...Buffer.from(text)]);
    expect(bytes((w) => w.string('€'.repeat(50), true)).slice(0, 2)).toEqual([151, 1]);
  });

  test('a string over 32767 bytes is refused', () => {
    expect(() => bytes((w) => w.string('x'.repeat(32768), false))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => bytes((w) => w.string('x'.repeat(32768), true))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  test('bytes and array lengths', () => {
    expect(bytes((w) => w.bytes(Buffer.from([5]), false))).toEqual([0, 0, 0, 1, 5]);
    expect(bytes((w) => w.bytes(null, false))).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(bytes((w) => w.bytes(Buffer.from([5]), true))).toEqual([2, 5]);
    expect(bytes((w) => w.arrayLength(3, false))).toEqual([0, 0, 0, 3]);
    expect(bytes((w) => w.arrayLength(-1, true))).toEqual([0]);
  });

  describe('records', () => {
    test('each buffer becomes its own chunk, after the total length', () => {
      const a = Buffer.from('abc');
      const b = Buffer.from('de');
      const w = new ProtocolWriter();
      w.int16(1);
      w.records([a, b], false);
      w.int8(2);
      const chunks = w.finish();
      expect(chunks).toHaveLength(4);
      expect([...chunks[0]!]).toEqual([0, 1, 0, 0, 0, 5]);
      expect(chunks[1]).toBe(a);
      expect(chunks[2]).toBe(b);
      expect([...chunks[3]!]).toEqual([2]);
      expect(w.size).toBe(12);
    });

    test('one buffer, compact length, null', () => {
      const a = Buffer.from('abc');
      const w = new ProtocolWriter();
      w.records(a, true);
      w.records(null, true);
      w.records(null, false);
      const chunks = w.finish();
      expect(chunks[1]).toBe(a);
      expect([...chunks[0]!, ...chunks[2]!]).toEqual([4, 0, 0xff, 0xff, 0xff, 0xff]);
    });
  });

  test('growing never rewrites a chunk already handed out', () => {
    const w = new ProtocolWriter(8);
    w.int32(1);
    w.records(Buffer.from('r'), false);
    for (let i = 0; i < 100; i++) w.int32(i);
    const chunks = w.finish();
    expect([...chunks[0]!]).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
    const tail = Buffer.concat(chunks.slice(2));
    expect(tail).toHaveLength(400);
    for (let i = 0; i < 100; i++) expect(tail.readInt32BE(4 * i)).toBe(i);
  });
});
