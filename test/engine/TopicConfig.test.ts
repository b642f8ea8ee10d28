import { describe, expect, test } from 'vitest';
import { DEFAULT_LOG_CONFIG } from '../../src/log/LogConfig.js';
import {
  collisionKey,
  normalizeTopicConfig,
  normalizeTopicConfigs,
  resolveTopicConfig,
  TOPIC_CONFIGS,
  validateTopicName,
} from '../../src/engine/TopicConfig.js';

const invalidConfig = (text: string) =>
  expect.objectContaining({ code: 'ERR_INVALID_CONFIG', message: expect.stringContaining(text) });

describe('validateTopicName', () => {
  // Names like those of Kafka's TopicTest.
  test.each(['valid', 'TOPIC', 'nAmEs', 'ar6', 'VaL1d', '_0-9_.', '...', 'a'.repeat(249)])('accepts %s', (name) => {
    expect(() => validateTopicName(name)).not.toThrow();
  });

  test.each(['', 'foo bar', '..', 'foo:bar', 'foo=bar', '.', 'a'.repeat(250), 'héllo', 'a/b'])('refuses %j', (name) => {
    expect(() => validateTopicName(name)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TOPIC' }));
  });

  test('. and _ collide', () => {
    expect(collisionKey('a.b_c')).toBe(collisionKey('a_b.c'));
    expect(collisionKey('a-b')).not.toBe(collisionKey('a_b'));
  });
});

describe('topic configs', () => {
  test('Kafka defaults map onto the log defaults', () => {
    const resolved = resolveTopicConfig(3, {});
    expect(resolved.log).toEqual(DEFAULT_LOG_CONFIG);
    expect(resolved).toMatchObject({
      partitions: 3,
      cleanupPolicy: 'delete',
      compressionType: 'producer',
      messageTimestampType: 'CreateTime',
    });
    expect(resolved.values['retention.ms']).toBe('604800000');
    expect(resolved.values['max.message.bytes']).toBe('1048588');
    expect(resolved.values['segment.bytes']).toBe('1073741824');
    expect(resolved.values['flush.messages']).toBe('9223372036854775807');
    expect(Object.keys(resolved.values).sort()).toEqual(Object.keys(TOPIC_CONFIGS).sort());
  });

  test('values may be numbers or strings; each reaches its LogConfig field', () => {
    const config = normalizeTopicConfigs({
      'retention.ms': 1000,
      'retention.bytes': '5000',
      'segment.bytes': ' 4096 ',
      'segment.ms': 60000,
      'segment.index.bytes': 1024,
      'index.interval.bytes': 128,
      'max.message.bytes': 2000,
      'message.timestamp.before.max.ms': 10,
      'message.timestamp.after.max.ms': '20',
      'compression.type': 'zstd',
    });
    expect(config['segment.bytes']).toBe('4096');
    const resolved = resolveTopicConfig(1, config);
    expect(resolved.log).toMatchObject({
      retentionMs: 1000,
      retentionBytes: 5000,
      segmentBytes: 4096,
      segmentMs: 60000,
      segmentIndexBytes: 1024,
      indexIntervalBytes: 128,
      maxMessageBytes: 2000,
      messageTimestampBeforeMaxMs: 10,
      messageTimestampAfterMaxMs: 20,
    });
    expect(resolved.compressionType).toBe('zstd');
    expect(resolved.maxMessageBytes).toBe(2000);
  });

  test('overrides beat engine defaults, which beat Kafka defaults', () => {
    const resolved = resolveTopicConfig(1, { 'retention.ms': '5' }, { 'retention.ms': '7', 'retention.bytes': '9' });
    expect(resolved.log).toMatchObject({ retentionMs: 5, retentionBytes: 9 });
  });

  test('flush.messages and flush.ms become the log durability', () => {
    const durability = (config: Record<string, string | number>) => {
      const { durability, flushIntervalMs } = resolveTopicConfig(1, normalizeTopicConfigs(config)).log;
      return { durability, flushIntervalMs };
    };
    expect(durability({})).toEqual({ durability: 'never', flushIntervalMs: 1000 });
    expect(durability({ 'flush.messages': 1 })).toEqual({ durability: 'always', flushIntervalMs: 1000 });
    expect(durability({ 'flush.ms': 250 })).toEqual({ durability: 'interval', flushIntervalMs: 250 });
    expect(durability({ 'flush.ms': 0 })).toEqual({ durability: 'always', flushIntervalMs: 1000 });
    expect(() => durability({ 'flush.messages': 10 })).toThrow(invalidConfig('flush.messages'));
  });

  test('unknown keys and bad values are ERR_INVALID_CONFIG naming the key', () => {
    expect(() => normalizeTopicConfig('retention.msec', 1)).toThrow(invalidConfig('retention.msec'));
    expect(() => normalizeTopicConfig('retention.ms', 'soon')).toThrow(invalidConfig('retention.ms'));
    expect(() => normalizeTopicConfig('retention.ms', 1.5)).toThrow(invalidConfig('retention.ms'));
    expect(() => normalizeTopicConfig('retention.ms', -2)).toThrow(invalidConfig('retention.ms'));
    expect(() => normalizeTopicConfig('segment.bytes', 2 ** 31)).toThrow(invalidConfig('segment.bytes'));
    expect(() => normalizeTopicConfig('segment.bytes', 60)).toThrow(invalidConfig('segment.bytes'));
    expect(() => normalizeTopicConfig('message.timestamp.after.max.ms', '9223372036854775808')).toThrow(
      invalidConfig('after.max.ms'),
    );
    expect(() => normalizeTopicConfig('compression.type', 'brotli')).toThrow(invalidConfig('compression.type'));
    expect(() => normalizeTopicConfig('compression.type', 'GZIP')).toThrow(invalidConfig('compression.type'));
    expect(() => normalizeTopicConfig('toString', 1)).toThrow(invalidConfig('toString'));
    expect(() => normalizeTopicConfig('retention.ms', true as unknown as number)).toThrow(
      invalidConfig('retention.ms'),
    );
  });

  test('compaction and LogAppendTime are refused as not supported yet', () => {
    expect(() => normalizeTopicConfig('cleanup.policy', 'compact')).toThrow(invalidConfig('not supported yet'));
    expect(() => normalizeTopicConfig('message.timestamp.type', 'LogAppendTime')).toThrow(
      invalidConfig('not supported yet'),
    );
  });

  // LogConfig.CONFIG (Kafka 3.8): types, validators and defaults of the configs the log stores but does not act on.
  test('the configs the log does not act on are checked by their Kafka type and validator', () => {
    const resolved = resolveTopicConfig(1, {}).values;
    expect(resolved).toMatchObject({
      'delete.retention.ms': '86400000',
      'min.insync.replicas': '1',
      preallocate: 'false',
      'message.format.version': '3.0-IV1',
      'min.cleanable.dirty.ratio': '0.5',
      'local.retention.ms': '-2',
      'compression.zstd.level': '3',
      'leader.replication.throttled.replicas': '',
    });
    expect(normalizeTopicConfig('unclean.leader.election.enable', ' True ')).toBe('true');
    expect(normalizeTopicConfig('min.cleanable.dirty.ratio', '1')).toBe('1');
    expect(normalizeTopicConfig('follower.replication.throttled.replicas', '*')).toBe('*');
    expect(normalizeTopicConfig('message.format.version', '0.11.0-IV2')).toBe('0.11.0-IV2');
    expect(normalizeTopicConfig('compression.gzip.level', -1)).toBe('-1');
    expect(() => normalizeTopicConfig('preallocate', 1)).toThrow(invalidConfig('either true or false'));
    expect(() => normalizeTopicConfig('min.cleanable.dirty.ratio', '-0.1')).toThrow(invalidConfig('at least 0'));
    expect(() => normalizeTopicConfig('min.cleanable.dirty.ratio', 'half')).toThrow(invalidConfig('DOUBLE'));
    expect(() => normalizeTopicConfig('min.insync.replicas', 2 ** 31)).toThrow(invalidConfig('type INT'));
    expect(() => normalizeTopicConfig('local.retention.bytes', -3)).toThrow(invalidConfig('at least -2'));
    expect(() => normalizeTopicConfig('compression.lz4.level', 18)).toThrow(invalidConfig('no more than 17'));
    expect(() => normalizeTopicConfig('leader.replication.throttled.replicas', '*,0:1')).toThrow(
      invalidConfig("the literal '*'"),
    );
    expect(() => normalizeTopicConfig('message.format.version', '4.0')).toThrow(invalidConfig('not a valid version'));
  });

  test("Kafka's Long.MAX_VALUE is accepted and means unbounded", () => {
    const config = normalizeTopicConfigs({ 'retention.ms': '9223372036854775807' });
    expect(config['retention.ms']).toBe('9223372036854775807');
    expect(resolveTopicConfig(1, config).log.retentionMs).toBe(Number.MAX_SAFE_INTEGER);
  });
});
