/**
 * Topic configs over the wire: every config Kafka 3.8 defines (LogConfig.CONFIG) is accepted
 * by CreateTopics, AlterConfigs and IncrementalAlterConfigs, a value outside Kafka's range is
 * INVALID_CONFIG with Kafka's ConfigException message, and DescribeConfigs lists each one with
 * its ConfigType and, with includeSynonyms, the synonyms of ConfigHelper.createTopicConfigEntry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker } from '../../../src/broker/Broker.js';
import { ApiKey, type Struct } from '../../../src/protocol/index.js';
import { brokerWithRawClient, type RawKafkaClient } from '../../helpers/rawKafkaClient.js';

const TOPIC = 2;
/** DescribeConfigsResponse.ConfigSource and ConfigType ids. */
const Source = { TOPIC: 1, STATIC_BROKER: 4, DEFAULT: 5 };
const Type = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 };
const INVALID_CONFIG = 40;

/** The names LogConfig.CONFIG defines in Kafka 3.8 (TopicConfig and QuotaConfig constants). */
const KAFKA_3_8_TOPIC_CONFIGS = [
  'cleanup.policy',
  'compression.gzip.level',
  'compression.lz4.level',
  'compression.type',
  'compression.zstd.level',
  'delete.retention.ms',
  'file.delete.delay.ms',
  'flush.messages',
  'flush.ms',
  'follower.replication.throttled.replicas',
  'index.interval.bytes',
  'leader.replication.throttled.replicas',
  'local.retention.bytes',
  'local.retention.ms',
  'max.compaction.lag.ms',
  'max.message.bytes',
  'message.downconversion.enable',
  'message.format.version',
  'message.timestamp.after.max.ms',
  'message.timestamp.before.max.ms',
  'message.timestamp.difference.max.ms',
  'message.timestamp.type',
  'min.cleanable.dirty.ratio',
  'min.compaction.lag.ms',
  'min.insync.replicas',
  'preallocate',
  'remote.storage.enable',
  'retention.bytes',
  'retention.ms',
  'segment.bytes',
  'segment.index.bytes',
  'segment.jitter.ms',
  'segment.ms',
  'unclean.leader.election.enable',
];

let broker: Broker;
let client: RawKafkaClient;

async function start(settings: Record<string, string> = {}): Promise<void> {
  ({ broker, client } = await brokerWithRawClient(1, settings));
}

afterEach(async () => {
  client.close();
  await broker.close();
});

async function createTopic(name: string, configs: Record<string, string>): Promise<Struct> {
  const body = await client.call(ApiKey.CreateTopics, 5, {
    topics: [
      {
        name,
        numPartitions: 1,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
      },
    ],
    timeoutMs: 1000,
    validateOnly: false,
  });
  return (body.topics as Struct[])[0]!;
}

async function describeTopic(name: string, includeSynonyms = false, keys: string[] | null = null): Promise<Struct[]> {
  const body = await client.call(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: keys }],
    includeSynonyms,
    includeDocumentation: false,
  });
  const result = (body.results as Struct[])[0]!;
  expect(result.errorCode).toBe(0);
  return result.configs as Struct[];
}

async function valuesOf(name: string): Promise<Record<string, unknown>> {
  return Object.fromEntries((await describeTopic(name)).map((c) => [c.name, c.value]));
}

async function alterConfigs(name: string, configs: Record<string, string>): Promise<Struct> {
  const body = await client.call(ApiKey.AlterConfigs, 1, {
    resources: [
      {
        resourceType: TOPIC,
        resourceName: name,
        configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
      },
    ],
    validateOnly: false,
  });
  return (body.responses as Struct[])[0]!;
}

async function incrementalSet(name: string, key: string, value: string): Promise<Struct> {
  const body = await client.call(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: TOPIC, resourceName: name, configs: [{ name: key, configOperation: 0, value }] }],
    validateOnly: false,
  });
  return (body.responses as Struct[])[0]!;
}

