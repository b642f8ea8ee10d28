import { describe, expect, test } from 'vitest';
import { isTributaryError, KafkaErrors, TributaryError } from '../src/errors.js';
import { native } from '../src/native/addon.js';

describe('TributaryError', () => {
  test('maps its code to the Kafka error it becomes on the wire', () => {
    expect(new TributaryError('x', 'ERR_CORRUPT_BATCH').kafka).toBe(KafkaErrors.CORRUPT_MESSAGE);
    expect(new TributaryError('x', 'ERR_OFFSET_OUT_OF_RANGE').kafka).toMatchObject({ code: 1, retriable: false });
    expect(new TributaryError('x', 'ERR_MESSAGE_TOO_LARGE').kafka.code).toBe(10);
    expect(new TributaryError('x', 'ENOSPC').kafka).toBe(KafkaErrors.KAFKA_STORAGE_ERROR);
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
