/**
 * DynamicBrokerConfig: broker configs changed while the broker runs (KIP-226), per broker
 * (the resource named by the node id) or as the cluster-wide default (the empty name), as
 * Kafka's DynamicBrokerConfig keeps them in ZooKeeper at /config/brokers/<id> and
 * /config/brokers/<default>. A cluster's broker does the same (fromZooKeeper, then
 * updateFromZooKeeper as BrokerConfigHandler hears of changes); a single node keeps them in
 * DATA/dynamic-broker-configs.json, replaced atomically on each change and read back at start. A config's value is, most specific first,
 * DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG (the file) and
 * DEFAULT_CONFIG (Kafka's default).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { integer, LONG_MAX, normalizeValue, type ConfigDef } from '../engine/ConfigDef.js';
import { TributaryError } from '../errors.js';
import { writeFileAtomic } from '../io/DurableFile.js';
import { applyBrokerSettings, brokerConfigSynonyms, TOPIC_SYNONYMS, type BrokerConfig } from './BrokerConfig.js';
import { BROKER_CONFIGS } from './BrokerConfigDef.js';
import type { Logger } from './Logger.js';
import { DEFAULT_ENTITY_NAME } from '../zk/ZkPaths.js';

export const DYNAMIC_BROKER_CONFIGS_FILE = 'dynamic-broker-configs.json';

type Props = Record<string, string>;

/** SslConfigs.RECONFIGURABLE_CONFIGS: dynamic only under a listener prefix (listener.name.X.ssl...). */
const DYNAMIC_SECURITY_CONFIGS = [
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.truststore.certificates',
];

/** DynamicListenerConfig.ReconfigurableConfigs. */
const LISTENER_CONFIGS = [
  'advertised.listeners',
  'listeners',
  'listener.security.protocol.map',
  'principal.builder.class',
  'ssl.protocol',
  'ssl.provider',
  'ssl.cipher.suites',
  'ssl.enabled.protocols',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.keymanager.algorithm',
  'ssl.trustmanager.algorithm',
  'ssl.endpoint.identification.algorithm',
  'ssl.secure.random.implementation',
  'ssl.client.auth',
  'ssl.engine.factory.class',
  'sasl.mechanism.inter.broker.protocol',
  'sasl.jaas.config',
  'sasl.enabled.mechanisms',
  'sasl.kerberos.service.name',
  'sasl.kerberos.kinit.cmd',
  'sasl.kerberos.ticket.renew.window.factor',
  'sasl.kerberos.ticket.renew.jitter',
  'sasl.kerberos.min.time.before.relogin',
  'sasl.kerberos.principal.to.local.rules',
  'sasl.login.refresh.window.factor',
  'sasl.login.refresh.window.jitter',
  'sasl.login.refresh.min.period.seconds',
  'sasl.login.refresh.buffer.seconds',
  'max.connections',
  'max.connection.creation.rate',
  'num.network.threads',
];

/** DynamicConfig.Broker's own configs, which KafkaConfig does not define: the replication throttles. */
const QUOTA_CONFIGS: Readonly<Record<string, ConfigDef>> = {
  'leader.replication.throttled.rate': integer('LONG', LONG_MAX, 0),
  'follower.replication.throttled.rate': integer('LONG', LONG_MAX, 0),
  'replica.alter.log.dirs.io.max.bytes.per.second': integer('LONG', LONG_MAX, 0),
};

/** DynamicBrokerConfig.AllDynamicConfigs (Kafka 3.8): the broker configs AlterConfigs may change. */
export const ALL_DYNAMIC_CONFIGS: ReadonlySet<string> = new Set([
  ...DYNAMIC_SECURITY_CONFIGS,
  // LogCleaner.ReconfigurableConfigs
  'log.cleaner.threads',
  'log.cleaner.dedupe.buffer.size',
  'log.cleaner.io.buffer.load.factor',
  'log.cleaner.io.buffer.size',
  'message.max.bytes',
  'log.cleaner.io.max.bytes.per.second',
  'log.cleaner.backoff.ms',
  // DynamicLogConfig.ReconfigurableConfigs: the topic configs' broker synonyms but the message format.
  ...Object.keys(TOPIC_SYNONYMS).filter((name) => name !== 'log.message.format.version'),
  // DynamicThreadPool.ReconfigurableConfigs
  'num.io.threads',
  'num.replica.fetchers',
  'num.recovery.threads.per.data.dir',
  'background.threads',
  'metric.reporters',
  ...LISTENER_CONFIGS,
  // SocketServer.ReconfigurableConfigs
  'max.connections.per.ip',
  'max.connections.per.ip.overrides',
  // DynamicProducerStateManagerConfig
  'producer.id.expiration.ms',
  'transaction.partition.verification.enable',
  // DynamicRemoteLogConfig.ReconfigurableConfigs
  'remote.log.index.file.cache.total.size.bytes',
  'remote.fetch.max.wait.ms',
  'remote.log.manager.copy.max.bytes.per.second',
  'remote.log.manager.fetch.max.bytes.per.second',
]);

