import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import type { EngineOptions } from '../../src/engine/EngineOptions.js';
import { TOPICS_FILE } from '../../src/engine/TopicRegistry.js';
import { sampleBatch } from '../helpers/batches.js';
import { tempDir } from '../helpers/tmp.js';
import { logOf } from '../helpers/partitionLog.js';

const open = (dataDir: string, extra: Partial<EngineOptions> = {}) =>
  Engine.open({ dataDir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0, ...extra });

const code = (c: string) => expect.objectContaining({ code: c });

function partitionDirs(dataDir: string): string[] {
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

describe('Engine admin operations', () => {
  test('createTopic makes the partitions and describes the topic', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    const described = engine.createTopic('orders', {
      partitions: 3,
      config: { 'retention.ms': 60000, 'compression.type': 'lz4' },
    });
    expect(described).toMatchObject({ name: 'orders', id: expect.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/) });
    expect(described.partitions).toEqual(
      [0, 1, 2].map((partition) => ({ partition, logStartOffset: 0, logEndOffset: 0, size: 0 })),
    );
    expect(described.config).toMatchObject({
      'retention.ms': '60000',
      'compression.type': 'lz4',
      'segment.bytes': '1073741824',
    });
    engine.createTopic('alpha', { partitions: 1 });
    expect(engine.listTopics()).toEqual(['alpha', 'orders']);
    expect(engine.partitionCount('orders')).toBe(3);
    expect(engine.topicConfig('orders')).toMatchObject({
      partitions: 3,
      compressionType: 'lz4',
      maxMessageBytes: 1048588,
    });
    expect(partitionDirs(dataDir)).toEqual(['alpha-0', 'orders-0', 'orders-1', 'orders-2']);
    await engine.close();
  });

  test('bad arguments are typed errors and leave nothing behind', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    engine.createTopic('a.b', { partitions: 1 });
    expect(() => engine.createTopic('bad name', { partitions: 1 })).toThrow(code('ERR_INVALID_TOPIC'));
    expect(() => engine.createTopic('', { partitions: 1 })).toThrow(code('ERR_INVALID_TOPIC'));
    expect(() => engine.createTopic('a.b', { partitions: 1 })).toThrow(code('ERR_TOPIC_EXISTS'));
    expect(() => engine.createTopic('a_b', { partitions: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_TOPIC', message: expect.stringContaining("'a.b'") }),
    );
    for (const partitions of [0, -1, 1.5, NaN, 2_000_000]) {
      expect(() => engine.createTopic('t', { partitions })).toThrow(code('ERR_INVALID_PARTITIONS'));
    }
    expect(() => engine.createTopic('t', { partitions: 1, config: { 'retention.mss': 1 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG', message: expect.stringContaining('retention.mss') }),
    );
    expect(() => engine.createTopic('t', { partitions: 1, config: { 'cleanup.policy': 'compact' } })).toThrow(
      code('ERR_INVALID_CONFIG'),
    );
    expect(engine.listTopics()).toEqual(['a.b']);
    expect(partitionDirs(dataDir)).toEqual(['a.b-0']);

    for (const call of [
      () => engine.describeTopic('nope'),
      () => engine.partitionCount('nope'),
      () => engine.topicConfig('nope'),
      () => engine.createPartitions('nope', 2),
      () => engine.alterTopicConfig('nope', {}),
    ]) {
      expect(call).toThrow(code('ERR_UNKNOWN_TOPIC'));
    }
    await expect(engine.deleteTopic('nope')).rejects.toMatchObject({ code: 'ERR_UNKNOWN_TOPIC' });
    expect(() => engine.partition('a.b', 1)).toThrow(code('ERR_UNKNOWN_TOPIC_OR_PARTITION'));
    expect(() => engine.partition('a.b', -1)).toThrow(code('ERR_UNKNOWN_TOPIC_OR_PARTITION'));
    expect(() => engine.partition('nope', 0)).toThrow(code('ERR_UNKNOWN_TOPIC_OR_PARTITION'));
    await engine.close();
  });

  test('createPartitions only grows, and the new partitions take data', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    engine.createTopic('t', { partitions: 2 });
    expect(() => engine.createPartitions('t', 2)).toThrow(code('ERR_INVALID_PARTITIONS'));
    expect(() => engine.createPartitions('t', 1)).toThrow(code('ERR_INVALID_PARTITIONS'));
    expect(engine.createPartitions('t', 4).partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    await engine.partition('t', 3).append(sampleBatch(1, 2));
    expect(engine.describeTopic('t').partitions[3]).toMatchObject({ logEndOffset: 2 });
    await engine.close();
    const reopened = await open(dataDir);
    expect(reopened.partitionCount('t')).toBe(4);
    expect(reopened.partition('t', 3).logEndOffset).toBe(2);
    await reopened.close();
  });

  test('stats: one per partition, sorted by topic then partition', async () => {
    const engine = await open(tempDir());
    engine.createTopic('b', { partitions: 2 });
    engine.createTopic('a', { partitions: 1 });
    await engine.partition('b', 1).append(sampleBatch(1, 5));
    expect(engine.stats().map((s) => [s.topic, s.partition, s.recordsIn])).toEqual([
      ['a', 0, 0],
      ['b', 0, 0],
      ['b', 1, 5],
    ]);
    await engine.close();
  });
});

describe('Engine persistence', () => {
  test('topics, partition counts, ids, configs and data survive close and open', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    const { id } = engine.createTopic('orders', {
      partitions: 2,
      config: { 'max.message.bytes': 5000, 'segment.bytes': 1024 },
    });
    for (let i = 0; i < 10; i++) await engine.partition('orders', i % 2).append(sampleBatch(i, 2, 100));
    engine.alterTopicConfig('orders', { 'retention.bytes': 100000 });
    const before = engine.partition('orders', 1).read(0, 1 << 20).records;
    await engine.close();

    const reopened = await open(dataDir);
    expect(reopened.listTopics()).toEqual(['orders']);
    const described = reopened.describeTopic('orders');
    expect(described.id).toBe(id);
    expect(described.partitions.map((p) => p.logEndOffset)).toEqual([10, 10]);
    expect(described.config).toMatchObject({
      'max.message.bytes': '5000',
      'segment.bytes': '1024',
      'retention.bytes': '100000',
    });
    const log = logOf(reopened.partition('orders', 1));
    expect(log.config).toMatchObject({ maxMessageBytes: 5000, segmentBytes: 1024, retentionBytes: 100000 });
    expect(log.segmentCount).toBeGreaterThan(1);
    expect(
      reopened
        .partition('orders', 1)
        .read(0, 1 << 20)
        .records.equals(before),
    ).toBe(true);
    await reopened.close();
  });

  test('engine defaults apply under topic overrides; bad defaults are refused and leave the directory unlocked', async () => {
    const dataDir = tempDir();
    await expect(open(dataDir, { defaults: { 'retention.ms': 'forever' } })).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
    });
    const engine = await open(dataDir, { defaults: { 'retention.ms': '1000', 'max.message.bytes': '3000' } });
    engine.createTopic('t', { partitions: 1, config: { 'retention.ms': 2000 } });
    expect(logOf(engine.partition('t', 0)).config).toMatchObject({ retentionMs: 2000, maxMessageBytes: 3000 });
    expect(engine.describeTopic('t').config).toMatchObject({ 'retention.ms': '2000', 'max.message.bytes': '3000' });
    await engine.close();
  });

  test('a registered partition missing on disk is created; partition logs no topic claims are deleted, other directories kept', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    engine.createTopic('kept', { partitions: 2 });
    engine.createTopic('gone', { partitions: 1 });
    await engine.partition('gone', 0).append(sampleBatch(1));
    await engine.close();
    // As after crashes: deleteTopic wrote the registry but not the directories, a
    // createTopic wrote the registry but not every directory, and a stray partition.
    const registry = JSON.parse(readFileSync(join(dataDir, TOPICS_FILE), 'utf8')) as { topics: { name: string }[] };
    registry.topics = registry.topics.filter((t) => t.name !== 'gone');
    writeFileSync(join(dataDir, TOPICS_FILE), JSON.stringify(registry));
    rmSync(join(dataDir, 'kept-1'), { recursive: true });
    mkdirSync(join(dataDir, 'backup-2024'));
    writeFileSync(join(dataDir, 'backup-2024', 'notes.txt'), 'the user keeps this');

    const reopened = await open(dataDir);
    expect(reopened.listTopics()).toEqual(['kept']);
    expect(partitionDirs(dataDir)).toEqual(['backup-2024', 'kept-0', 'kept-1']);
    expect(readdirSync(join(dataDir, 'backup-2024'))).toEqual(['notes.txt']);
    await reopened.partition('kept', 1).append(sampleBatch(2));
    await reopened.close();
  });

  test('a corrupt registry is a typed error, not an empty data directory', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    engine.createTopic('t', { partitions: 1 });
    await engine.close();
    writeFileSync(join(dataDir, TOPICS_FILE), '{"version":1,"topics":[{"name":"t"');
    await expect(open(dataDir)).rejects.toMatchObject({ code: 'ERR_CORRUPT_TOPIC_REGISTRY' });
    expect(partitionDirs(dataDir)).toEqual(['t-0']);
    writeFileSync(
      join(dataDir, TOPICS_FILE),
      '{"version":1,"topics":[{"name":"t","id":"x","partitions":0,"config":{}}]}',
    );
    await expect(open(dataDir)).rejects.toMatchObject({ code: 'ERR_CORRUPT_TOPIC_REGISTRY' });
  });
});

