/**
 * BrokerConfig: the broker's settings under Kafka's server.properties names. Topic
 * defaults (`log.retention.ms`, `message.max.bytes`, ...) become the engine's defaults
 * under their topic-config names, as Kafka's broker-level synonyms do.
 */
import { readFileSync } from 'node:fs';
import { configTypeOf, normalizeValue, type ConfigType } from '../engine/ConfigDef.js';
import { DEFAULT_MAX_PARTITIONS, defaultMaxOpenFiles } from '../engine/EngineOptions.js';
import type { TransactionCoordinatorConfig } from '../transaction/TransactionCoordinator.js';
import { TributaryError } from '../errors.js';
import { BROKER_CONFIGS } from './BrokerConfigDef.js';
import type { ClusterSettings } from './ClusterSettings.js';

export interface BrokerConfig {
  nodeId: number;
  /** Where the listener binds. */
  host: string;
  port: number;
  /** The host clients are told to connect to (Metadata, DescribeCluster). */
  advertisedHost: string;
  autoCreateTopics: boolean;
  numPartitions: number;
  /** Most partitions the broker holds (max.broker.partitions, KIP-578); creations past it are refused. */
  maxBrokerPartitions: number;
  /** Most descriptors the partitions' active segments hold at once (log.max.open.files); default half of `ulimit -n`. */
  maxOpenFiles: number;
  /** producer.id.expiration.ms and producer.id.expiration.check.interval.ms: when idle idempotent producers are forgotten. */
  producerIdExpirationMs: number;
  producerIdExpirationCheckIntervalMs: number;
  /** Largest request frame accepted; checked from the size prefix, before allocating. */
  socketRequestMaxBytes: number;
  /**
   * A connection that completes no request for this long, with none in flight, is closed:
   * one trickling a partial frame (slowloris) is idle too.
   */
  connectionsMaxIdleMs: number;
  /** Connections the broker holds at once; those over it are closed when accepted. */
  maxConnections: number;
  /** Connections held at once from one address, unless overridden for it. */
  maxConnectionsPerIp: number;
  /** Host name or address → its own per-IP limit (`max.connections.per.ip.overrides`). */
  maxConnectionsPerIpOverrides: Record<string, number>;
  /** Bytes of requests being read, queued or handled, all connections together; Infinity for no bound. */
  queuedMaxRequestBytes: number;
  /** Engine defaults under topic configs, by topic-config name. */
  topicDefaults: Record<string, string>;
  retentionCheckIntervalMs: number;
  /** replica.high.watermark.checkpoint.interval.ms: how often the high watermarks go to replication-offset-checkpoint. */
  highWatermarkCheckpointIntervalMs: number;
  /** The group coordinator's settings (offsets.topic.num.partitions, group.*.session.timeout.ms, ...). */
  groups: GroupSettings;
  /**
   * Every config the file set, by name, as Kafka parses it (KafkaConfig's originals): those
   * the broker acts on and those it only stores and describes. Names Kafka does not know are
   * kept as given, as Kafka keeps them.
   */
  settings: Readonly<Record<string, string>>;
  /** The transaction coordinator's settings (transaction.max.timeout.ms, transaction.state.log.num.partitions, ...). */
  transactions: Partial<TransactionCoordinatorConfig>;
  /** A ZooKeeper cluster's settings when zookeeper.connect is set (`serve --zookeeper`); null for a single node. */
  cluster: ClusterSettings | null;
}

export interface GroupSettings {
  offsetsTopicPartitions?: number;
  offsetCommitTimeoutMs?: number;
  groupMinSessionTimeoutMs?: number;
  groupMaxSessionTimeoutMs?: number;
  groupInitialRebalanceDelayMs?: number;
  groupMaxSize?: number;
}

