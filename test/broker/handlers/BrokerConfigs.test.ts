/**
 * Broker configs: every config Kafka 3.8's KafkaConfig.configDef defines is accepted from the
 * file, checked by its ConfigDef type and validator (ConfigException's message); a name Kafka
 * does not know is kept and warned about (AbstractConfig.logUnused); DescribeConfigs on the
 * broker lists them all as ConfigHelper.createBrokerConfigEntry does, with the synonyms of
 * ConfigHelper.configSynonyms.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/Broker.js';
import { createLogger } from '../../../src/broker/Logger.js';
import { ApiKey, type Struct } from '../../../src/protocol/index.js';
import { RawKafkaClient } from '../../helpers/rawKafkaClient.js';
import { tempDir } from '../../helpers/tmp.js';

const BROKER = 4;
/** DescribeConfigsResponse.ConfigSource and ConfigType ids. */
const Source = { STATIC_BROKER: 4, DEFAULT: 5 };
const Type = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
};

/** A few names of each of Kafka 3.8's *Configs classes, for features tributary does not build. */
const NOT_BUILT = {
  'zookeeper.ssl.client.enable': 'false', // ZkConfigs (zookeeper.connect makes the broker join a cluster)
  'process.roles': 'broker', // KRaftConfigs
  'controller.quorum.voters': '1@localhost:9093', // QuorumConfig
  'num.replica.fetchers': '2', // ReplicationConfigs
  'replica.lag.time.max.ms': '10000',
  'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256', // BrokerSecurityConfigs
  'ssl.keystore.password': 'secret', // SslConfigs
  'quota.window.num': '11', // QuotaConfigs
  'remote.log.storage.system.enable': 'false', // RemoteLogManagerConfig
  'transaction.max.timeout.ms': '60000', // TransactionStateManagerConfigs
  'group.consumer.migration.policy': 'UPGRADE', // GroupCoordinatorConfig, CaseInsensitiveValidString
  'log.cleaner.threads': '2', // CleanerConfig
};

let broker: Broker | undefined;
let client: RawKafkaClient | undefined;

afterEach(async () => {
  client?.close();
  await broker?.close();
  broker = undefined;
  client = undefined;
});

async function start(settings: Record<string, string>, log: string[] = []): Promise<void> {
  broker = await Broker.start({
    dataDir: tempDir(),
    port: 0,
    settings,
    logger: createLogger('warn', (line) => log.push(line)),
  });
  client = await RawKafkaClient.connect(broker.port);
}

async function describeBroker(name: string, includeSynonyms = false, keys: string[] | null = null): Promise<Struct> {
  const body = await client!.call(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: BROKER, resourceName: name, configurationKeys: keys }],
    includeSynonyms,
    includeDocumentation: true,
  });
  return (body.results as Struct[])[0]!;
}

async function configsOf(keys: string[] | null = null, includeSynonyms = false): Promise<Record<string, Struct>> {
  const result = await describeBroker('0', includeSynonyms, keys);
  expect(result.errorCode).toBe(0);
  return Object.fromEntries((result.configs as Struct[]).map((c) => [c.name as string, c]));
}

