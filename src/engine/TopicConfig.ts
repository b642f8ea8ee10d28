/**
 * Topic names and topic configs as Kafka spells them (Topic.validate, TopicConfig /
 * LogConfig), and how a topic's configs become the LogConfig of its partitions.
 *
 * Configs are kept as Kafka does, strings by name; a value may be given as a number.
 * Integer configs past 2^53 (Kafka's Long.MAX_VALUE defaults) are read as 2^53 - 1,
 * which means "unbounded" everywhere in src/log.
 */
import { TributaryError } from '../errors.js';
import {
  asNumber,
  boolean,
  configTypeOf,
  double,
  gzipLevel,
  integer,
  invalidConfig,
  LONG_MAX,
  MAX_INT32,
  metadataVersion,
  normalizeValue,
  oneOf,
  UNBOUNDED,
  type ConfigDef,
  type ConfigType,
  type PatternConfig,
} from './ConfigDef.js';
import { DEFAULT_LOG_CONFIG, resolveLogConfig, type Durability, type LogConfig } from '../log/LogConfig.js';

export type { Durability } from '../log/LogConfig.js';

export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** Throws ERR_INVALID_TOPIC unless `name` is a legal Kafka topic name. */
export function validateTopicName(name: string): void {
  const problem =
    typeof name !== 'string' || name.length === 0
      ? 'it is empty'
      : name === '.' || name === '..'
        ? `'${name}' is not allowed`
        : name.length > MAX_TOPIC_NAME_LENGTH
          ? `it is longer than ${MAX_TOPIC_NAME_LENGTH} characters`
          : !LEGAL_TOPIC_NAME.test(name)
            ? 'it may contain only ASCII letters, digits, ".", "_" and "-"'
            : null;
  if (problem !== null)
    throw new TributaryError(`invalid topic name '${String(name)}': ${problem}`, 'ERR_INVALID_TOPIC');
}

/**
 * Kafka's metric names turn '.' into '_', so two topics that differ only there collide;
 * Kafka refuses to create the second one, and so do we.
 */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}

export type CleanupPolicy = 'delete';
export type TopicCompressionType = 'producer' | 'uncompressed' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export type TimestampType = 'CreateTime';

/** Kafka's ConfigDef type of a topic config, as DescribeConfigs v3+ reports it. */
export type TopicConfigType = ConfigType;

const int = (value: number | string, min: number, max = MAX_INT32) => integer('INT', value, min, max);
const long = (value: number | string, min: number) => integer('LONG', value, min, UNBOUNDED);

/** LogConfig's ThrottledReplicaListValidator: '*' or partitionId:brokerId pairs. */
const throttledReplicas: PatternConfig = {
  kind: 'pattern',
  type: 'LIST',
  pattern: /^(\*|\d+:\d+(,\d+:\d+)*)?$/,
  problem:
    "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...",
  default: '',
};

const D = DEFAULT_LOG_CONFIG;

/**
 * Every topic config of Kafka 3.8, by its Kafka name, with Kafka's type, validator and default
 * (LogConfig.CONFIG). Those the log does not act on (see logConfigOf) are stored and described.
 */
export const TOPIC_CONFIGS: Readonly<Record<string, ConfigDef>> = {
  'cleanup.policy': {
    kind: 'choice',
    type: 'LIST',
    choices: ['delete'],
    unsupported: ['compact', 'compact,delete', 'delete,compact'],
    default: 'delete',
  },
  'compression.gzip.level': gzipLevel,
  'compression.lz4.level': int(9, 1, 17),
  'compression.type': oneOf('STRING', 'producer', ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd']),
  'compression.zstd.level': int(3, -131072, 22),
  'delete.retention.ms': long(86_400_000, 0),
  'file.delete.delay.ms': long(60_000, 0),
  'flush.messages': long(LONG_MAX, 1),
  'flush.ms': long(LONG_MAX, 0),
  'follower.replication.throttled.replicas': throttledReplicas,
  'index.interval.bytes': int(D.indexIntervalBytes, 0),
  'leader.replication.throttled.replicas': throttledReplicas,
  'local.retention.bytes': long(-2, -2),
  'local.retention.ms': long(-2, -2),
  'max.compaction.lag.ms': long(LONG_MAX, 1),
  'max.message.bytes': int(D.maxMessageBytes, 0),
  'message.downconversion.enable': boolean(true),
  // Deprecated in 3.x and ignored by Kafka from inter.broker.protocol.version 3.0 on, but accepted.
  'message.format.version': metadataVersion('3.0-IV1'),
  'message.timestamp.after.max.ms': long(LONG_MAX, 0),
  'message.timestamp.before.max.ms': long(LONG_MAX, 0),
  'message.timestamp.difference.max.ms': long(LONG_MAX, 0),
  'message.timestamp.type': {
    kind: 'choice',
    type: 'STRING',
    choices: ['CreateTime'],
    unsupported: ['LogAppendTime'],
    default: 'CreateTime',
  },
  'min.cleanable.dirty.ratio': double(0.5, 0, 1),
  'min.compaction.lag.ms': long(0, 0),
  'min.insync.replicas': int(1, 1),
  preallocate: boolean(false),
  'remote.storage.enable': boolean(false),
  'retention.bytes': long(D.retentionBytes, -1),
  'retention.ms': long(D.retentionMs, -1),
  'segment.bytes': int(D.segmentBytes, 61),
  'segment.index.bytes': int(D.segmentIndexBytes, 24),
  'segment.jitter.ms': long(0, 0),
  'segment.ms': long(D.segmentMs, 1),
  'unclean.leader.election.enable': boolean(false),
};

/** Throws ERR_INVALID_CONFIG unless `key` is a topic config we know. */
export function checkTopicConfigName(key: string): void {
  definition(key);
}

function definition(key: string): ConfigDef {
  const def = Object.hasOwn(TOPIC_CONFIGS, key) ? TOPIC_CONFIGS[key] : undefined;
  if (def === undefined) throw new TributaryError(`unknown topic config ${key}`, 'ERR_INVALID_CONFIG');
  return def;
}

/** The canonical string of a config value; ERR_INVALID_CONFIG for an unknown key or a bad value. */
export function normalizeTopicConfig(key: string, value: string | number): string {
  return normalizeValue(key, definition(key), value);
}

/** Checks and normalizes a set of configs. */
export function normalizeTopicConfigs(config: Readonly<Record<string, string | number>> = {}): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) result[key] = normalizeTopicConfig(key, value);
  return result;
}

