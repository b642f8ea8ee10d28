import { expect, test } from 'vitest';
import { readInt64, writeInt64 } from '../../src/record/RecordBatchHeader.js';

const EDGES = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, -(2 ** 32), 1_795_661_386_606, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

test.each(EDGES)('int64 field %d: the bytes Node writes for the same BigInt, and read back', (value) => {
  const ours = Buffer.alloc(10);
  writeInt64(ours, value, 1);
  const node = Buffer.alloc(10);
  node.writeBigInt64BE(BigInt(value), 1);
  expect(ours).toEqual(node);
  expect(readInt64(node, 1)).toBe(value);
});
