/**
 * AlterConfigs and IncrementalAlterConfigs on the broker resource (KIP-226 dynamic broker
 * configs), over the wire: Kafka 3.8's KafkaApis.handleAlterConfigsRequest and
 * handleIncrementalAlterConfigsRequest, ConfigAdminManager.preprocess (the resource name, the
 * duplicate and null refusals), DynamicBrokerConfig.validateConfigs (the non-dynamic, listener-only
 * and per-broker-only refusals, the ConfigDef types) and ZkAdminManager.alterBrokerConfigs (the
 * per-broker and cluster-default levels, validateOnly); DescribeConfigs as ConfigHelper shows them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/Broker.js';
import { createLogger } from '../../../src/broker/Logger.js';
import { ApiKey, type Struct } from '../../../src/protocol/index.js';
import { RawKafkaClient } from '../../helpers/rawKafkaClient.js';
import { tempDir } from '../../helpers/tmp.js';

const BROKER = 4;
/** DescribeConfigsResponse.ConfigSource ids. */
const Source = { DYNAMIC_BROKER: 2, DYNAMIC_DEFAULT: 3, STATIC_BROKER: 4, DEFAULT: 5 };
const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 };
const INVALID_CONFIG = 40;
const INVALID_REQUEST = 42;

let broker: Broker | undefined;
let client: RawKafkaClient | undefined;

afterEach(async () => {
  client?.close();
  await broker?.close();
  broker = undefined;
  client = undefined;
});

async function start(dataDir = tempDir(), settings: Record<string, string> = {}): Promise<string> {
  broker = await Broker.start({ dataDir, port: 0, settings, logger: createLogger('silent') });
  client = await RawKafkaClient.connect(broker.port);
  return dataDir;
}

async function restart(dataDir: string): Promise<void> {
  client?.close();
  await broker?.close();
  await start(dataDir);
}

type Answer = { errorCode: number; errorMessage: string | null };
const answerOf = (body: Struct): Answer => {
  const { errorCode, errorMessage } = (body.responses as Answer[])[0]!;
  return { errorCode, errorMessage };
};

/** Legacy AlterConfigs of one broker resource: `configs` replace the whole set. */
async function alter(name: string, configs: Record<string, string | null>, validateOnly = false): Promise<Answer> {
  const body = await client!.call(ApiKey.AlterConfigs, 2, {
    resources: [
      {
        resourceType: BROKER,
        resourceName: name,
        configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
      },
    ],
    validateOnly,
  });
  return answerOf(body);
}

async function incremental(name: string, ops: [string, number, string | null][]): Promise<Answer> {
  const body = await client!.call(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [
      {
        resourceType: BROKER,
        resourceName: name,
        configs: ops.map(([key, configOperation, value]) => ({ name: key, configOperation, value })),
      },
    ],
    validateOnly: false,
  });
  return answerOf(body);
}

async function describeBroker(name: string, keys: string[] | null = null): Promise<Record<string, Struct>> {
  const body = await client!.call(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: BROKER, resourceName: name, configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: false,
  });
  const result = (body.results as Struct[])[0]!;
  expect(result.errorCode).toBe(0);
  return Object.fromEntries((result.configs as Struct[]).map((c) => [c.name as string, c]));
}

const synonyms = (config: Struct | undefined) =>
  (config!.synonyms as Struct[]).map((s) => [s.name, s.source, s.value] as const);

