/**
 * Four independent Kafka clients against one broker: kcat and confluent-kafka-python
 * (librdkafka 2.0.2), kafka-python 2.0.2 and kafkajs 2.2.4. Each client produces a
 * deterministic record set to its own topic once per codec (none, gzip, snappy, lz4,
 * zstd); every OTHER client then reads that topic from the beginning and must see the
 * same records field by field: partition, offset, timestamp, key, value, headers in order.
 * Null and empty keys and values, tombstones, repeated and binary headers, null header
 * values and explicit timestamps are in the set wherever the producing client can send them.
 * Then: metadata, and earliest / latest / by-timestamp offsets, agreeing across clients;
 * and the admin APIs, each cross-checked by another client.
 *
 * The broker is BROKER below: tributary's. Pointed at librdkafka's mock cluster instead
 * (startMockCluster), the same expectations hold, except what the mock lacks: it has no
 * admin APIs and answers every ListOffsets by timestamp with -1, so those tests skip there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTributary, type BrokerKind, type BrokerUnderTest } from './brokers.js';
import {
  toBase64,
  type AdminDriver,
  type Bytes64,
  type ClientDriver,
  type CompressionCodec,
  type ConsumerRecordJson,
  type HeaderJson,
  type PartitionOffset,
  type ProducerRecordJson,
} from './clients/ClientDriver.js';
import { kafkajs } from './clients/kafkajs.js';
import { kcat } from './clients/kcat.js';
import { confluentKafka, kafkaPython } from './clients/pythonDrivers.js';
import { Rng, testSeed } from './support.js';

const BROKER: { kind: BrokerKind; start: () => Promise<BrokerUnderTest> } = {
  kind: 'tributary',
  start: () => startTributary(),
};
const ON_MOCK = BROKER.kind === 'mock';

const CODECS: readonly CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PARTITIONS = 3;
const RECORDS_PER_PARTITION = 6;
const BASE_TIMESTAMP = 1_700_000_000_000;

/** What a producing client can put in a record. */
interface ProducerTraits {
  explicitTimestamps: boolean;
  /** False: one header list for all records of a partition (kcat's -H applies to a whole run). */
  headersPerRecord: boolean;
  nullHeaderValues: boolean;
  /** False: header values must be UTF-8 without NUL (kcat passes them through argv). */
  binaryHeaderValues: boolean;
  /** A record with neither key nor value (kafka-python refuses one). */
  nullKeyAndValue: boolean;
}

const FULL: ProducerTraits = {
  explicitTimestamps: true,
  headersPerRecord: true,
  nullHeaderValues: true,
  binaryHeaderValues: true,
  nullKeyAndValue: true,
};

const PRODUCERS: { driver: ClientDriver; traits: ProducerTraits }[] = [
  { driver: kcat, traits: { ...FULL, explicitTimestamps: false, headersPerRecord: false, binaryHeaderValues: false } },
  { driver: confluentKafka, traits: FULL },
  // kafka-python asserts every header value is bytes; kafkajs sizes null header values with Buffer.byteLength and throws.
  { driver: kafkaPython, traits: { ...FULL, nullHeaderValues: false, nullKeyAndValue: false } },
  { driver: kafkajs, traits: { ...FULL, nullHeaderValues: false } },
];
const CLIENTS: ClientDriver[] = PRODUCERS.map((p) => p.driver);

const topicOf = (producer: ClientDriver): string => `interop-${producer.name}`;
const b64 = (bytes: Buffer | string): string => toBase64(Buffer.from(bytes))!;

/**
 * Header lists, a variant per record. Repeated names are adjacent, and no name looks like
 * an integer: kafkajs hands headers back as an object, which regroups and reorders those.
 */
function headersFor(variant: number, traits: ProducerTraits, rng: Rng): HeaderJson[] {
  const binary = traits.binaryHeaderValues ? rng.bytes(12) : Buffer.from(`bin-${rng.u32().toString(36)}`);
  switch (variant % 3) {
    case 0:
      return [];
    case 1:
      return [
        ['trace', b64(rng.bytes(8).toString('hex'))],
        ['trace', b64(`second-${rng.u32()}`)],
        ['bin', b64(binary)],
      ];
    default:
      return [
        ['h-é', b64('värde ✓')],
        ['empty', b64('')],
        ...(traits.nullHeaderValues ? [['null', null] as HeaderJson] : []),
      ];
  }
}

/** A compressible value (librdkafka sends a batch uncompressed when compression does not shrink it) with binary bytes in it. */
const valueBytes = (rng: Rng, label: string): Buffer =>
  Buffer.concat([Buffer.from(`${label} `.repeat(24)), rng.bytes(16)]);