export interface ResolvedTopicConfig {
  partitions: number;
  cleanupPolicy: CleanupPolicy;
  /** What producers should write: 'producer' keeps what the producer chose. */
  compressionType: TopicCompressionType;
  messageTimestampType: TimestampType;
  maxMessageBytes: number;
  /** Every topic config with its effective value, by Kafka name. */
  values: Readonly<Record<string, string>>;
  /** The config each partition log runs with. */
  log: LogConfig;
}

/**
 * flush.messages=1 acknowledges after fdatasync ('always'); otherwise a bounded flush.ms
 * flushes on that interval (0: 'always'); the defaults leave it to the page cache, as
 * Kafka does. Kafka's "every N messages" for N > 1 has no counterpart, so it is refused.
 */
function durabilityOf(flushMessages: number, flushMs: number): Pick<LogConfig, 'durability' | 'flushIntervalMs'> {
  if (flushMessages !== 1 && flushMessages !== UNBOUNDED) {
    throw invalidConfig(
      'flush.messages',
      flushMessages,
      `${flushMessages} is not supported: use 1 (flush every append) or leave the default`,
    );
  }
  const durability: Durability =
    flushMessages === 1 || flushMs === 0 ? 'always' : flushMs <= MAX_INT32 ? 'interval' : 'never';
  return { durability, flushIntervalMs: durability === 'interval' ? flushMs : D.flushIntervalMs };
}

function logConfigOf(values: Readonly<Record<string, string>>): LogConfig {
  const n = (key: string) => asNumber(values[key]);
  return resolveLogConfig({
    segmentBytes: n('segment.bytes'),
    segmentMs: n('segment.ms'),
    segmentIndexBytes: n('segment.index.bytes'),
    indexIntervalBytes: n('index.interval.bytes'),
    retentionMs: n('retention.ms'),
    retentionBytes: n('retention.bytes'),
    maxMessageBytes: n('max.message.bytes'),
    messageTimestampBeforeMaxMs: n('message.timestamp.before.max.ms'),
    messageTimestampAfterMaxMs: n('message.timestamp.after.max.ms'),
    ...durabilityOf(n('flush.messages'), n('flush.ms')),
  });
}

/** Kafka's defaults, under `defaults` (the engine's), under a topic's `overrides` (all normalized). */
export function resolveTopicConfig(
  partitions: number,
  overrides: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>> = {},
): ResolvedTopicConfig {
  const values: Record<string, string> = {};
  for (const [key, def] of Object.entries(TOPIC_CONFIGS))
    values[key] = overrides[key] ?? defaults[key] ?? defaultOf(def);
  const log = logConfigOf(values);
  return {
    partitions,
    cleanupPolicy: values['cleanup.policy'] as CleanupPolicy,
    compressionType: values['compression.type'] as TopicCompressionType,
    messageTimestampType: values['message.timestamp.type'] as TimestampType,
    maxMessageBytes: log.maxMessageBytes,
    values: Object.freeze(values),
    log,
  };
}

/** Kafka's default of a topic config (ours where the log's differs). */
export function topicConfigDefault(key: string): string {
  return defaultOf(definition(key));
}

/** LogConfig gives every topic config a default: none is null. */
function defaultOf(def: ConfigDef): string {
  return def.default ?? '';
}

export function topicConfigType(key: string): TopicConfigType {
  return configTypeOf(definition(key));
}