describe('AlterConfigs on the broker resource', () => {
  it('stores a per-broker config (what librdkafka 0081 sends) and DescribeConfigs shows it as DYNAMIC_BROKER_CONFIG', async () => {
    await start();
    expect(await alter('0', { 'sasl.kerberos.min.time.before.relogin': '58000' })).toEqual({
      errorCode: 0,
      errorMessage: null,
    });
    const config = (await describeBroker('0'))['sasl.kerberos.min.time.before.relogin'];
    // ConfigHelper.createBrokerConfigEntry: the first synonym's source; dynamic configs are not read-only.
    expect(config).toMatchObject({ value: '58000', configSource: Source.DYNAMIC_BROKER, readOnly: false });
    expect(synonyms(config)).toEqual([
      ['sasl.kerberos.min.time.before.relogin', Source.DYNAMIC_BROKER, '58000'],
      ['sasl.kerberos.min.time.before.relogin', Source.DEFAULT, '60000'],
    ]);
    expect((await describeBroker('0'))['broker.id']).toMatchObject({ readOnly: true });
  });

  it('keeps the dynamic configs across a restart', async () => {
    const dataDir = await start();
    expect((await alter('0', { 'log.cleaner.threads': '3' })).errorCode).toBe(0);
    expect((await alter('', { 'log.retention.ms': '3600000' })).errorCode).toBe(0);
    await restart(dataDir);
    expect((await describeBroker('0'))['log.cleaner.threads']).toMatchObject({
      value: '3',
      configSource: Source.DYNAMIC_BROKER,
    });
    expect((await describeBroker(''))['log.retention.ms']).toMatchObject({
      value: '3600000',
      configSource: Source.DYNAMIC_DEFAULT,
    });
  });

  it('orders the per-broker, cluster-default, file and default values as ConfigHelper.configSynonyms', async () => {
    await start(tempDir(), { 'log.retention.ms': '7200000' });
    expect((await alter('', { 'log.retention.ms': '3600000' })).errorCode).toBe(0);
    expect((await alter('0', { 'log.retention.ms': '1800000' })).errorCode).toBe(0);
    const config = (await describeBroker('0', ['log.retention.ms']))['log.retention.ms'];
    expect(config).toMatchObject({ value: '1800000', configSource: Source.DYNAMIC_BROKER });
    expect(synonyms(config)).toEqual([
      ['log.retention.ms', Source.DYNAMIC_BROKER, '1800000'],
      ['log.retention.ms', Source.DYNAMIC_DEFAULT, '3600000'],
      ['log.retention.ms', Source.STATIC_BROKER, '7200000'],
      ['log.retention.hours', Source.DEFAULT, '168'],
    ]);
    // The cluster-wide resource lists only what it sets, with its own synonym alone.
    const defaults = await describeBroker('');
    expect(Object.keys(defaults)).toEqual(['log.retention.ms']);
    expect(synonyms(defaults['log.retention.ms'])).toEqual([['log.retention.ms', Source.DYNAMIC_DEFAULT, '3600000']]);
  });

  it('replaces the whole set (AlterConfigs), and validateOnly changes nothing', async () => {
    await start();
    expect((await alter('0', { 'log.cleaner.threads': '2' })).errorCode).toBe(0);
    expect((await alter('0', { 'num.io.threads': '9' }, true)).errorCode).toBe(0);
    let configs = await describeBroker('0');
    expect(configs['num.io.threads']).toMatchObject({ value: '8', configSource: Source.DEFAULT });
    expect((await alter('0', { 'num.io.threads': '9' })).errorCode).toBe(0);
    configs = await describeBroker('0');
    expect(configs['num.io.threads']).toMatchObject({ value: '9', configSource: Source.DYNAMIC_BROKER });
    expect(configs['log.cleaner.threads']).toMatchObject({ value: '1', configSource: Source.DEFAULT });
  });
});