function keyAndValue(i: number, label: string, traits: ProducerTraits, rng: Rng): { key: Bytes64; value: Bytes64 } {
  const key = b64(Buffer.concat([Buffer.from(`key-${label}-`), rng.bytes(4)]));
  const value = b64(valueBytes(rng, `value-${label}`));
  switch (i) {
    case 0:
      return { key: null, value };
    case 1:
      return { key: '', value };
    case 2:
      return { key, value: null };
    case 3:
      return { key, value: '' };
    case 4:
      return traits.nullKeyAndValue ? { key: null, value: null } : { key: '', value: '' };
    default:
      return { key, value };
  }
}

/** The records one producer sends with one codec, partition by partition. */
function recordsFor(codecIndex: number, traits: ProducerTraits, rng: Rng): ProducerRecordJson[] {
  const records: ProducerRecordJson[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const partitionHeaders = headersFor(partition + codecIndex, traits, rng);
    for (let i = 0; i < RECORDS_PER_PARTITION; i++) {
      records.push({
        partition,
        ...keyAndValue(i, `${codecIndex}-${partition}-${i}`, traits, rng),
        headers: traits.headersPerRecord ? headersFor(i + partition, traits, rng) : partitionHeaders,
        timestamp: traits.explicitTimestamps
          ? BASE_TIMESTAMP + codecIndex * 100_000 + partition * 1_000 + i * 10
          : null,
      });
    }
  }
  return records;
}

/** What a consumer must read back: per partition, the records in the order they were produced, from offset 0. */
function expectedRecords(topic: string, produced: ProducerRecordJson[]): ConsumerRecordJson[] {
  const next = new Map<number, number>();
  const expected = produced.map((r) => {
    const offset = next.get(r.partition) ?? 0;
    next.set(r.partition, offset + 1);
    return {
      topic,
      partition: r.partition,
      offset,
      timestamp: r.timestamp ?? -1,
      key: r.key,
      value: r.value,
      headers: r.headers,
    };
  });
  return expected.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

interface ProducedTopic {
  topic: string;
  records: ProducerRecordJson[];
  /** Wall clock around the produce calls, for the timestamps a client stamped itself. */
  startedAt: number;
  endedAt: number;
}

async function produceAllCodecs(
  broker: BrokerUnderTest,
  driver: ClientDriver,
  traits: ProducerTraits,
  rng: Rng,
): Promise<ProducedTopic> {
  const topic = topicOf(driver);
  await broker.createTopic(topic, PARTITIONS);
  const records: ProducerRecordJson[] = [];
  const startedAt = Date.now();
  for (const [codecIndex, codec] of CODECS.entries()) {
    const batch = recordsFor(codecIndex, traits, rng);
    await driver.produce(broker.bootstrap, topic, batch, codec);
    records.push(...batch);
  }
  return { topic, records, startedAt, endedAt: Date.now() };
}

/** Client-stamped timestamps are checked against the produce window, then compared as the produced value. */
function withStampedTimestamps(consumed: ConsumerRecordJson[], produced: ProducedTopic): ConsumerRecordJson[] {
  return consumed.map((record, index) => {
    if (produced.records[0]?.timestamp !== null) return record;
    expect(record.timestamp, `record ${index} timestamp`).toBeGreaterThanOrEqual(produced.startedAt - 1);
    expect(record.timestamp, `record ${index} timestamp`).toBeLessThanOrEqual(produced.endedAt + 1);
    return { ...record, timestamp: -1 };
  });
}

function offsetsPerPartition(f: (partition: number) => number): PartitionOffset[] {
  return Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: f(partition) }));
}

let broker: BrokerUnderTest;
const produced = new Map<string, Promise<ProducedTopic>>();

beforeAll(async () => {
  broker = await BROKER.start();
  const rng = new Rng(testSeed(0x1a7e0c));
  for (const { driver, traits } of PRODUCERS) {
    const topicRecords = produceAllCodecs(broker, driver, traits, new Rng(rng.u32()));
    // Awaited by each test that reads it, so one failing producer fails only its own tests.
    topicRecords.catch(() => undefined);
    produced.set(driver.name, topicRecords);
  }
  await Promise.allSettled(produced.values());
});

afterAll(async () => {
  await broker?.stop();
});

const producedBy = (producer: ClientDriver): Promise<ProducedTopic> => produced.get(producer.name)!;

describe('records produced by one client, consumed by another', () => {
  const pairs = PRODUCERS.flatMap(({ driver: producer }) =>
    CLIENTS.filter((c) => c !== producer).map((consumer) => [producer, consumer] as const),
  );

  it.each(pairs.map(([p, c]) => ({ producer: p, consumer: c, name: `${p.name} -> ${c.name}` })))(
    '$name',
    async ({ producer, consumer }) => {
      const topic = await producedBy(producer);
      const consumed = await consumer.consume(broker.bootstrap, topic.topic, topic.records.length);
      expect(withStampedTimestamps(consumed, topic)).toEqual(expectedRecords(topic.topic, topic.records));
    },
  );
});