describe('topic configs Kafka defines', () => {
  it('CreateTopics accepts delete.retention.ms, min.insync.replicas and preallocate; DescribeConfigs shows them', async () => {
    await start();
    // librdkafka's test 0081 creates a topic with delete.retention.ms.
    const created = await createTopic('c', {
      'delete.retention.ms': '1000',
      'min.insync.replicas': '1',
      preallocate: 'TRUE',
      'unclean.leader.election.enable': 'false',
      'min.cleanable.dirty.ratio': '0.25',
      'leader.replication.throttled.replicas': '0:0, 1:0',
    });
    expect(created).toMatchObject({ errorCode: 0 });
    const configs = await describeTopic('c');
    const byName = Object.fromEntries(configs.map((c) => [c.name, c]));
    expect(byName['delete.retention.ms']).toMatchObject({
      value: '1000',
      configSource: Source.TOPIC,
      configType: Type.LONG,
    });
    expect(byName['min.insync.replicas']).toMatchObject({
      value: '1',
      configSource: Source.TOPIC,
      configType: Type.INT,
    });
    // ConfigDef parses a BOOLEAN in any case and describes it as Boolean.toString does.
    expect(byName.preallocate).toMatchObject({ value: 'true', configType: Type.BOOLEAN });
    expect(byName['min.cleanable.dirty.ratio']).toMatchObject({ value: '0.25', configType: Type.DOUBLE });
    expect(byName['leader.replication.throttled.replicas']).toMatchObject({ value: '0:0,1:0', configType: Type.LIST });
    expect(byName['message.format.version']).toMatchObject({ value: '3.0-IV1', configSource: Source.DEFAULT });
    expect(byName['remote.storage.enable']).toMatchObject({ value: 'false', configType: Type.BOOLEAN });
    // Every config Kafka lists for a topic resource, and nothing else.
    expect(configs.map((c) => c.name).sort()).toEqual(KAFKA_3_8_TOPIC_CONFIGS);
  });

  it('AlterConfigs and IncrementalAlterConfigs accept message.format.version (deprecated, not removed, in 3.x)', async () => {
    await start();
    // librdkafka's test 0092 sets message.format.version to 0.10.0.0.
    expect(await alterConfigs('t', { 'message.format.version': '0.10.0.0' })).toMatchObject({ errorCode: 0 });
    expect((await valuesOf('t'))['message.format.version']).toBe('0.10.0.0');
    expect(await incrementalSet('t', 'message.format.version', '2.8-IV1')).toMatchObject({ errorCode: 0 });
    expect(await incrementalSet('t', 'segment.jitter.ms', '500')).toMatchObject({ errorCode: 0 });
    expect(await valuesOf('t')).toMatchObject({ 'message.format.version': '2.8-IV1', 'segment.jitter.ms': '500' });
  });

  it('a value outside Kafka range is INVALID_CONFIG with the message of ConfigException', async () => {
    await start();
    // LogConfig: min.insync.replicas is Range.atLeast(1); min.cleanable.dirty.ratio Range.between(0, 1).
    expect(await createTopic('bad', { 'min.insync.replicas': '0' })).toMatchObject({
      errorCode: INVALID_CONFIG,
      errorMessage: expect.stringContaining(
        'Invalid value 0 for configuration min.insync.replicas: Value must be at least 1',
      ),
    });
    expect(await alterConfigs('t', { 'min.cleanable.dirty.ratio': '1.5' })).toMatchObject({
      errorCode: INVALID_CONFIG,
      errorMessage: expect.stringContaining(
        'Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1',
      ),
    });
    // ThrottledReplicaListValidator and ConfigDef's BOOLEAN parsing.
    expect(await incrementalSet('t', 'follower.replication.throttled.replicas', '0-1')).toMatchObject({
      errorCode: INVALID_CONFIG,
      errorMessage: expect.stringContaining("must be the literal '*' or a list of replicas"),
    });
    expect(await createTopic('bad', { preallocate: 'yes' })).toMatchObject({
      errorCode: INVALID_CONFIG,
      errorMessage: expect.stringContaining('Expected value to be either true or false'),
    });
    // GzipCompression.LevelValidator: 1..9 or -1.
    expect(await createTopic('bad', { 'compression.gzip.level': '0' })).toMatchObject({
      errorCode: INVALID_CONFIG,
      errorMessage: expect.stringContaining('Value must be between 1 and 9, or -1'),
    });
    expect(await alterConfigs('t', { 'message.format.version': 'latest' })).toMatchObject({
      errorCode: INVALID_CONFIG,
    });
  });
});