/** DynamicBrokerConfig.PerBrokerConfigs: the security and listener configs but the cluster-level ones. */
const CLUSTER_LEVEL_LISTENER_CONFIGS = ['max.connections', 'max.connection.creation.rate', 'num.network.threads'];
const PER_BROKER_CONFIGS = new Set(
  [...DYNAMIC_SECURITY_CONFIGS, ...LISTENER_CONFIGS].filter((n) => !CLUSTER_LEVEL_LISTENER_CONFIGS.includes(n)),
);

/** DynamicBrokerConfig.ListenerConfigRegex: listener.name.{listenerName}.{configName}. */
const LISTENER_CONFIG = /^listener\.name\.[^.]*\.(.*)$/;

const definitionOf = (name: string): ConfigDef | undefined =>
  Object.hasOwn(BROKER_CONFIGS, name) ? BROKER_CONFIGS[name] : QUOTA_CONFIGS[name];

/** A Scala Set as ConfigException messages print it. */
const scalaSet = (names: readonly string[]) => `Set(${names.join(', ')})`;

/**
 * DynamicBrokerConfig.validateConfigs. Kafka throws a ConfigException, which
 * ConfigAdminManager.validateBrokerConfigChange answers as INVALID_REQUEST (KAFKA-13609).
 */
export function validateConfigs(props: Readonly<Props>, perBrokerConfig: boolean): void {
  const names = Object.keys(props);
  const refuse = (invalid: string[], message: string) => {
    if (invalid.length > 0) throw new TributaryError(`${message}: ${scalaSet(invalid)}`, 'ERR_INVALID_ARGUMENT');
  };
  // DynamicConfig.Broker.nonDynamicProps: KafkaConfig's names that are not dynamic; a custom name passes.
  refuse(
    names.filter((n) => Object.hasOwn(BROKER_CONFIGS, n) && !ALL_DYNAMIC_CONFIGS.has(n)),
    'Cannot update these configs dynamically',
  );
  refuse(
    DYNAMIC_SECURITY_CONFIGS.filter((n) => n in props),
    'These security configs can be dynamically updated only per-listener using the listener prefix',
  );
  // validateConfigTypes: DynamicConfig.Broker.validate, a listener config by its base name.
  for (const [name, value] of Object.entries(props)) {
    const base = LISTENER_CONFIG.exec(name)?.[1] ?? name;
    const def = definitionOf(base);
    if (def === undefined) continue;
    try {
      normalizeValue(base, def, value);
    } catch (error) {
      throw new TributaryError((error as Error).message, 'ERR_INVALID_ARGUMENT');
    }
  }
  if (!perBrokerConfig) {
    const listenerBase = (n: string) => LISTENER_CONFIG.exec(n)?.[1];
    refuse(
      names.filter((n) => {
        const base = listenerBase(n);
        return PER_BROKER_CONFIGS.has(n) || (base !== undefined && !CLUSTER_LEVEL_LISTENER_CONFIGS.includes(base));
      }),
      'Cannot update these configs at default cluster level, broker id must be specified',
    );
  }
}

/** DynamicBrokerConfig.overrideProps: a config replaces its synonyms, so the dynamic one is used. */
function overrideProps(props: Props, overrides: Readonly<Props>): void {
  for (const [name, value] of Object.entries(overrides)) {
    for (const synonym of brokerConfigSynonyms(name)) delete props[synonym];
    props[name] = value;
  }
}

interface StoredConfigs {
  version: 1;
  /** By node id, and `<default>` for the cluster-wide defaults (ZooKeeperInternals.DEFAULT_STRING). */
  brokers: Record<string, Props>;
}

function readStored(path: string): StoredConfigs {
  if (!existsSync(path)) return { version: 1, brokers: {} };
  try {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as StoredConfigs;
    if (stored.version === 1 && typeof stored.brokers === 'object' && stored.brokers !== null) return stored;
  } catch {
    // Reported below: writeFileAtomic leaves the old file or the new one, so anything else is damage.
  }
  throw new TributaryError(`${path} is not a dynamic broker config file`, 'ERR_CORRUPT_BROKER_CONFIGS', { path });
}