describe('metadata and offsets', () => {
  it.each(CLIENTS)('$name lists every topic with its partitions', async (client) => {
    await Promise.all(PRODUCERS.map((p) => producedBy(p.driver)));
    const topics = PRODUCERS.map((p) => topicOf(p.driver));
    const partitions = Array.from({ length: PARTITIONS }, (_, p) => p);
    const listed = await client.metadata(broker.bootstrap, topics);
    expect(listed.sort((a, b) => a.topic.localeCompare(b.topic))).toEqual(
      topics.sort().map((topic) => ({ topic, partitions })),
    );
  });

  it.each(CLIENTS)('$name: earliest and latest offsets of every topic', async (client) => {
    const checks = PRODUCERS.map(async ({ driver }) => {
      const { topic, records } = await producedBy(driver);
      const perPartition = (partition: number) => records.filter((r) => r.partition === partition).length;
      expect(await client.listOffsets(broker.bootstrap, topic, 'earliest'), topic).toEqual(
        offsetsPerPartition(() => 0),
      );
      expect(await client.listOffsets(broker.bootstrap, topic, 'latest'), topic).toEqual(
        offsetsPerPartition(perPartition),
      );
    });
    await Promise.all(checks);
  });

  it.skipIf(ON_MOCK).each(CLIENTS)(
    '$name: offsets by timestamp (the mock answers -1 for every timestamp)',
    async (client) => {
      const { topic, records } = await producedBy(confluentKafka);
      const firstAtOrAfter = (timestamp: number) => (partition: number) =>
        expectedRecords(topic, records).find((r) => r.partition === partition && r.timestamp >= timestamp)?.offset ??
        -1;
      const middle = records[Math.floor(records.length / 2)]!.timestamp!;
      for (const timestamp of [0, middle, middle + 1, BASE_TIMESTAMP + CODECS.length * 100_000]) {
        expect(await client.listOffsets(broker.bootstrap, topic, { timestamp }), `timestamp ${timestamp}`).toEqual(
          offsetsPerPartition(firstAtOrAfter(timestamp)),
        );
      }
    },
  );
});

/** Each admin client manages its own topic; a different client checks every step. */
describe.skipIf(ON_MOCK)(
  'admin APIs (the mock has no CreateTopics, DeleteTopics, DescribeConfigs, AlterConfigs, CreatePartitions, DeleteRecords)',
  () => {
    const ADMINS: { admin: AdminDriver; checker: ClientDriver }[] = [
      { admin: confluentKafka, checker: kafkajs },
      { admin: kafkaPython, checker: kcat },
      { admin: kafkajs, checker: confluentKafka },
    ];

    it.each(ADMINS.map((a) => ({ ...a, name: `${a.admin.name} (checked by ${a.checker.name})` })))(
      '$name',
      async ({ admin, checker }) => {
        const topic = `interop-admin-${admin.name}`;
        const { bootstrap } = broker;
        await admin.createTopics(bootstrap, [
          {
            topic,
            partitions: 2,
            replicationFactor: 1,
            configs: { 'max.message.bytes': '65536', 'retention.ms': '123456' },
          },
        ]);
        expect(await admin.listTopics(bootstrap)).toContain(topic);
        expect(await checker.metadata(bootstrap, [topic])).toEqual([{ topic, partitions: [0, 1] }]);
        expect(await admin.describeTopicConfigs(bootstrap, topic)).toMatchObject({
          'max.message.bytes': '65536',
          'retention.ms': '123456',
        });

        // AlterConfigs replaces the topic's whole set: what it does not name goes back to the default.
        await admin.alterTopicConfigs(bootstrap, topic, { 'retention.ms': '654321' });
        expect(await admin.describeTopicConfigs(bootstrap, topic)).toMatchObject({
          'max.message.bytes': '1048588',
          'retention.ms': '654321',
        });

        await admin.createPartitions(bootstrap, topic, 4);
        expect(await checker.metadata(bootstrap, [topic])).toEqual([{ topic, partitions: [0, 1, 2, 3] }]);

        await admin.deleteTopics(bootstrap, [topic]);
        expect(await admin.listTopics(bootstrap)).not.toContain(topic);
      },
    );

    it('kafkajs deleteTopicRecords moves the earliest offset, as every client sees', async () => {
      const topic = 'interop-delete-records';
      await broker.createTopic(topic, 1);
      const records = Array.from({ length: 5 }, (_, i): ProducerRecordJson => ({
        partition: 0,
        key: null,
        value: b64(`v${i}`),
        headers: [],
        timestamp: null,
      }));
      await confluentKafka.produce(broker.bootstrap, topic, records, 'none');
      await kafkajs.deleteTopicRecords(broker.bootstrap, topic, [{ partition: 0, offset: 3 }]);
      for (const client of CLIENTS) {
        expect(await client.listOffsets(broker.bootstrap, topic, 'earliest'), client.name).toEqual([
          { partition: 0, offset: 3 },
        ]);
      }
      const consumed = await kafkaPython.consume(broker.bootstrap, topic, 2);
      expect(consumed.map((r) => [r.offset, r.value])).toEqual([
        [3, b64('v3')],
        [4, b64('v4')],
      ]);
    });
  },
);
