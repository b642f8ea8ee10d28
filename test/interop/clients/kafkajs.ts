/**
 * kafkajs 2.2.4, in this process, as an interop client.
 *
 * - kafkajs ships only gzip; snappy, lz4 and zstd are registered by test/helpers/kafkajs.ts
 *   as adapters over tributary's own codecs (src/record/Compression.ts).
 * - kafkajs has no assign(): its consumer always joins a group. `consume` therefore drives
 *   kafkajs's own Cluster and Broker objects (its Metadata, ListOffsets and Fetch request
 *   encoders and its RecordBatch decoder), fetching every partition from its earliest offset.
 * - Consumed headers come back from kafkajs as an object ({name: value | value[]}): a
 *   repeated name keeps its values in order, but names interleaved in a record (a, b, a)
 *   come back grouped (a, a, b), and integer-like names sort first.
 * - fetchTopicOffsetsByTimestamp answers the latest offset where Kafka says "none" (-1); it
 *   is mapped back to -1 here so all drivers speak alike.
 * KAFKAJS_LOG_LEVEL=debug logs every request kafkajs sends, with its API version.
 */
import { createRequire } from 'node:module';
import KafkaJS, { type Admin, type IHeaders, type Message } from 'kafkajs';
// Registers snappy, lz4 and zstd with kafkajs.
import '../../helpers/kafkajs.js';
import {
  byPartitionThenOffset,
  toBase64,
  type AdminDriver,
  type ClientDriver,
  type CompressionCodec,
  type ConsumerRecordJson,
  type HeaderJson,
  type OffsetSpec,
  type PartitionOffset,
  type ProducerRecordJson,
} from './ClientDriver.js';

const { Kafka, CompressionTypes, ConfigResourceTypes, logLevel } = KafkaJS;
const require = createRequire(import.meta.url);

const CLIENT_ID = 'interop-kafkajs';
const TIMEOUT_MS = 20_000;
const FETCH_WAIT_MS = 200;
const PARTITION_FETCH_BYTES = 1024 * 1024;

const KAFKAJS_COMPRESSION: Readonly<Record<CompressionCodec, KafkaJS.CompressionTypes>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

const client = (bootstrap: string) =>
  new Kafka({
    clientId: CLIENT_ID,
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    requestTimeout: TIMEOUT_MS,
    retry: { retries: 5 },
  });

async function withAdmin<T>(bootstrap: string, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

function headersObject(headers: HeaderJson[]): IHeaders {
  const object: Record<string, (Buffer | null)[]> = {};
  for (const [name, value] of headers) (object[name] ??= []).push(value === null ? null : Buffer.from(value, 'base64'));
  // kafkajs's types say string | Buffer, but it writes a null value as length -1.
  return object as unknown as IHeaders;
}

function messageOf(record: ProducerRecordJson): Message {
  return {
    partition: record.partition,
    key: record.key === null ? null : Buffer.from(record.key, 'base64'),
    value: record.value === null ? null : Buffer.from(record.value, 'base64'),
    headers: headersObject(record.headers),
    ...(record.timestamp !== null && { timestamp: String(record.timestamp) }),
  };
}

async function produce(
  bootstrap: string,
  topic: string,
  records: ProducerRecordJson[],
  codec: CompressionCodec,
): Promise<void> {
  const producer = client(bootstrap).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      timeout: TIMEOUT_MS,
      compression: KAFKAJS_COMPRESSION[codec],
      messages: records.map(messageOf),
    });
  } finally {
    await producer.disconnect();
  }
}

/** The parts of kafkajs's internal Cluster and Broker that `consume` uses. */
interface KafkajsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
}

interface KafkajsBroker {
  fetch(request: {
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    isolationLevel: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: { partition: number; messages: KafkajsRecord[] }[] }[] }>;
}

interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number }[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(options: { nodeId: string }): Promise<KafkajsBroker>;
  fetchTopicsOffset(
    topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

type ClusterConstructor = new (options: object) => KafkajsCluster;

function newCluster(bootstrap: string): KafkajsCluster {
  const Cluster = require('kafkajs/src/cluster') as ClusterConstructor;
  const { createLogger, LEVELS } = require('kafkajs/src/loggers') as {
    createLogger: (options: object) => unknown;
    LEVELS: { NOTHING: number };
  };
  const socketFactory = (require('kafkajs/src/network/socketFactory') as () => unknown)();
  return new Cluster({
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: require('kafkajs/src/loggers/console') }),
    socketFactory,
    brokers: bootstrap.split(','),
    clientId: CLIENT_ID,
    connectionTimeout: TIMEOUT_MS,
    requestTimeout: TIMEOUT_MS,
    enforceRequestTimeout: true,
    retry: { retries: 5 },
    allowAutoTopicCreation: false,
    isolationLevel: 1,
  });
}

function headerList(headers: KafkajsRecord['headers']): HeaderJson[] {
  return Object.entries(headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((v): HeaderJson => [name, toBase64(v)]),
  );
}

function consumerRecordOf(topic: string, partition: number, record: KafkajsRecord): ConsumerRecordJson {
  return {
    topic,
    partition,
    offset: Number(record.offset),
    timestamp: Number(record.timestamp),
    key: toBase64(record.key),
    value: toBase64(record.value),
    headers: headerList(record.headers),
  };
}