/**
 * DynamicBrokerConfig.fromPersistentProps: stored configs the rules above refuse are dropped,
 * each with an error logged, and the rest kept.
 */
function fromPersistentProps(props: Readonly<Props>, perBrokerConfig: boolean, entity: string, logger: Logger): Props {
  const kept: Props = {};
  for (const [name, value] of Object.entries(props)) {
    try {
      validateConfigs({ [name]: value }, perBrokerConfig);
      kept[name] = value;
    } catch (error) {
      logger.error('dynamic broker config ignored', { entity, name, error: (error as Error).message });
    }
  }
  return kept;
}

/** Kafka's BrokerReconfigurable: a part of the running broker that takes a changed config. */
export interface BrokerReconfigurable {
  /** Throws if the part cannot take `config`. */
  validateReconfiguration(config: BrokerConfig): void;
  reconfigure(config: BrokerConfig): void;
}

export class DynamicBrokerConfig {
  private readonly reconfigurables: BrokerReconfigurable[] = [];
  /** The config the broker runs with: the static one with the dynamic ones over it. */
  private currentConfig: BrokerConfig;
  private stored: StoredConfigs = { version: 1, brokers: {} };

  private constructor(
    /** The file a single node keeps its dynamic configs in; null in a cluster, where ZooKeeper keeps them. */
    private readonly path: string | null,
    private readonly nodeId: number,
    /** The broker's config as its file and options set it (STATIC_BROKER_CONFIG). */
    readonly staticConfig: BrokerConfig,
    private readonly logger: Logger,
    defaults: Readonly<Props>,
    own: Readonly<Props>,
  ) {
    this.currentConfig = staticConfig;
    this.stored = this.storedWith(fromPersistentProps(defaults, false, DEFAULT_ENTITY_NAME, logger), false);
    this.stored = this.storedWith(fromPersistentProps(own, true, String(nodeId), logger), true);
    this.currentConfig = this.effectiveConfig(this.defaultConfigs, this.brokerConfigs);
  }

  /** A single node's: the configs DATA/dynamic-broker-configs.json stored (none on a first start). */
  static load(dataDir: string, staticConfig: BrokerConfig, logger: Logger): DynamicBrokerConfig {
    const path = join(dataDir, DYNAMIC_BROKER_CONFIGS_FILE);
    const { brokers } = readStored(path);
    const own = brokers[String(staticConfig.nodeId)] ?? {};
    return new DynamicBrokerConfig(
      path,
      staticConfig.nodeId,
      staticConfig,
      logger,
      brokers[DEFAULT_ENTITY_NAME] ?? {},
      own,
    );
  }

  /**
   * A cluster's broker's (DynamicBrokerConfig.initialize with a ZooKeeper client): the defaults of
   * /config/brokers/<default> and its own of /config/brokers/<id>; later changes come through
   * BrokerConfigHandler.
   */
  static fromZooKeeper(
    staticConfig: BrokerConfig,
    configs: { readonly defaults: Readonly<Props>; readonly own: Readonly<Props> },
    logger: Logger,
  ): DynamicBrokerConfig {
    return new DynamicBrokerConfig(null, staticConfig.nodeId, staticConfig, logger, configs.defaults, configs.own);
  }

  get current(): BrokerConfig {
    return this.currentConfig;
  }

  /** DynamicBrokerConfig.currentDynamicBrokerConfigs: this broker's own (DYNAMIC_BROKER_CONFIG). */
  get brokerConfigs(): Readonly<Props> {
    return this.stored.brokers[String(this.nodeId)] ?? {};
  }

  /** DynamicBrokerConfig.currentDynamicDefaultConfigs: the cluster-wide defaults (DYNAMIC_DEFAULT_BROKER_CONFIG). */
  get defaultConfigs(): Readonly<Props> {
    return this.stored.brokers[DEFAULT_ENTITY_NAME] ?? {};
  }

  configsOf(perBrokerConfig: boolean): Readonly<Props> {
    return perBrokerConfig ? this.brokerConfigs : this.defaultConfigs;
  }

  addReconfigurable(reconfigurable: BrokerReconfigurable): void {
    this.reconfigurables.push(reconfigurable);
  }

