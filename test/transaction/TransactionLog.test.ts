/**
 * `__transaction_state` records byte for byte: laid out here field by field from Kafka's
 * TransactionLogKey.json and TransactionLogValue.json (v0, what TransactionLog.valueToBytes
 * writes), with Node's Buffer writers rather than our codec, and read back.
 */
import { describe, expect, it } from 'vitest';
import {
  readTransactionLogKey,
  readTransactionLogValue,
  transactionLogKey,
  transactionLogValue,
} from '../../src/transaction/TransactionLog.js';

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
function int64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
}
/** A non-flexible string: int16 length, UTF-8 bytes. */
function string(s: string): Buffer {
  return Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);
}

describe('TransactionLog records', () => {
  it('key v0: version, then the transactional id', () => {
    const key = transactionLogKey('tx-é');
    expect(key).toEqual(Buffer.concat([int16(0), string('tx-é')]));
    expect(readTransactionLogKey(key)).toBe('tx-é');
    expect(readTransactionLogKey(Buffer.concat([int16(1), string('x')]))).toBeNull();
  });

  it('value v0: producer, epoch, timeout, state id, partitions by topic, timestamps', () => {
    const value = {
      producerId: 1234567890123,
      producerEpoch: 7,
      transactionTimeoutMs: 60_000,
      transactionStatus: 1,
      transactionPartitions: [
        { topic: 'a', partitionIds: [0, 2] },
        { topic: 'b', partitionIds: [1] },
      ],
      transactionLastUpdateTimestampMs: 1_700_000_000_500,
      transactionStartTimestampMs: 1_700_000_000_000,
    };
    const expected = Buffer.concat([
      int16(0),
      int64(1234567890123),
      int16(7),
      int32(60_000),
      Buffer.from([1]),
      int32(2),
      string('a'),
      int32(2),
      int32(0),
      int32(2),
      string('b'),
      int32(1),
      int32(1),
      int64(1_700_000_000_500),
      int64(1_700_000_000_000),
    ]);
    expect(transactionLogValue(value)).toEqual(expected);
    expect(readTransactionLogValue(expected)).toMatchObject(value);
  });

  it('an Empty transaction has a null partition array (TransactionLog.valueToBytes)', () => {
    const bytes = transactionLogValue({
      producerId: 1,
      producerEpoch: 0,
      transactionTimeoutMs: 1000,
      transactionStatus: 0,
      transactionPartitions: null,
      transactionLastUpdateTimestampMs: 5,
      transactionStartTimestampMs: -1,
    });
    expect(bytes.subarray(17, 21)).toEqual(int32(-1));
    expect(readTransactionLogValue(bytes).transactionPartitions).toBeNull();
  });
});
