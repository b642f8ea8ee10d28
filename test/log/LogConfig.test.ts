import { describe, expect, test } from 'vitest';
import { DEFAULT_LOG_CONFIG, resolveLogConfig } from '../../src/log/LogConfig.js';

describe('LogConfig', () => {
  test("Kafka's defaults", () => {
    expect(resolveLogConfig()).toEqual(DEFAULT_LOG_CONFIG);
    expect(DEFAULT_LOG_CONFIG).toMatchObject({
      segmentBytes: 1073741824,
      indexIntervalBytes: 4096,
      segmentIndexBytes: 10485760,
    });
  });

  test.each([
    [{ segmentBytes: 10 }, /segmentBytes/],
    [{ segmentBytes: 2 ** 31 }, /segmentBytes/],
    [{ retentionMs: -2 }, /retentionMs/],
    [{ indexIntervalBytes: 1.5 }, /indexIntervalBytes/],
    [{ durability: 'sometimes' }, /durability/],
    [{ segmentByte: 100 }, /unknown log config segmentByte/],
  ])('refuses %o', (bad, message) => {
    expect(() => resolveLogConfig(bad as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG', message: expect.stringMatching(message) }),
    );
  });
});