/** Kafka broker config → the topic config it is the default of (LogConfig.TopicConfigSynonyms, Kafka 3.8). */
export const TOPIC_SYNONYMS: Readonly<Record<string, string>> = {
  'log.cleanup.policy': 'cleanup.policy',
  'compression.gzip.level': 'compression.gzip.level',
  'compression.lz4.level': 'compression.lz4.level',
  'compression.type': 'compression.type',
  'compression.zstd.level': 'compression.zstd.level',
  'log.cleaner.delete.retention.ms': 'delete.retention.ms',
  'log.segment.delete.delay.ms': 'file.delete.delay.ms',
  'log.local.retention.bytes': 'local.retention.bytes',
  'log.local.retention.ms': 'local.retention.ms',
  'log.cleaner.max.compaction.lag.ms': 'max.compaction.lag.ms',
  'log.message.downconversion.enable': 'message.downconversion.enable',
  'log.message.format.version': 'message.format.version',
  'log.message.timestamp.difference.max.ms': 'message.timestamp.difference.max.ms',
  'log.cleaner.min.cleanable.ratio': 'min.cleanable.dirty.ratio',
  'log.cleaner.min.compaction.lag.ms': 'min.compaction.lag.ms',
  'min.insync.replicas': 'min.insync.replicas',
  'log.preallocate': 'preallocate',
  'log.roll.jitter.ms': 'segment.jitter.ms',
  'unclean.leader.election.enable': 'unclean.leader.election.enable',
  'log.flush.interval.messages': 'flush.messages',
  'log.flush.interval.ms': 'flush.ms',
  'log.index.interval.bytes': 'index.interval.bytes',
  'message.max.bytes': 'max.message.bytes',
  'log.message.timestamp.after.max.ms': 'message.timestamp.after.max.ms',
  'log.message.timestamp.before.max.ms': 'message.timestamp.before.max.ms',
  'log.message.timestamp.type': 'message.timestamp.type',
  'log.retention.bytes': 'retention.bytes',
  'log.retention.ms': 'retention.ms',
  'log.segment.bytes': 'segment.bytes',
  'log.index.size.max.bytes': 'segment.index.bytes',
  'log.roll.ms': 'segment.ms',
};

/** Kafka's `log.retention.{minutes,hours}` and `log.roll.hours`, in milliseconds. */
const SCALED_SYNONYMS: Readonly<Record<string, { key: string; ms: number }>> = {
  'log.retention.minutes': { key: 'retention.ms', ms: 60_000 },
  'log.retention.hours': { key: 'retention.ms', ms: 3_600_000 },
  'log.roll.hours': { key: 'segment.ms', ms: 3_600_000 },
};

const INT32_MAX = 2 ** 31 - 1;

/**
 * Kafka's default is -1 (no bound), but a JVM broker is bounded anyway by its heap (-Xmx1G in
 * kafka-server-start.sh): a flood of large frames ends in an OutOfMemoryError. A Node Buffer
 * lives outside V8's heap limit, so nothing else bounds it short of the kernel's OOM killer.
 * 256 MiB holds two and a half requests of the largest default size (socket.request.max.bytes)
 * and is a quarter of that default JVM heap; -1 restores Kafka's behaviour.
 */
const DEFAULT_QUEUED_MAX_REQUEST_BYTES = 256 * 1024 * 1024;

export const DEFAULT_BROKER_CONFIG: Readonly<BrokerConfig> = Object.freeze({
  nodeId: 0,
  host: '127.0.0.1',
  port: 9092,
  advertisedHost: '127.0.0.1',
  autoCreateTopics: true,
  numPartitions: 1,
  maxBrokerPartitions: DEFAULT_MAX_PARTITIONS,
  maxOpenFiles: defaultMaxOpenFiles(),
  producerIdExpirationMs: 86_400_000,
  producerIdExpirationCheckIntervalMs: 600_000,
  socketRequestMaxBytes: 104_857_600,
  connectionsMaxIdleMs: 600_000,
  maxConnections: INT32_MAX,
  maxConnectionsPerIp: INT32_MAX,
  maxConnectionsPerIpOverrides: {},
  queuedMaxRequestBytes: DEFAULT_QUEUED_MAX_REQUEST_BYTES,
  topicDefaults: {},
  retentionCheckIntervalMs: 300_000,
  highWatermarkCheckpointIntervalMs: 5000,
  groups: {},
  settings: {},
  transactions: {},
  cluster: null,
});