describe('Engine alterTopicConfig', () => {
  test('max.message.bytes applies to the open logs at once', async () => {
    const engine = await open(tempDir());
    engine.createTopic('t', { partitions: 1 });
    const p = engine.partition('t', 0);
    const batch = sampleBatch(1, 2, 500);
    await p.append(batch);
    expect(engine.topicConfig('t').maxMessageBytes).toBe(1048588);
    engine.alterTopicConfig('t', { 'max.message.bytes': batch.length - 1 });
    await expect(p.append(batch)).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE' });
    expect(engine.topicConfig('t').maxMessageBytes).toBe(batch.length - 1);
    engine.alterTopicConfig('t', { 'max.message.bytes': null });
    expect(engine.topicConfig('t').maxMessageBytes).toBe(1048588);
    engine.createPartitions('t', 2);
    expect(engine.topicConfig('t').partitions).toBe(2);
    await p.append(batch);
    expect(engine.describeTopic('t').config['max.message.bytes']).toBe('1048588');
    await engine.close();
  });

  test('retention and segment settings apply to the open logs', async () => {
    const engine = await open(tempDir());
    engine.createTopic('t', { partitions: 1 });
    const p = engine.partition('t', 0);
    const batch = sampleBatch(1, 1, 400);
    await p.append(batch);
    engine.alterTopicConfig('t', { 'segment.bytes': batch.length * 2 });
    expect(logOf(p).segmentCount).toBe(2); // the old segment was sized under the old config
    for (let i = 0; i < 6; i++) await p.append(sampleBatch(i, 1, 400));
    expect(logOf(p).segmentCount).toBe(4); // 1 batch, then 3 segments of 2
    engine.alterTopicConfig('t', { 'retention.bytes': batch.length * 2, 'retention.ms': -1 }); // sample timestamps are from 2023
    expect(logOf(p).enforceRetention()).toBe(3);
    expect(p.logStartOffset).toBe(5);
    await engine.close();
  });

  test('a bad change changes nothing', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    engine.createTopic('t', { partitions: 1, config: { 'retention.ms': 5 } });
    expect(() => engine.alterTopicConfig('t', { 'retention.ms': 10, 'segment.bytes': 'big' })).toThrow(
      code('ERR_INVALID_CONFIG'),
    );
    expect(() => engine.alterTopicConfig('t', { 'retention.ms': 10, unknown: null })).toThrow(
      code('ERR_INVALID_CONFIG'),
    );
    expect(() => engine.alterTopicConfig('t', { 'flush.messages': 7 })).toThrow(code('ERR_INVALID_CONFIG'));
    expect(engine.describeTopic('t').config['retention.ms']).toBe('5');
    expect(logOf(engine.partition('t', 0)).config.retentionMs).toBe(5);
    await engine.close();
    const reopened = await open(dataDir);
    expect(reopened.describeTopic('t').config['retention.ms']).toBe('5');
    await reopened.close();
  });
});

