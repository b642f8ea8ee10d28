import { expect, test } from 'vitest';
import { buildRecordBatch } from '../../src/record/RecordBatchBuilder.js';
import { batchesBelow, readInt64, writeInt64 } from '../../src/record/RecordBatchHeader.js';

const EDGES = [
  0,
  1,
  -1,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 32 - 1,
  2 ** 32,
  -(2 ** 32),
  1_795_661_386_606,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
];

test.each(EDGES)('int64 field %d: the bytes Node writes for the same BigInt, and read back', (value) => {
  const ours = Buffer.alloc(10);
  writeInt64(ours, value, 1);
  const node = Buffer.alloc(10);
  node.writeBigInt64BE(BigInt(value), 1);
  expect(ours).toEqual(node);
  expect(readInt64(node, 1)).toBe(value);
});

test.each([2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 3n, 2n ** 62n + 2n ** 10n + 1n])(
  'int64 field %d beyond the safe integers reads as Number(bigint) rounds it',
  (value) => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(value);
    expect(readInt64(bytes, 0)).toBe(Number(value));
  },
);

test('batchesBelow keeps the leading batches that end before the offset (a read cut at the last stable offset, as UnifiedLog.read with TXN_COMMITTED)', () => {
  const batch = (baseOffset: number, count: number) =>
    buildRecordBatch(
      Array.from({ length: count }, () => ({ value: Buffer.from('v'), timestamp: 0 })),
      { baseOffset },
    );
  // Offsets 0-1, 2-4, 5.
  const [a, b, c] = [batch(0, 2), batch(2, 3), batch(5, 1)];
  const read = Buffer.concat([a, b, c]);
  expect(batchesBelow(read, 0)).toHaveLength(0);
  expect(batchesBelow(read, 2)).toEqual(a);
  // An offset inside a batch leaves that batch out whole.
  expect(batchesBelow(read, 4)).toEqual(a);
  expect(batchesBelow(read, 5)).toEqual(Buffer.concat([a, b]));
  expect(batchesBelow(read, 6)).toBe(read);
  expect(batchesBelow(Buffer.alloc(0), 3)).toHaveLength(0);
});