function invalid(key: string, value: string, expected: string): TributaryError {
  return new TributaryError(`broker config ${key}=${value}: expected ${expected}`, 'ERR_INVALID_CONFIG');
}

function integerIn(key: string, value: string, min: number, max: number): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max)
    throw invalid(key, value, `an integer in [${min}, ${max}]`);
  return n;
}

function booleanOf(key: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v !== 'true' && v !== 'false') throw invalid(key, value, 'true or false');
  return v === 'true';
}

type Setter = (config: BrokerConfig, key: string, value: string) => void;

/** Kafka's `host:count,host:count` (Csv.parseCsvMap); the last colon splits, so an IPv6 address works too. */
function hostCounts(key: string, value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of value.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const at = entry.lastIndexOf(':');
    const host = entry.slice(0, at).trim();
    if (at <= 0 || !/^[A-Za-z0-9.:_-]+$/.test(host)) throw invalid(key, value, 'a list of host:count');
    out[host] = integerIn(key, entry.slice(at + 1), 0, INT32_MAX);
  }
  return out;
}

/** -1 (or any value <= 0) is Kafka's "no bound". */
function boundOf(key: string, value: string): number {
  const n = integerIn(key, value, -(2 ** 53 - 1), 2 ** 53 - 1);
  return n <= 0 ? Infinity : n;
}