describe('DescribeConfigs includeSynonyms', () => {
  // ConfigHelper.configSynonyms keeps the synonyms from log.retention.ms's own on (dropWhile), and
  // createTopicConfigEntry takes the source from the first: log.retention.hours alone sets the
  // value but leaves neither a synonym nor a STATIC_BROKER_CONFIG source.
  it('describes retention.ms set by log.retention.hours alone as Kafka does: its value, DEFAULT_CONFIG, no synonym', async () => {
    await start({ 'log.retention.hours': '24', 'log.retention.bytes': '1000' });
    const configs = await describeTopic('t', true, ['retention.ms', 'retention.bytes']);
    const byName = Object.fromEntries(configs.map((c) => [c.name, c]));
    expect(byName['retention.ms']).toMatchObject({ value: '86400000', configSource: Source.DEFAULT, synonyms: [] });
    expect(byName['retention.bytes']).toMatchObject({ value: '1000', configSource: Source.STATIC_BROKER });
  });

  it('lists the topic override, the broker setting and the broker default, in that order', async () => {
    await start({
      'log.cleaner.delete.retention.ms': '5000',
      'log.retention.ms': '7200000',
      'log.preallocate': 'TRUE',
    });
    expect(await alterConfigs('t', { 'delete.retention.ms': '1000', 'min.insync.replicas': '1' })).toMatchObject({
      errorCode: 0,
    });
    const configs = await describeTopic('t', true, [
      'delete.retention.ms',
      'retention.ms',
      'segment.ms',
      'min.insync.replicas',
      'preallocate',
      'remote.storage.enable',
    ]);
    const synonyms = Object.fromEntries(configs.map((c) => [c.name, c.synonyms]));
    expect(synonyms['delete.retention.ms']).toEqual([
      { name: 'delete.retention.ms', value: '1000', source: Source.TOPIC },
      { name: 'log.cleaner.delete.retention.ms', value: '5000', source: Source.STATIC_BROKER },
      { name: 'log.cleaner.delete.retention.ms', value: '86400000', source: Source.DEFAULT },
    ]);
    // Kafka's log.retention.ms has no default: the DEFAULT_CONFIG synonym is log.retention.hours.
    expect(synonyms['retention.ms']).toEqual([
      { name: 'log.retention.ms', value: '7200000', source: Source.STATIC_BROKER },
      { name: 'log.retention.hours', value: '168', source: Source.DEFAULT },
    ]);
    // ConfigHelper.configSynonyms keeps the synonyms from log.roll.ms's own on (dropWhile): log.roll.ms
    // has no default and is not set, so log.roll.hours's default is dropped with it.
    expect(synonyms['segment.ms']).toEqual([]);
    expect(synonyms['min.insync.replicas']).toEqual([
      { name: 'min.insync.replicas', value: '1', source: Source.TOPIC },
      { name: 'min.insync.replicas', value: '1', source: Source.DEFAULT },
    ]);
    expect(synonyms.preallocate).toEqual([
      { name: 'log.preallocate', value: 'true', source: Source.STATIC_BROKER },
      { name: 'log.preallocate', value: 'false', source: Source.DEFAULT },
    ]);
    // remote.storage.enable has no broker synonym (LogConfig.TopicConfigSynonyms).
    expect(synonyms['remote.storage.enable']).toEqual([]);
    const retention = configs.find((c) => c.name === 'retention.ms');
    expect(retention).toMatchObject({ value: '7200000', configSource: Source.STATIC_BROKER });
  });
});
