import { describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import {
  buildEndTransactionMarkerBatch,
  controlRecordType,
  readEndTransactionMarker,
} from '../../src/record/ControlRecord.js';
import { RecordBatch } from '../../src/record/RecordBatch.js';
import { validateRecordBatchSync } from '../../src/record/RecordBatchValidator.js';

describe('control records', () => {
  test.each(['commit', 'abort'] as const)(
    'a %s marker batch: control and transactional, one record, readable back',
    (type) => {
      const bytes = buildEndTransactionMarkerBatch(type, {
        producerId: 42,
        producerEpoch: 3,
        coordinatorEpoch: 17,
        timestamp: 1_700_000_000_000,
      });
      const batch = RecordBatch.from(bytes);
      expect([
        batch.isControl,
        batch.isTransactional,
        batch.producerId,
        batch.producerEpoch,
        batch.recordCount,
      ]).toEqual([true, true, 42, 3, 1]);
      const [record] = [...batch.records()];
      // Kafka's layout: key = version 0, type (0 abort, 1 commit); value = version 0, coordinatorEpoch.
      expect(record!.key!.toString('hex')).toBe(type === 'commit' ? '00000001' : '00000000');
      expect(record!.value!.toString('hex')).toBe('000000000011');
      expect(readEndTransactionMarker(record!)).toEqual({ type, coordinatorEpoch: 17 });
      expect(validateRecordBatchSync(bytes, { origin: 'coordinator' }).recordCount).toBe(1);
      expect(() => validateRecordBatchSync(bytes)).toThrow(/control/);
    },
  );

  test('unknown types are named, malformed keys and values are typed errors', () => {
    expect(controlRecordType(Buffer.from('00000002', 'hex'))).toBe('unknown');
    const codes = [Buffer.from('0000', 'hex'), null, Buffer.from('ffff0001', 'hex')].map((key) => {
      try {
        controlRecordType(key);
        return 'none';
      } catch (error) {
        return isTributaryError(error) ? error.code : 'untyped';
      }
    });
    expect(codes).toEqual(['ERR_INVALID_RECORD', 'ERR_INVALID_RECORD', 'ERR_INVALID_RECORD']);
    const record = {
      offset: 0,
      timestamp: 0,
      key: Buffer.from('00000001', 'hex'),
      value: Buffer.from('0000', 'hex'),
      headers: [],
    };
    expect(() => readEndTransactionMarker(record)).toThrow(/marker value of 2 bytes/);
  });
});