const BROKER_SETTINGS: Readonly<Record<string, Setter>> = {
  // Any INT, as Kafka's ConfigDef: a cluster checks the range (ClusterSettings), a single node wants >= 0 (validate).
  'node.id': (c, k, v) => (c.nodeId = integerIn(k, v, -(2 ** 31), INT32_MAX)),
  'broker.id': (c, k, v) => (c.nodeId = integerIn(k, v, -(2 ** 31), INT32_MAX)),
  'auto.create.topics.enable': (c, k, v) => (c.autoCreateTopics = booleanOf(k, v)),
  'num.partitions': (c, k, v) => (c.numPartitions = integerIn(k, v, 1, 1_000_000)),
  'max.broker.partitions': (c, k, v) => (c.maxBrokerPartitions = integerIn(k, v, 1, INT32_MAX)),
  'log.max.open.files': (c, k, v) => (c.maxOpenFiles = integerIn(k, v, 1, Number.MAX_SAFE_INTEGER)),
  // Kafka's ProducerStateManagerConfig / TransactionLogConfigs, applied by every partition's producer state.
  'producer.id.expiration.ms': (c, k, v) => (c.producerIdExpirationMs = integerIn(k, v, 1, INT32_MAX)),
  'producer.id.expiration.check.interval.ms': (c, k, v) =>
    (c.producerIdExpirationCheckIntervalMs = integerIn(k, v, 1, INT32_MAX)),
  'socket.request.max.bytes': (c, k, v) => (c.socketRequestMaxBytes = integerIn(k, v, 1, INT32_MAX)),
  'connections.max.idle.ms': (c, k, v) => (c.connectionsMaxIdleMs = integerIn(k, v, 1, INT32_MAX)),
  'max.connections': (c, k, v) => (c.maxConnections = integerIn(k, v, 0, INT32_MAX)),
  'max.connections.per.ip': (c, k, v) => (c.maxConnectionsPerIp = integerIn(k, v, 0, INT32_MAX)),
  'max.connections.per.ip.overrides': (c, k, v) => (c.maxConnectionsPerIpOverrides = hostCounts(k, v)),
  'queued.max.request.bytes': (c, k, v) => (c.queuedMaxRequestBytes = boundOf(k, v)),
  'log.retention.check.interval.ms': (c, k, v) => (c.retentionCheckIntervalMs = integerIn(k, v, 0, INT32_MAX)),
  'replica.high.watermark.checkpoint.interval.ms': (c, k, v) =>
    (c.highWatermarkCheckpointIntervalMs = integerIn(k, v, 1, INT32_MAX)),
  'offsets.topic.num.partitions': (c, k, v) => (c.groups.offsetsTopicPartitions = integerIn(k, v, 1, 1000)),
  'offsets.commit.timeout.ms': (c, k, v) => (c.groups.offsetCommitTimeoutMs = integerIn(k, v, 1, INT32_MAX)),
  'group.min.session.timeout.ms': (c, k, v) => (c.groups.groupMinSessionTimeoutMs = integerIn(k, v, 0, INT32_MAX)),
  'group.max.session.timeout.ms': (c, k, v) => (c.groups.groupMaxSessionTimeoutMs = integerIn(k, v, 0, INT32_MAX)),
  'group.initial.rebalance.delay.ms': (c, k, v) =>
    (c.groups.groupInitialRebalanceDelayMs = integerIn(k, v, 0, INT32_MAX)),
  'group.max.size': (c, k, v) => (c.groups.groupMaxSize = integerIn(k, v, 1, INT32_MAX)),
  // A single node holds one copy: validate refuses any other replication factor without zookeeper.connect.
  'default.replication.factor': (_c, k, v) => void integerIn(k, v, 1, INT32_MAX),
  // Kafka's SHORT range; validate refuses more than one copy of the internal topics without zookeeper.connect.
  'offsets.topic.replication.factor': (_c, k, v) => void integerIn(k, v, 1, 32767),
  // Kafka's TransactionLogConfig and TransactionStateManagerConfig, with their ranges.
  'transaction.state.log.num.partitions': (c, k, v) =>
    (c.transactions.stateLogNumPartitions = integerIn(k, v, 1, 1000)),
  'transaction.state.log.replication.factor': (_c, k, v) => void integerIn(k, v, 1, 32767),
  'transaction.max.timeout.ms': (c, k, v) => (c.transactions.maxTimeoutMs = integerIn(k, v, 1, INT32_MAX)),
  'transactional.id.expiration.ms': (c, k, v) =>
    (c.transactions.transactionalIdExpirationMs = integerIn(k, v, 1, INT32_MAX)),
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': (c, k, v) =>
    (c.transactions.abortTimedOutTransactionsIntervalMs = integerIn(k, v, 1, INT32_MAX)),
  'transaction.remove.expired.transaction.cleanup.interval.ms': (c, k, v) =>
    (c.transactions.removeExpiredTransactionalIdsIntervalMs = integerIn(k, v, 1, INT32_MAX)),
};

/**
 * Applies Kafka-named settings over `base`. Each known name is checked by Kafka's ConfigDef
 * (type and validator, Kafka's message), then acted on if the broker acts on it; unknown names
 * are returned, not fatal: Kafka keeps them and warns (AbstractConfig.logUnused).
 */
