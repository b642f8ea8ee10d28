/**
 * The broker against kafkajs 2.2.4, a client we did not write: admin calls, produce with
 * every codec, fetch (kafkajs' own Broker.fetch decodes what we send), list offsets,
 * long polls, restarts. Every value compared is one kafkajs decoded.
 */
import { CompressionTypes, type Admin, type Kafka } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/Broker.js';
import { createLogger } from '../../src/broker/Logger.js';
import { kafkaClient, kafkajsBroker, type KafkaJsFetchedMessage } from '../helpers/kafkajs.js';
import { tempDir } from '../helpers/tmp.js';

let dataDir: string;
let broker: Broker;
let kafka: Kafka;
let admin: Admin;

async function startBroker(settings: Record<string, string> = {}): Promise<void> {
  broker = await Broker.start({ dataDir, port: 0, settings, logger: createLogger('silent') });
  kafka = kafkaClient(broker.port);
  admin = kafka.admin();
  await admin.connect();
}

async function stopBroker(): Promise<void> {
  await admin.disconnect();
  await broker.close();
}

beforeEach(async () => {
  dataDir = tempDir();
  await startBroker();
});

afterEach(stopBroker);

async function fetchAll(topic: string, partition: number, fetchOffset = 0): Promise<KafkaJsFetchedMessage[]> {
  const client = await kafkajsBroker(broker.port);
  try {
    const response = await client.fetch({
      maxWaitTime: 100,
      topics: [{ topic, partitions: [{ partition, fetchOffset: String(fetchOffset), maxBytes: 10 * 1024 * 1024 }] }],
    });
    const p = response.responses[0]!.partitions[0]!;
    expect(p.errorCode).toBe(0);
    return p.messages;
  } finally {
    await client.disconnect();
  }
}

const headerText = (headers: Record<string, Buffer | Buffer[]>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));

describe('admin', () => {
  it('creates, describes, alters, grows and deletes topics', async () => {
    expect(
      await admin.createTopics({
        topics: [{ topic: 'orders', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      }),
    ).toBe(true);
    expect(await admin.listTopics()).toContain('orders');
    const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
    expect(meta.topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort()).toEqual([
      [0, 0, [0], [0]],
      [1, 0, [0], [0]],
      [2, 0, [0], [0]],
    ]);

    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'orders' }] });
    const retention = described.resources[0]!.configEntries.find((e) => e.configName === 'retention.ms');
    expect(retention).toMatchObject({ configValue: '3600000', isDefault: false, configSource: 1 });
    const segment = described.resources[0]!.configEntries.find((e) => e.configName === 'segment.bytes');
    expect(segment).toMatchObject({ configValue: '1073741824', isDefault: true, configSource: 5 });

    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: 'orders', configEntries: [{ name: 'max.message.bytes', value: '2048' }] }],
    });
    const after = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: 'orders', configNames: ['max.message.bytes', 'retention.ms'] }],
    });
    // AlterConfigs replaces the whole override set: retention.ms went back to its default.
    expect(Object.fromEntries(after.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]))).toEqual({
      'max.message.bytes': '2048',
      'retention.ms': '604800000',
    });

    await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 5 }] });
    expect((await admin.fetchTopicMetadata({ topics: ['orders'] })).topics[0]!.partitions).toHaveLength(5);

    await admin.deleteTopics({ topics: ['orders'] });
    expect(await admin.listTopics()).not.toContain('orders');
  });

  it('answers bad admin requests with Kafka error codes', async () => {
    await admin.createTopics({ topics: [{ topic: 'dup', numPartitions: 1 }] });
    // kafkajs reads TOPIC_ALREADY_EXISTS as "nothing created" rather than an error.
    expect(await admin.createTopics({ topics: [{ topic: 'dup', numPartitions: 1 }] })).toBe(false);
    await expect(admin.createTopics({ topics: [{ topic: 'bad/name', numPartitions: 1 }] })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_TOPIC_EXCEPTION' })],
    });
    await expect(
      admin.createTopics({ topics: [{ topic: 'rf3', numPartitions: 1, replicationFactor: 3 }] }),
    ).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_REPLICATION_FACTOR' })],
    });
    await expect(
      admin.createTopics({
        topics: [{ topic: 'cfg', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: 'soon' }] }],
      }),
    ).rejects.toMatchObject({ errors: [expect.objectContaining({ type: 'INVALID_CONFIG' })] });
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'dup', count: 1 }] })).rejects.toMatchObject({
      type: 'INVALID_PARTITIONS',
    });
    await expect(admin.deleteTopics({ topics: ['missing'] })).rejects.toThrow(
      /not host this topic-partition|UNKNOWN_TOPIC/i,
    );
  });
});

