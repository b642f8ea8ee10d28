import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { readVarlong, sizeOfVarlong, writeVarlong } from '../../src/record/varint.js';

describe('zig-zag varlong', () => {
  test('known encodings', () => {
    const encode = (v: number) => {
      const buf = Buffer.alloc(10);
      return [...buf.subarray(0, writeVarlong(buf, 0, v))];
    };
    expect(encode(0)).toEqual([0]);
    expect(encode(-1)).toEqual([1]);
    expect(encode(1)).toEqual([2]);
    expect(encode(63)).toEqual([0x7e]);
    expect(encode(-65)).toEqual([0x81, 0x01]);
    expect(encode(300)).toEqual([0xd8, 0x04]);
  });

  test('round trips across the safe integer range', () => {
    const buf = Buffer.alloc(10);
    for (const v of [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 40 + 7, -(2 ** 52), Number.MAX_SAFE_INTEGER >> 1]) {
      const end = writeVarlong(buf, 0, v);
      expect(end).toBe(sizeOfVarlong(v));
      expect(readVarlong(buf, 0, end)).toEqual({ value: v, next: end });
    }
    expect(readVarlong(Buffer.from([0x80, 0x80]), 0, 2)).toBeNull();
  });

  test('sizes and bytes agree with kafkajs (ByteUtils ported) around every length boundary', () => {
    const require = createRequire(import.meta.url);
    const Encoder = require('kafkajs/src/protocol/encoder') as new () => {
      writeVarLong(v: number): { buffer: Buffer };
    };
    const buf = Buffer.alloc(10);
    for (let bits = 5; bits <= 51; bits++) {
      for (const v of [2 ** bits - 1, 2 ** bits, -(2 ** bits), -(2 ** bits) - 1, 2 ** bits + 12345]) {
        const expected = new Encoder().writeVarLong(v).buffer;
        expect(sizeOfVarlong(v), `size of ${v}`).toBe(expected.length);
        expect(buf.subarray(0, writeVarlong(buf, 0, v)).equals(expected), `bytes of ${v}`).toBe(true);
      }
    }
  });
});
