/**
 * Topic names and topic configs as Kafka spells them (Topic.validate, TopicConfig /
 * LogConfig), and how a topic's configs become the LogConfig of its partitions.
 *
 * Configs are kept as Kafka does, strings by name; a value may be given as a number.
 * Integer configs past 2^53 (Kafka's Long.MAX_VALUE defaults) are read as 2^53 - 1,
 * which means "unbounded" everywhere in src/log.
 */
import { TributaryError } from '../errors.js';
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

const UNBOUNDED = Number.MAX_SAFE_INTEGER;
const MAX_INT32 = 2 ** 31 - 1;
const KAFKA_LONG_MAX = 2n ** 63n - 1n;

/** A stored integer config as a number, Long.MAX_VALUE and the like read as unbounded. */
function asNumber(text: string | undefined): number {
  return Math.min(Number(text), UNBOUNDED);
}

interface IntegerConfig {
  kind: 'integer';
  min: number;
  max: number;
  default: string;
}

interface ChoiceConfig {
  kind: 'choice';
  choices: readonly string[];
  /** Kafka values we know but do not implement yet: refused, saying so. */
  unsupported?: readonly string[];
  default: string;
}

type ConfigDef = IntegerConfig | ChoiceConfig;

const integer = (min: number, max: number, value: number | string): IntegerConfig => ({
  kind: 'integer',
  min,
  max,
  default: String(value),
});

const D = DEFAULT_LOG_CONFIG;

/** Every topic config we accept, by its Kafka name, with Kafka's default. */
export const TOPIC_CONFIGS: Readonly<Record<string, ConfigDef>> = {
  'cleanup.policy': {
    kind: 'choice',
    choices: ['delete'],
    unsupported: ['compact', 'compact,delete', 'delete,compact'],
    default: 'delete',
  },
  'compression.type': {
    kind: 'choice',
    choices: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'],
    default: 'producer',
  },
  'flush.messages': integer(1, UNBOUNDED, String(KAFKA_LONG_MAX)),
  'flush.ms': integer(0, UNBOUNDED, String(KAFKA_LONG_MAX)),
  'index.interval.bytes': integer(0, MAX_INT32, D.indexIntervalBytes),
  'max.message.bytes': integer(0, MAX_INT32, D.maxMessageBytes),
  'message.timestamp.after.max.ms': integer(0, UNBOUNDED, String(KAFKA_LONG_MAX)),
  'message.timestamp.before.max.ms': integer(0, UNBOUNDED, String(KAFKA_LONG_MAX)),
  'message.timestamp.type': {
    kind: 'choice',
    choices: ['CreateTime'],
    unsupported: ['LogAppendTime'],
    default: 'CreateTime',
  },
  'retention.bytes': integer(-1, UNBOUNDED, D.retentionBytes),
  'retention.ms': integer(-1, UNBOUNDED, D.retentionMs),
  'segment.bytes': integer(61, MAX_INT32, D.segmentBytes),
  'segment.index.bytes': integer(24, MAX_INT32, D.segmentIndexBytes),
  'segment.ms': integer(1, UNBOUNDED, D.segmentMs),
};

function invalidConfig(key: string, problem: string): TributaryError {
  return new TributaryError(`invalid value for topic config ${key}: ${problem}`, 'ERR_INVALID_CONFIG');
}

/** Throws ERR_INVALID_CONFIG unless `key` is a topic config we know. */
export function checkTopicConfigName(key: string): void {
  definition(key);
}

function definition(key: string): ConfigDef {
  const def = Object.hasOwn(TOPIC_CONFIGS, key) ? TOPIC_CONFIGS[key] : undefined;
  if (def === undefined) throw new TributaryError(`unknown topic config ${key}`, 'ERR_INVALID_CONFIG');
  return def;
}

function normalizeInteger(key: string, def: IntegerConfig, value: string | number): string {
  const text = typeof value === 'number' ? (Number.isInteger(value) ? value.toFixed(0) : String(value)) : value.trim();
  if (!/^-?\d+$/.test(text)) throw invalidConfig(key, `'${String(value)}' is not an integer`);
  const exact = BigInt(text);
  const n = asNumber(exact.toString());
  if (exact > KAFKA_LONG_MAX || n < def.min || n > def.max)
    throw invalidConfig(key, `${text} is outside [${def.min}, ${def.max}]`);
  return exact.toString();
}

function normalizeChoice(key: string, def: ChoiceConfig, value: string | number): string {
  const text = String(value).trim();
  if (def.unsupported?.includes(text)) throw invalidConfig(key, `'${text}' is not supported yet`);
  if (!def.choices.includes(text)) throw invalidConfig(key, `'${text}' is not one of ${def.choices.join(', ')}`);
  return text;
}

/** The canonical string of a config value; ERR_INVALID_CONFIG for an unknown key or a bad value. */
export function normalizeTopicConfig(key: string, value: string | number): string {
  const def = definition(key);
  if (typeof value !== 'string' && typeof value !== 'number')
    throw invalidConfig(key, `expected a string or a number, got ${typeof value}`);
  return def.kind === 'integer' ? normalizeInteger(key, def, value) : normalizeChoice(key, def, value);
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
  for (const [key, def] of Object.entries(TOPIC_CONFIGS)) values[key] = overrides[key] ?? defaults[key] ?? def.default;
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

/** Kafka's ConfigDef type of a topic config, as DescribeConfigs v3+ reports it. */
export type TopicConfigType = 'LIST' | 'STRING' | 'INT' | 'LONG';

export function topicConfigType(key: string): TopicConfigType {
  const def = definition(key);
  if (def.kind === 'choice') return key === 'cleanup.policy' ? 'LIST' : 'STRING';
  return def.max <= MAX_INT32 ? 'INT' : 'LONG';
}