/** One Fetch to each leader for all of its partitions at their next offsets; advances `next`. */
async function fetchOnce(
  cluster: KafkajsCluster,
  topic: string,
  next: Map<number, number>,
  into: ConsumerRecordJson[],
): Promise<void> {
  const byLeader = cluster.findLeaderForPartitions(topic, [...next.keys()]);
  await Promise.all(
    Object.entries(byLeader).map(async ([nodeId, partitions]) => {
      const broker = await cluster.findBroker({ nodeId });
      const { responses } = await broker.fetch({
        maxWaitTime: FETCH_WAIT_MS,
        minBytes: 1,
        maxBytes: PARTITION_FETCH_BYTES * partitions.length,
        isolationLevel: 1,
        topics: [
          {
            topic,
            partitions: partitions.map((partition) => ({
              partition,
              fetchOffset: String(next.get(partition)),
              maxBytes: PARTITION_FETCH_BYTES,
            })),
          },
        ],
      });
      for (const { partitions: fetched } of responses) {
        for (const { partition, messages } of fetched) {
          // A fetch returns whole batches: records before the fetch offset come along.
          const fresh = messages.filter((m) => !m.isControlRecord && Number(m.offset) >= next.get(partition)!);
          into.push(...fresh.map((m) => consumerRecordOf(topic, partition, m)));
          const last = messages.at(-1);
          if (last !== undefined) next.set(partition, Math.max(next.get(partition)!, Number(last.offset) + 1));
        }
      }
    }),
  );
}

async function consume(bootstrap: string, topic: string, count: number): Promise<ConsumerRecordJson[]> {
  const cluster = newCluster(bootstrap);
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => ({ partition: p.partitionId }));
    const [earliest] = await cluster.fetchTopicsOffset([{ topic, fromBeginning: true, partitions }]);
    const next = new Map((earliest?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    const records: ConsumerRecordJson[] = [];
    const deadline = Date.now() + TIMEOUT_MS;
    while (records.length < count && Date.now() < deadline) await fetchOnce(cluster, topic, next, records);
    return records.sort(byPartitionThenOffset);
  } finally {
    await cluster.disconnect();
  }
}

const sortedOffsets = (entries: { partition: number; offset: string }[]): PartitionOffset[] =>
  entries.map((e) => ({ partition: e.partition, offset: Number(e.offset) })).sort((a, b) => a.partition - b.partition);

function listOffsets(bootstrap: string, topic: string, spec: OffsetSpec): Promise<PartitionOffset[]> {
  return withAdmin(bootstrap, async (admin) => {
    const watermarks = await admin.fetchTopicOffsets(topic);
    if (spec === 'earliest') return sortedOffsets(watermarks.map((w) => ({ partition: w.partition, offset: w.low })));
    if (spec === 'latest') return sortedOffsets(watermarks.map((w) => ({ partition: w.partition, offset: w.high })));
    const latest = new Map(watermarks.map((w) => [w.partition, w.high]));
    const found = await admin.fetchTopicOffsetsByTimestamp(topic, spec.timestamp);
    return sortedOffsets(
      found.map((f) => ({ partition: f.partition, offset: f.offset === latest.get(f.partition) ? '-1' : f.offset })),
    );
  });
}

function metadata(bootstrap: string, topics: string[]) {
  return withAdmin(bootstrap, async (admin) => {
    const { topics: found } = await admin.fetchTopicMetadata({ topics });
    return found.map((t) => ({
      topic: t.name,
      partitions: t.partitions.map((p) => p.partitionId).sort((a, b) => a - b),
    }));
  });
}

const configEntries = (configs: Record<string, string>) =>
  Object.entries(configs).map(([name, value]) => ({ name, value }));

export const kafkajs: ClientDriver &
  AdminDriver & {
    deleteTopicRecords(bootstrap: string, topic: string, partitions: PartitionOffset[]): Promise<void>;
  } = {
  name: 'kafkajs',
  produce,
  consume,
  listOffsets,
  metadata,
  createTopics: (bootstrap, topics) =>
    withAdmin(bootstrap, async (admin) => {
      const created = await admin.createTopics({
        waitForLeaders: true,
        timeout: TIMEOUT_MS,
        topics: topics.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
          configEntries: configEntries(t.configs),
        })),
      });
      if (!created) throw new Error(`kafkajs createTopics: ${topics.map((t) => t.topic).join(', ')} already exist`);
    }),
  deleteTopics: (bootstrap, topics) =>
    withAdmin(bootstrap, (admin) => admin.deleteTopics({ topics, timeout: TIMEOUT_MS })),
  describeTopicConfigs: (bootstrap, topic) =>
    withAdmin(bootstrap, async (admin) => {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      });
      return Object.fromEntries((resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
    }),
  alterTopicConfigs: (bootstrap, topic, configs) =>
    withAdmin(bootstrap, async (admin) => {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: configEntries(configs) }],
      });
    }),
  createPartitions: (bootstrap, topic, totalCount) =>
    withAdmin(bootstrap, async (admin) => {
      await admin.createPartitions({ timeout: TIMEOUT_MS, topicPartitions: [{ topic, count: totalCount }] });
    }),
  listTopics: (bootstrap) => withAdmin(bootstrap, async (admin) => (await admin.listTopics()).sort()),
  deleteTopicRecords: (bootstrap, topic, partitions) =>
    withAdmin(bootstrap, async (admin) => {
      // deleteTopicRecords looks up the partitions' leaders before loading the topic's metadata.
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({
        topic,
        partitions: partitions.map((p) => ({ partition: p.partition, offset: String(p.offset) })),
      });
    }),
};