export function applyBrokerSettings(
  base: BrokerConfig,
  settings: Readonly<Record<string, string>>,
): { config: BrokerConfig; unknown: string[] } {
  const config: BrokerConfig = {
    ...base,
    topicDefaults: { ...base.topicDefaults },
    groups: { ...base.groups },
    transactions: { ...base.transactions },
    maxConnectionsPerIpOverrides: { ...base.maxConnectionsPerIpOverrides },
  };
  const unknown: string[] = [];
  const stored: Record<string, string> = { ...base.settings };
  for (const [key, value] of Object.entries(settings)) {
    const def = Object.hasOwn(BROKER_CONFIGS, key) ? BROKER_CONFIGS[key] : undefined;
    stored[key] = def === undefined ? value : normalizeValue(key, def, value);
    const scaled = SCALED_SYNONYMS[key];
    if (BROKER_SETTINGS[key] !== undefined) BROKER_SETTINGS[key](config, key, value);
    else if (TOPIC_SYNONYMS[key] !== undefined) config.topicDefaults[TOPIC_SYNONYMS[key]] = value.trim();
    else if (scaled !== undefined)
      config.topicDefaults[scaled.key] = String(integerIn(key, value, 0, 2 ** 53 / scaled.ms) * scaled.ms);
    else if (def === undefined) unknown.push(key);
  }
  config.settings = stored;
  validate(config, settings);
  return { config, unknown };
}

/** The checks across settings of KafkaConfig.validateValues. */
function validate(config: BrokerConfig, settings: Readonly<Record<string, string>>): void {
  validateIds(settings);
  // config.settings: the file's with these over them, so a dynamic update of a cluster's broker is a cluster's too.
  if (config.settings['zookeeper.connect'] === undefined) validateSingleNode(config, settings);
  if (config.queuedMaxRequestBytes < config.socketRequestMaxBytes) {
    // Our bounded default follows a raised socket.request.max.bytes; a value set explicitly must fit one request.
    if (settings['queued.max.request.bytes'] === undefined) config.queuedMaxRequestBytes = config.socketRequestMaxBytes;
    else
      throw new TributaryError(
        `broker config queued.max.request.bytes=${config.queuedMaxRequestBytes} must be larger or equal to socket.request.max.bytes=${config.socketRequestMaxBytes} (or -1 for no bound)`,
        'ERR_INVALID_CONFIG',
      );
  }
  if (config.maxConnectionsPerIp === 0 && Object.keys(config.maxConnectionsPerIpOverrides).length === 0)
    throw new TributaryError(
      'broker config max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides is set',
      'ERR_INVALID_CONFIG',
    );
}

/** KafkaConfig.validateValues: node.id and broker.id name one id (populateSynonyms copies whichever is set). */
function validateIds(settings: Readonly<Record<string, string>>): void {
  const brokerId = settings['broker.id'];
  const nodeId = settings['node.id'];
  if (brokerId !== undefined && nodeId !== undefined && Number(brokerId) !== Number(nodeId))
    throw new TributaryError('You must set `node.id` to the same value as `broker.id`.', 'ERR_INVALID_CONFIG');
}

/** What only a cluster can take: a generated id (-1) and more than one copy of a partition. */
function validateSingleNode(config: BrokerConfig, settings: Readonly<Record<string, string>>): void {
  const idKey = settings['broker.id'] !== undefined ? 'broker.id' : 'node.id';
  if (config.nodeId < 0) throw invalid(idKey, String(config.nodeId), `an integer in [0, ${INT32_MAX}]`);
  // One node holds one copy of every partition, the internal topics' included.
  for (const key of [
    'default.replication.factor',
    'offsets.topic.replication.factor',
    'transaction.state.log.replication.factor',
  ]) {
    const replicationFactor = settings[key];
    if (replicationFactor !== undefined) integerIn(key, replicationFactor, 1, 1);
  }
}

/** A Java properties file as `key=value` lines (also `key: value`); `#` and `!` start comments. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    if (at <= 0) throw new TributaryError(`config line '${line}' is not key=value`, 'ERR_INVALID_CONFIG');
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

export function readPropertiesFile(path: string): Record<string, string> {
  return parseProperties(readFileSync(path, 'utf8'));
}

/** The broker config a topic config takes its default from (`retention.ms` → `log.retention.ms`). */
export function brokerSynonymOf(topicKey: string): string | undefined {
  return Object.keys(TOPIC_SYNONYMS).find((k) => TOPIC_SYNONYMS[k] === topicKey);
}