describe('Engine deleteTopic and close', () => {
  test('deleteTopic removes the logs and the registry entry, wakes waiters, and stays deleted after reopen', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    engine.createTopic('t', { partitions: 2 });
    engine.createTopic('u', { partitions: 1 });
    await engine.partition('t', 0).append(sampleBatch(1));
    const waiting = engine.partition('t', 1).waitForData(0);
    await engine.deleteTopic('t');
    await waiting;
    expect(engine.listTopics()).toEqual(['u']);
    expect(partitionDirs(dataDir)).toEqual(['u-0']);
    expect(() => engine.partition('t', 0)).toThrow(code('ERR_UNKNOWN_TOPIC_OR_PARTITION'));
    await engine.close();

    const reopened = await open(dataDir);
    expect(reopened.listTopics()).toEqual(['u']);
    const again = reopened.createTopic('t', { partitions: 1 });
    expect(again.partitions[0]).toMatchObject({ logEndOffset: 0 });
    await reopened.close();
  });

  test('close wakes waiters, is idempotent, releases the lock; the engine refuses calls after it', async () => {
    const dataDir = tempDir();
    const engine = await open(dataDir);
    await expect(open(dataDir)).rejects.toMatchObject({ code: 'ERR_DATA_DIR_LOCKED', pid: process.pid });
    engine.createTopic('t', { partitions: 1 });
    const waiting = engine.partition('t', 0).waitForData(0);
    await Promise.all([engine.close(), engine.close()]);
    await waiting;
    await engine.close();
    expect(() => engine.listTopics()).toThrow(code('ERR_ENGINE_CLOSED'));
    expect(() => engine.createTopic('u', { partitions: 1 })).toThrow(code('ERR_ENGINE_CLOSED'));
    const reopened = await open(dataDir);
    await reopened.close();
  });
});
