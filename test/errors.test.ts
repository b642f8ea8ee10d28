import { describe, expect, test } from 'vitest';
import { isTributaryError, KafkaErrors, TributaryError } from '../src/errors.js';
import { native } from '../src/native/addon.js';

describe('TributaryError', () => {
  test('maps its code to the Kafka error it becomes on the wire', () => {
    expect(new TributaryError('x', 'ERR_CORRUPT_BATCH').kafka).toBe(KafkaErrors.CORRUPT_MESSAGE);
    expect(new TributaryError('x', 'ERR_OFFSET_OUT_OF_RANGE').kafka).toMatchObject({ code: 1, retriable: false });
    expect(new TributaryError('x', 'ERR_MESSAGE_TOO_LARGE').kafka.code).toBe(10);
    expect(new TributaryError('x', 'ENOSPC').kafka).toBe(KafkaErrors.KAFKA_STORAGE_ERROR);
    expect(new TributaryError('x', 'ERR_REBALANCE_IN_PROGRESS').kafka).toMatchObject({
      code: 27,
      name: 'REBALANCE_IN_PROGRESS',
    });
    expect(new TributaryError('x', 'ERR_toString').kafka).toBe(KafkaErrors.KAFKA_STORAGE_ERROR);
    expect(new TributaryError('x', 'ERR_UNKNOWN_TOPIC_OR_PARTITION').kafka).toMatchObject({ code: 3, retriable: true });
    expect(new TributaryError('x', 'ERR_UNKNOWN_TOPIC').kafka.code).toBe(3);
    expect(new TributaryError('x', 'ERR_INVALID_TOPIC').kafka).toMatchObject({
      code: 17,
      name: 'INVALID_TOPIC_EXCEPTION',
    });
    expect(new TributaryError('x', 'ERR_TOPIC_EXISTS').kafka).toMatchObject({ code: 36, name: 'TOPIC_ALREADY_EXISTS' });
  });

  test('native errors arrive as TributaryError with their details', () => {
    let error: unknown;
    try {
      new native.Segment('/nonexistent-dir/a.log', 4096, true);
    } catch (e) {
      error = e;
    }
    expect(isTributaryError(error, 'ENOENT')).toBe(true);
    expect(isTributaryError(error, 'EIO')).toBe(false);
    expect(error).toMatchObject({ name: 'TributaryError', errno: -2, syscall: 'open' });
  });
});