/** A single node holds one copy of each partition; a cluster's factors are Kafka's (undefined: its default). */
const singleNodeCopy = (c: BrokerConfig) => (c.cluster === null ? 1 : undefined);

/**
 * The values the broker runs with where they are not Kafka's default: set by a command-line
 * option (node id), chosen by tributary (a bound Kafka leaves open), or fixed (one copy of
 * each partition on a single node); undefined where Kafka's default holds.
 */
const RUNNING_VALUES: Readonly<Record<string, (c: BrokerConfig) => string | number | boolean | undefined>> = {
  'node.id': (c) => c.nodeId,
  'broker.id': (c) => c.nodeId,
  'max.broker.partitions': (c) => c.maxBrokerPartitions,
  'log.max.open.files': (c) => c.maxOpenFiles,
  'queued.max.request.bytes': (c) => (Number.isFinite(c.queuedMaxRequestBytes) ? c.queuedMaxRequestBytes : -1),
  'default.replication.factor': singleNodeCopy,
  'offsets.topic.replication.factor': singleNodeCopy,
  'transaction.state.log.replication.factor': singleNodeCopy,
};

/** A broker config as DescribeConfigs shows it; `type` undefined for a name Kafka does not know. */
export interface BrokerConfigEntry {
  name: string;
  /** null for a password, a name Kafka does not know, or a config with no value (Kafka's null default). */
  value: string | null;
  /** Set in the file (STATIC_BROKER_CONFIG) or Kafka's default (DEFAULT_CONFIG). */
  source: 'file' | 'default';
  type: ConfigType | undefined;
  sensitive: boolean;
}

/**
 * Every broker config, as KafkaConfig's allConfigs: Kafka's non-internal configs with their
 * values, and whatever else the file set (internal configs, names Kafka does not know).
 * KafkaConfig.maybeSensitive: a PASSWORD, or a name of unknown type, has its value hidden.
 */
export function brokerConfigEntries(config: BrokerConfig): BrokerConfigEntry[] {
  const names = Object.keys(BROKER_CONFIGS).filter((name) => BROKER_CONFIGS[name]?.internal !== true);
  for (const name of Object.keys(config.settings)) if (!names.includes(name)) names.push(name);
  return names.map((name) => {
    const def = Object.hasOwn(BROKER_CONFIGS, name) ? BROKER_CONFIGS[name] : undefined;
    const type = def === undefined ? undefined : configTypeOf(def);
    const sensitive = type === undefined || type === 'PASSWORD';
    const value = brokerConfigValue(config, name);
    return {
      name,
      value: sensitive ? null : value,
      source: name in config.settings ? 'file' : 'default',
      type,
      sensitive,
    };
  });
}

/** Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the names one setting goes by, in Kafka's order of precedence. */
export function brokerConfigSynonyms(name: string): string[] {
  const groups = [
    ['log.roll.ms', 'log.roll.hours'],
    ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
    ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  ];
  // log.flush.interval.ms alone: log.flush.scheduler.interval.ms is its default, not a synonym of its own.
  if (name === 'log.flush.interval.ms') return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
  return groups.find((group) => group.includes(name)) ?? [name];
}

/**
 * A broker config's value as the broker runs with it, by Kafka name: as the file set it, else
 * its default. Configs read where they are used (a coordinator's `transaction.*`) read it here.
 */
export function brokerConfigValue(config: BrokerConfig, name: string): string | null {
  return config.settings[name] ?? brokerDefaultValue(config, name);
}

/** What a broker config is when the file does not set it: the running value, else Kafka's default (null for none). */
export function brokerDefaultValue(config: BrokerConfig, name: string): string | null {
  const running = RUNNING_VALUES[name]?.(config);
  if (running !== undefined) return String(running);
  return (Object.hasOwn(BROKER_CONFIGS, name) ? BROKER_CONFIGS[name]?.default : undefined) ?? null;
}