describe('broker configs Kafka defines', () => {
  it('accepts those of features not built, stores them and describes them as set', async () => {
    await start({ ...NOT_BUILT, 'log.retention.hours': '24' });
    const configs = await configsOf();
    for (const [name, value] of Object.entries(NOT_BUILT)) {
      const expected = name === 'ssl.keystore.password' ? null : value;
      expect(configs[name], name).toMatchObject({ value: expected, configSource: Source.STATIC_BROKER });
    }
    // A LIST as ConfigDef parses it; the rest at Kafka's defaults.
    expect(configs['sasl.enabled.mechanisms']).toMatchObject({ configType: Type.LIST, isSensitive: false });
    expect(configs['num.io.threads']).toMatchObject({ value: '8', configSource: Source.DEFAULT, configType: Type.INT });
    expect(configs['offsets.commit.required.acks']).toMatchObject({ value: '-1', configType: Type.SHORT });
    expect(configs['log.cleaner.io.max.bytes.per.second']).toMatchObject({ configType: Type.DOUBLE });
    // One node holds one copy of each partition, the internal topics' too (a cluster reports Kafka's 3).
    for (const name of [
      'default.replication.factor',
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
    ])
      expect(configs[name], name).toMatchObject({ value: '1', configSource: Source.DEFAULT });
    expect(configs['principal.builder.class']).toMatchObject({
      value: 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder',
      configType: Type.CLASS,
    });
    // KafkaConfig.maybeSensitive: a PASSWORD's value is never shown; null defaults stay null.
    expect(configs['ssl.keystore.password']).toMatchObject({ isSensitive: true, configType: Type.PASSWORD });
    expect(configs['log.retention.ms']).toMatchObject({ value: null, configType: Type.LONG });
    // ConfigHelper.createBrokerConfigEntry: documentation is Kafka's or null; tributary has none to give.
    expect(configs['num.io.threads']!.documentation).toBeNull();
  });

  it('describes every non-internal config of KafkaConfig.configDef, and no internal one unless set', async () => {
    await start({ 'log.initial.task.delay.ms': '1000' });
    const configs = await configsOf();
    // Kafka 3.8: 299 configs (KafkaConfig.configDef, RemoteLogManagerConfig's merged in), 14 of them
    // internal (defineInternal), plus tributary's max.broker.partitions and log.max.open.files.
    expect(Object.keys(configs)).toHaveLength(299 + 2 + 1);
    expect(configs['log.initial.task.delay.ms']).toMatchObject({ value: '1000', configSource: Source.STATIC_BROKER });
    expect(configs['unstable.api.versions.enable']).toBeUndefined();
    for (const name of [
      'broker.id',
      'listeners',
      'log.dirs',
      'compression.gzip.level',
      'sasl.mechanism.inter.broker.protocol',
    ])
      expect(configs[name], name).toBeDefined();
  });

  it("refuses what Kafka's ConfigDef refuses, with ConfigException's message", async () => {
    const refusal = async (settings: Record<string, string>) =>
      Broker.start({ dataDir: tempDir(), port: 0, settings, logger: createLogger('silent') }).then(
        async (b) => {
          await b.close();
          return 'accepted';
        },
        (error: Error) => error.message,
      );
    expect(await refusal({ 'num.network.threads': '0' })).toBe(
      'Invalid value 0 for configuration num.network.threads: Value must be at least 1',
    );
    expect(await refusal({ 'replica.lag.time.max.ms': 'ten' })).toBe(
      'Invalid value ten for configuration replica.lag.time.max.ms: Not a number of type LONG',
    );
    expect(await refusal({ 'security.inter.broker.protocol': 'TLS' })).toBe(
      'Invalid value TLS for configuration security.inter.broker.protocol: String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
    );
    expect(await refusal({ 'process.roles': 'broker,voter' })).toBe(
      'Invalid value voter for configuration process.roles: String must be one of: broker, controller',
    );
    expect(await refusal({ 'zookeeper.set.acl': 'yes' })).toBe(
      'Invalid value yes for configuration zookeeper.set.acl: Expected value to be either true or false',
    );
    expect(await refusal({ 'offsets.commit.required.acks': '40000' })).toBe(
      'Invalid value 40000 for configuration offsets.commit.required.acks: Not a number of type SHORT',
    );
    expect(await refusal({ 'inter.broker.protocol.version': '4.1' })).toMatch(/inter.broker.protocol.version/);
  });

  it('keeps a name Kafka does not know, warns as AbstractConfig.logUnused does, and hides its value', async () => {
    const log: string[] = [];
    await start({ 'my.own.setting': 'x' }, log);
    expect(log.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain(
      "The configuration 'my.own.setting' was supplied but isn't a known config.",
    );
    // ConfigHelper.allConfigs includes the originals; KafkaConfig.maybeSensitive hides an unknown type.
    expect((await configsOf())['my.own.setting']).toMatchObject({
      value: null,
      isSensitive: true,
      configType: Type.UNKNOWN,
      configSource: Source.STATIC_BROKER,
    });
  });
});

describe('DescribeConfigs on the broker', () => {
  it("lists DynamicBrokerConfig's synonyms in Kafka's order, from the described name on", async () => {
    await start({ 'log.retention.ms': '1680000000', 'log.retention.hours': '168', 'log.cleaner.threads': '1' });
    const names = ['log.retention.ms', 'log.retention.hours', 'log.roll.hours', 'log.cleaner.threads', 'log.roll.ms'];
    const configs = await configsOf(names, true);
    const synonyms = (name: string) =>
      (configs[name]!.synonyms as Struct[]).map((s) => [s.name, s.source, s.value] as const);
    // As DynamicBrokerReconfigurationTest.testKeyStoreAlter asserts.
    expect(synonyms('log.retention.ms')).toEqual([
      ['log.retention.ms', Source.STATIC_BROKER, '1680000000'],
      ['log.retention.hours', Source.STATIC_BROKER, '168'],
      ['log.retention.hours', Source.DEFAULT, '168'],
    ]);
    expect(synonyms('log.retention.hours')).toEqual([
      ['log.retention.hours', Source.STATIC_BROKER, '168'],
      ['log.retention.hours', Source.DEFAULT, '168'],
    ]);
    expect(synonyms('log.roll.hours')).toEqual([['log.roll.hours', Source.DEFAULT, '168']]);
    expect(synonyms('log.cleaner.threads')).toEqual([
      ['log.cleaner.threads', Source.STATIC_BROKER, '1'],
      ['log.cleaner.threads', Source.DEFAULT, '1'],
    ]);
    // log.roll.ms: no default, not set; its log.roll.hours default is dropped (configSynonyms' dropWhile).
    expect(configs['log.roll.ms']).toMatchObject({ value: null, configSource: Source.DEFAULT, synonyms: [] });
    expect(configs['log.retention.hours']).toMatchObject({ readOnly: true, isDefault: false });
    // Without includeSynonyms the source is the same and the list is empty.
    expect((await configsOf(['log.retention.ms']))['log.retention.ms']).toMatchObject({
      configSource: Source.STATIC_BROKER,
      synonyms: [],
    });
  });

  it('answers the cluster-wide defaults (an empty name) with the dynamic ones: none', async () => {
    await start({});
    expect(await describeBroker('')).toMatchObject({ errorCode: 0, configs: [] });
    expect(Object.keys(await configsOf([]))).toContain('num.io.threads');
  });
});