const CODECS = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;

describe('produce and fetch', () => {
  it.each(CODECS)('round-trips keys, values, headers and timestamps with %s', async (_name, compression) => {
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 50 }, (_, i) => ({
      key: i % 7 === 0 ? null : `key-${i}`,
      value: i % 11 === 0 ? '' : `value-${i}-${'x'.repeat(i * 3)}`,
      headers: { source: 'test', index: String(i) },
      timestamp: String(1_700_000_000_000 + i),
      partition: 1,
    }));
    const acks = await producer.send({ topic: 't', compression, messages });
    await producer.disconnect();
    expect(acks).toEqual([expect.objectContaining({ topicName: 't', partition: 1, errorCode: 0, baseOffset: '0' })]);

    const fetched = await fetchAll('t', 1);
    expect(fetched).toHaveLength(50);
    fetched.forEach((m, i) => {
      expect(m.offset).toBe(String(i));
      expect(m.timestamp).toBe(messages[i]!.timestamp);
      expect(m.key === null ? null : String(m.key)).toBe(messages[i]!.key);
      expect(String(m.value)).toBe(messages[i]!.value);
      expect(headerText(m.headers)).toEqual(messages[i]!.headers);
    });
  });

  it('starts the fetch at the asked offset and answers out-of-range offsets with OFFSET_OUT_OF_RANGE', async () => {
    await admin.createTopics({ topics: [{ topic: 'r', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 3; i++) await producer.send({ topic: 'r', messages: [{ value: `a${i}` }, { value: `b${i}` }] });
    await producer.disconnect();
    // Whole batches: the first one holds offsets 2 and 3, so offset 2 comes too, as from Kafka.
    expect((await fetchAll('r', 0, 3)).map((m) => [m.offset, String(m.value)])).toEqual([
      ['2', 'a1'],
      ['3', 'b1'],
      ['4', 'a2'],
      ['5', 'b2'],
    ]);

    const client = await kafkajsBroker(broker.port);
    try {
      const response = await client.fetch({
        maxWaitTime: 10,
        topics: [{ topic: 'r', partitions: [{ partition: 0, fetchOffset: '99', maxBytes: 1024 }] }],
      });
      expect(response.responses[0]!.partitions[0]).toMatchObject({ errorCode: 1, highWatermark: '6' });
    } catch (error) {
      expect(error).toMatchObject({ type: 'OFFSET_OUT_OF_RANGE' });
    } finally {
      await client.disconnect();
    }
  });

  it('holds a fetch at the log end until an append wakes it', async () => {
    await admin.createTopics({ topics: [{ topic: 'poll', numPartitions: 1 }] });
    const client = await kafkajsBroker(broker.port);
    const started = Date.now();
    const pending = client.fetch({
      maxWaitTime: 10_000,
      minBytes: 1,
      topics: [{ topic: 'poll', partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1024 }] }],
    });
    const producer = kafka.producer();
    await producer.connect();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await producer.send({ topic: 'poll', messages: [{ value: 'wake' }] });
    const response = await pending;
    await producer.disconnect();
    await client.disconnect();
    expect(response.responses[0]!.partitions[0]!.messages.map((m) => String(m.value))).toEqual(['wake']);
    expect(Date.now() - started).toBeLessThan(9_000);
  });

  it('returns an empty fetch after max.wait.ms when nothing arrives', async () => {
    await admin.createTopics({ topics: [{ topic: 'quiet', numPartitions: 1 }] });
    const client = await kafkajsBroker(broker.port);
    try {
      const started = Date.now();
      const response = await client.fetch({
        maxWaitTime: 300,
        minBytes: 1,
        topics: [{ topic: 'quiet', partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1024 }] }],
      });
      expect(response.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, messages: [] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      await client.disconnect();
    }
  });

  it('refuses a batch over max.message.bytes with MESSAGE_TOO_LARGE', async () => {
    await admin.createTopics({
      topics: [{ topic: 'small', numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1000' }] }],
    });
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic: 'small', messages: [{ value: 'x'.repeat(5000) }] })).rejects.toThrow(
      /message larger than the max message size/,
    );
    await producer.send({ topic: 'small', messages: [{ value: 'fits' }] });
    await producer.disconnect();
    expect((await fetchAll('small', 0)).map((m) => String(m.value))).toEqual(['fits']);
  });

  it('auto-creates a topic on metadata with num.partitions, and not when the broker disables it', async () => {
    await stopBroker();
    await startBroker({ 'num.partitions': '4' });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'auto', messages: [{ value: 'v' }] });
    await producer.disconnect();
    expect((await admin.fetchTopicMetadata({ topics: ['auto'] })).topics[0]!.partitions).toHaveLength(4);

    await stopBroker();
    await startBroker({ 'auto.create.topics.enable': 'false' });
    await expect(admin.fetchTopicMetadata({ topics: ['never'] })).rejects.toThrow(/does not host this topic-partition/);
  });

  it('accepts acks=0 produce without answering it', async () => {
    await admin.createTopics({ topics: [{ topic: 'fire', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'fire', acks: 0, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.send({ topic: 'fire', acks: 1, messages: [{ value: 'c' }] });
    await producer.disconnect();
    expect((await fetchAll('fire', 0)).map((m) => String(m.value))).toEqual(['a', 'b', 'c']);
  });
});

describe('offsets', () => {
  it('lists earliest, latest and by-timestamp offsets, and deletes records', async () => {
    await admin.createTopics({ topics: [{ topic: 'o', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 10; i++)
      await producer.send({ topic: 'o', messages: [{ value: `v${i}`, timestamp: String(1_000_000 + i * 1000) }] });
    await producer.disconnect();

    expect(await admin.fetchTopicOffsets('o')).toEqual([{ partition: 0, offset: '10', high: '10', low: '0' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp('o', 1_004_500)).toEqual([{ partition: 0, offset: '5' }]);
    expect(await admin.fetchTopicOffsetsByTimestamp('o', 9_999_999_999)).toEqual([{ partition: 0, offset: '10' }]);

    await admin.deleteTopicRecords({ topic: 'o', partitions: [{ partition: 0, offset: '4' }] });
    expect(await admin.fetchTopicOffsets('o')).toEqual([{ partition: 0, offset: '10', high: '10', low: '4' }]);
    expect((await fetchAll('o', 0, 4)).map((m) => String(m.value))).toEqual(['v4', 'v5', 'v6', 'v7', 'v8', 'v9']);
  });

  it('keeps topics, records and offsets across a broker restart', async () => {
    await admin.createTopics({ topics: [{ topic: 'durable', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'durable',
      messages: [
        { value: 'one', partition: 0 },
        { value: 'two', partition: 1 },
      ],
    });
    await producer.disconnect();
    await stopBroker();
    await startBroker();
    expect(await admin.listTopics()).toContain('durable');
    expect((await fetchAll('durable', 1)).map((m) => String(m.value))).toEqual(['two']);
    expect((await admin.fetchTopicOffsets('durable')).map((o) => o.high).sort()).toEqual(['1', '1']);
  });
});