  /**
   * DynamicBrokerConfig.validate: the rules above, then the whole config with `props` in place
   * must hold, and each reconfigurable take it (processReconfiguration with validateOnly).
   */
  validate(props: Readonly<Props>, perBrokerConfig: boolean): BrokerConfig {
    validateConfigs(props, perBrokerConfig);
    return this.reconfiguration(props, perBrokerConfig);
  }

  /**
   * A single node's AlterConfigs: replaces the per-broker or the default configs with `props`
   * (ZkAdminManager.alterBrokerConfigs), durably, then hands the config the broker now runs
   * with to each reconfigurable. A cluster's go through ZooKeeper (AdminZkClient.changeBrokerConfig).
   */
  update(props: Readonly<Props>, perBrokerConfig: boolean): BrokerConfig {
    const next = this.validate(props, perBrokerConfig);
    const stored = this.storedWith(props, perBrokerConfig);
    if (this.path === null)
      throw new TributaryError(
        "a cluster's dynamic broker configs are changed in ZooKeeper, not in the broker's data directory",
        'ERR_ADMIN_OPERATION',
      );
    writeFileAtomic(this.path, `${JSON.stringify(stored, null, 2)}\n`);
    return this.apply(stored, next);
  }

  /**
   * BrokerConfigHandler in a cluster: DynamicBrokerConfig.updateDefaultConfig / updateBrokerConfig
   * with what ZooKeeper now holds. A stored config the rules refuse is dropped and logged; a set
   * the broker cannot run with is logged and changes nothing, as Kafka logs "could not be applied".
   */
  updateFromZooKeeper(persistentProps: Readonly<Props>, perBrokerConfig: boolean): void {
    const entity = perBrokerConfig ? String(this.nodeId) : DEFAULT_ENTITY_NAME;
    const props = fromPersistentProps(persistentProps, perBrokerConfig, entity, this.logger);
    try {
      this.apply(this.storedWith(props, perBrokerConfig), this.reconfiguration(props, perBrokerConfig));
      this.logger.info('dynamic broker configs applied', { entity, names: Object.keys(props) });
    } catch (error) {
      this.logger.error('dynamic broker configs could not be applied', { entity, error: (error as Error).message });
    }
  }

  /** The stored configs with the per-broker or the default ones replaced by `props`. */
  private storedWith(props: Readonly<Props>, perBrokerConfig: boolean): StoredConfigs {
    const entity = perBrokerConfig ? String(this.nodeId) : DEFAULT_ENTITY_NAME;
    return { ...this.stored, brokers: { ...this.stored.brokers, [entity]: { ...props } } };
  }

  /** The config the broker would run with `props` in place, once each reconfigurable said it can take it. */
  private reconfiguration(props: Readonly<Props>, perBrokerConfig: boolean): BrokerConfig {
    const next = perBrokerConfig
      ? this.effectiveConfig(this.defaultConfigs, props)
      : this.effectiveConfig(props, this.brokerConfigs);
    try {
      for (const reconfigurable of this.reconfigurables) reconfigurable.validateReconfiguration(next);
    } catch (error) {
      // processReconfiguration's ConfigException, with its cause: a value tributary cannot act on
      // (log.cleanup.policy=compact) is refused here as the file's would be at start.
      throw new TributaryError(`Invalid dynamic configuration: ${(error as Error).message}`, 'ERR_INVALID_ARGUMENT');
    }
    return next;
  }

  private apply(stored: StoredConfigs, next: BrokerConfig): BrokerConfig {
    this.stored = stored;
    this.currentConfig = next;
    for (const reconfigurable of this.reconfigurables) reconfigurable.reconfigure(next);
    return next;
  }

  /** DynamicBrokerConfig.updateCurrentConfig: the static settings, the defaults over them, this broker's over those. */
  private effectiveConfig(defaults: Readonly<Props>, own: Readonly<Props>): BrokerConfig {
    const dynamic: Props = {};
    overrideProps(dynamic, defaults);
    overrideProps(dynamic, own);
    const settings = { ...this.staticConfig.settings };
    for (const name of Object.keys(dynamic)) for (const synonym of brokerConfigSynonyms(name)) delete settings[synonym];
    try {
      return applyBrokerSettings({ ...this.staticConfig, settings }, dynamic).config;
    } catch (error) {
      // KafkaConfig's own checks across configs (KafkaConfig.validateValues), as processReconfiguration meets them.
      throw new TributaryError((error as Error).message, 'ERR_INVALID_ARGUMENT');
    }
  }
}