describe("the refusals of Kafka's ConfigAdminManager and DynamicBrokerConfig", () => {
  it.each([
    ['0', { 'broker.id': '3' }, 'Cannot update these configs dynamically: Set(broker.id)'],
    ['0', { 'log.retention.hours': '1' }, 'Cannot update these configs dynamically: Set(log.retention.hours)'],
    [
      '0',
      { 'ssl.keystore.location': '/tmp/ks' },
      'These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)',
    ],
    [
      '',
      { 'sasl.kerberos.min.time.before.relogin': '58000' },
      'Cannot update these configs at default cluster level, broker id must be specified: Set(sasl.kerberos.min.time.before.relogin)',
    ],
    [
      '0',
      { 'log.cleaner.threads': '-1' },
      'Invalid value -1 for configuration log.cleaner.threads: Value must be at least 0',
    ],
    ['1', { 'log.cleaner.threads': '2' }, 'Unexpected broker id, expected 0, but received 1'],
    ['zero', { 'log.cleaner.threads': '2' }, 'Node id must be an integer, but it is: zero'],
    ['0', { 'log.cleaner.threads': null }, 'Null value not supported for : log.cleaner.threads'],
  ])('resource %j %j: INVALID_REQUEST %s', async (name, configs, message) => {
    await start();
    expect(await alter(name, configs)).toEqual({ errorCode: INVALID_REQUEST, errorMessage: message });
    expect(Object.keys(await describeBroker(''))).toEqual([]);
  });

  it('refuses a resource named twice, and a config named twice', async () => {
    await start();
    const resource = { resourceType: BROKER, resourceName: '0', configs: [{ name: 'num.io.threads', value: '9' }] };
    const twice = await client!.call(ApiKey.AlterConfigs, 2, { resources: [resource, resource], validateOnly: false });
    expect(twice.responses).toEqual([
      expect.objectContaining({ errorCode: INVALID_REQUEST, errorMessage: 'Each resource must appear at most once.' }),
      expect.objectContaining({ errorCode: INVALID_REQUEST, errorMessage: 'Each resource must appear at most once.' }),
    ]);
    expect(
      await incremental('0', [
        ['num.io.threads', OpType.SET, '9'],
        ['num.io.threads', OpType.DELETE, null],
      ]),
    ).toEqual({ errorCode: INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys' });
  });
});

describe('IncrementalAlterConfigs on the broker resource', () => {
  it('SETs and DELETEs one config, leaving the others', async () => {
    await start();
    expect((await incremental('0', [['log.cleaner.threads', OpType.SET, '2']])).errorCode).toBe(0);
    expect((await incremental('0', [['num.io.threads', OpType.SET, '9']])).errorCode).toBe(0);
    expect((await incremental('0', [['log.cleaner.threads', OpType.DELETE, null]])).errorCode).toBe(0);
    const configs = await describeBroker('0');
    expect(configs['num.io.threads']).toMatchObject({ value: '9', configSource: Source.DYNAMIC_BROKER });
    expect(configs['log.cleaner.threads']).toMatchObject({ value: '1', configSource: Source.DEFAULT });
  });

  it("APPENDs to and SUBTRACTs from a list, starting from Kafka's default (prepareIncrementalConfigs)", async () => {
    await start();
    const rules = 'sasl.kerberos.principal.to.local.rules';
    expect((await incremental('0', [[rules, OpType.APPEND, 'RULE:[1:$1]']])).errorCode).toBe(0);
    expect((await describeBroker('0'))[rules]).toMatchObject({ value: 'DEFAULT,RULE:[1:$1]' });
    expect((await incremental('0', [[rules, OpType.SUBTRACT, 'DEFAULT']])).errorCode).toBe(0);
    expect((await describeBroker('0'))[rules]).toMatchObject({ value: 'RULE:[1:$1]' });
    expect(await incremental('0', [['log.cleaner.threads', OpType.APPEND, '2']])).toEqual({
      errorCode: INVALID_CONFIG,
      errorMessage: 'Config value append is not allowed for config key: log.cleaner.threads',
    });
  });
});

describe('a dynamic topic default acts at once (DynamicLogConfig.reconfigure)', () => {
  async function createTopic(name: string, configs: Record<string, string> = {}): Promise<void> {
    const body = await client!.call(ApiKey.CreateTopics, 5, {
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
    expect((body.topics as Struct[])[0]!.errorCode).toBe(0);
  }

  async function topicConfig(topic: string, name: string): Promise<Struct> {
    const body = await client!.call(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: 2, resourceName: topic, configurationKeys: [name] }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    return ((body.results as Struct[])[0]!.configs as Struct[])[0]!;
  }

  it('every topic without an override takes log.retention.ms, and keeps it after a restart', async () => {
    const dataDir = await start();
    await createTopic('plain');
    await createTopic('own', { 'retention.ms': '60000' });
    expect((await alter('', { 'log.retention.ms': '3600000' })).errorCode).toBe(0);
    expect(broker!.engine.topicConfig('plain').log.retentionMs).toBe(3_600_000);
    expect(broker!.engine.topicConfig('own').log.retentionMs).toBe(60_000);
    // ConfigHelper.createTopicConfigEntry: the source is the broker synonym's.
    const plain = await topicConfig('plain', 'retention.ms');
    expect(plain).toMatchObject({ value: '3600000', configSource: Source.DYNAMIC_DEFAULT });
    expect(synonyms(plain)[0]).toEqual(['log.retention.ms', Source.DYNAMIC_DEFAULT, '3600000']);
    await restart(dataDir);
    expect(broker!.engine.topicConfig('plain').log.retentionMs).toBe(3_600_000);
    // Deleting it gives the topics Kafka's default again.
    expect((await incremental('', [['log.retention.ms', OpType.DELETE, null]])).errorCode).toBe(0);
    expect(broker!.engine.topicConfig('plain').log.retentionMs).toBe(604_800_000);
  });

  it('refuses a topic default tributary cannot act on, as the file would be refused at start', async () => {
    await start();
    expect(await alter('0', { 'log.cleanup.policy': 'compact' })).toEqual({
      errorCode: INVALID_REQUEST,
      errorMessage:
        'Invalid dynamic configuration: Invalid value compact for configuration cleanup.policy: not supported yet',
    });
  });
});
