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

/** Kafka's ConfigDef type of a topic config, as DescribeConfigs v3+ reports it. */
export type TopicConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'LONG' | 'DOUBLE' | 'LIST';

interface IntegerConfig {
  kind: 'integer';
  min: number;
  max: number;
  /** A value inside [min, max] Kafka's validator still refuses, with its message (gzip's level 0). */
  excluded?: { value: number; problem: string };
  default: string;
}

interface DoubleConfig {
  kind: 'double';
  min: number;
  max: number;
  default: string;
}

interface BooleanConfig {
  kind: 'boolean';
  default: string;
}

interface ChoiceConfig {
  kind: 'choice';
  choices: readonly string[];
  /** Kafka values we know but do not implement yet: refused, saying so. */
  unsupported?: readonly string[];
  default: string;
}

/** A STRING or LIST config whose validator is a pattern (a version, a replica list). */
interface PatternConfig {
  kind: 'pattern';
  type: 'STRING' | 'LIST';
  pattern: RegExp;
  /** Kafka's validator message when the pattern does not match. */
  problem: string;
  default: string;
}

type ConfigDef = IntegerConfig | DoubleConfig | BooleanConfig | ChoiceConfig | PatternConfig;

const integer = (min: number, max: number, value: number | string): IntegerConfig => ({
  kind: 'integer',
  min,
  max,
  default: String(value),
});

const boolean = (value: boolean): BooleanConfig => ({ kind: 'boolean', default: String(value) });

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
const LONG_MAX = String(KAFKA_LONG_MAX);

/**
 * Every topic config of Kafka 3.8, by its Kafka name, with Kafka's type, validator and default
 * (LogConfig.CONFIG). Those the log does not act on (see logConfigOf) are stored and described.
 */
export const TOPIC_CONFIGS: Readonly<Record<string, ConfigDef>> = {
  'cleanup.policy': {
    kind: 'choice',
    choices: ['delete'],
    unsupported: ['compact', 'compact,delete', 'delete,compact'],
    default: 'delete',
  },
  // GzipCompression.LevelValidator: Deflater's levels 1-9, or -1 (its default).
  'compression.gzip.level': {
    ...integer(-1, 9, -1),
    excluded: { value: 0, problem: 'Value must be between 1 and 9, or -1' },
  },
  'compression.lz4.level': integer(1, 17, 9),
  'compression.type': {
    kind: 'choice',
    choices: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'],
    default: 'producer',
  },
  'compression.zstd.level': integer(-131072, 22, 3),
  'delete.retention.ms': integer(0, UNBOUNDED, 86_400_000),
  'file.delete.delay.ms': integer(0, UNBOUNDED, 60_000),
  'flush.messages': integer(1, UNBOUNDED, LONG_MAX),
  'flush.ms': integer(0, UNBOUNDED, LONG_MAX),
  'follower.replication.throttled.replicas': throttledReplicas,
  'index.interval.bytes': integer(0, MAX_INT32, D.indexIntervalBytes),
  'leader.replication.throttled.replicas': throttledReplicas,
  'local.retention.bytes': integer(-2, UNBOUNDED, -2),
  'local.retention.ms': integer(-2, UNBOUNDED, -2),
  'max.compaction.lag.ms': integer(1, UNBOUNDED, LONG_MAX),
  'max.message.bytes': integer(0, MAX_INT32, D.maxMessageBytes),
  'message.downconversion.enable': boolean(true),
  // Deprecated in 3.x and ignored by Kafka from inter.broker.protocol.version 3.0 on, but accepted.
  'message.format.version': {
    kind: 'pattern',
    type: 'STRING',
    // MetadataVersion.fromVersionString: 0.8.0 to 3.8, a patch number ignored, an -IVn suffix allowed.
    pattern: /^(0\.(8\.[0-2]|9\.0|10\.[0-2]|11\.0)|1\.[01]|[23]\.[0-8])(\.\d+)?(-IV\d+)?$/,
    problem: 'is not a valid version',
    default: '3.0-IV1',
  },
  'message.timestamp.after.max.ms': integer(0, UNBOUNDED, LONG_MAX),
  'message.timestamp.before.max.ms': integer(0, UNBOUNDED, LONG_MAX),
  'message.timestamp.difference.max.ms': integer(0, UNBOUNDED, LONG_MAX),
  'message.timestamp.type': {
    kind: 'choice',
    choices: ['CreateTime'],
    unsupported: ['LogAppendTime'],
    default: 'CreateTime',
  },
  'min.cleanable.dirty.ratio': { kind: 'double', min: 0, max: 1, default: '0.5' },
  'min.compaction.lag.ms': integer(0, UNBOUNDED, 0),
  'min.insync.replicas': integer(1, MAX_INT32, 1),
  preallocate: boolean(false),
  'remote.storage.enable': boolean(false),
  'retention.bytes': integer(-1, UNBOUNDED, D.retentionBytes),
  'retention.ms': integer(-1, UNBOUNDED, D.retentionMs),
  'segment.bytes': integer(61, MAX_INT32, D.segmentBytes),
  'segment.index.bytes': integer(24, MAX_INT32, D.segmentIndexBytes),
  'segment.jitter.ms': integer(0, UNBOUNDED, 0),
  'segment.ms': integer(1, UNBOUNDED, D.segmentMs),
  'unclean.leader.election.enable': boolean(false),
};

/** Kafka's ConfigException message: "Invalid value V for configuration K: problem". */
function invalidConfig(key: string, value: unknown, problem: string): TributaryError {
  return new TributaryError(
    `Invalid value ${String(value)} for configuration ${key}: ${problem}`,
    'ERR_INVALID_CONFIG',
  );
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

/** Range.ensureValid's message, or null when `n` is in range. */
function rangeProblem(n: number, def: IntegerConfig | DoubleConfig): string | null {
  if (n < def.min) return `Value must be at least ${def.min}`;
  if (n > def.max) return `Value must be no more than ${def.max}`;
  return null;
}

function normalizeInteger(key: string, def: IntegerConfig, value: string | number): string {
  const text = typeof value === 'number' ? (Number.isInteger(value) ? value.toFixed(0) : String(value)) : value.trim();
  const type = def.max <= MAX_INT32 ? 'INT' : 'LONG';
  if (!/^-?\d+$/.test(text)) throw invalidConfig(key, value, `Not a number of type ${type}`);
  const exact = BigInt(text);
  if (exact > KAFKA_LONG_MAX || exact < -KAFKA_LONG_MAX - 1n || (type === 'INT' && BigInt.asIntN(32, exact) !== exact))
    throw invalidConfig(key, value, `Not a number of type ${type}`);
  const n = asNumber(exact.toString());
  const problem = rangeProblem(n, def) ?? (n === def.excluded?.value ? def.excluded.problem : null);
  if (problem !== null) throw invalidConfig(key, value, problem);
  return exact.toString();
}

function normalizeDouble(key: string, def: DoubleConfig, value: string | number): string {
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) throw invalidConfig(key, value, 'Not a number of type DOUBLE');
  const problem = rangeProblem(n, def);
  if (problem !== null) throw invalidConfig(key, value, problem);
  return String(n);
}

/** ConfigDef.parseType for BOOLEAN: true or false, in any case. */
function normalizeBoolean(key: string, value: string | number): string {
  const text = String(value).trim().toLowerCase();
  if (text !== 'true' && text !== 'false') throw invalidConfig(key, value, 'Expected value to be either true or false');
  return text;
}

function normalizeChoice(key: string, def: ChoiceConfig, value: string | number): string {
  const text = String(value).trim();
  if (def.unsupported?.includes(text)) throw invalidConfig(key, value, 'not supported yet');
  if (!def.choices.includes(text)) throw invalidConfig(key, value, `String must be one of: ${def.choices.join(', ')}`);
  return text;
}

function normalizePattern(key: string, def: PatternConfig, value: string | number): string {
  // A LIST is split on commas and each item trimmed, as ConfigDef.parseType does.
  const text =
    def.type === 'LIST'
      ? String(value)
          .split(',')
          .map((item) => item.trim())
          .join(',')
      : String(value).trim();
  if (!def.pattern.test(text)) throw invalidConfig(key, value, def.problem);
  return text;
}

function normalizeValue(key: string, def: ConfigDef, value: string | number): string {
  switch (def.kind) {
    case 'integer':
      return normalizeInteger(key, def, value);
    case 'double':
      return normalizeDouble(key, def, value);
    case 'boolean':
      return normalizeBoolean(key, value);
    case 'choice':
      return normalizeChoice(key, def, value);
    case 'pattern':
      return normalizePattern(key, def, value);
  }
}

/** The canonical string of a config value; ERR_INVALID_CONFIG for an unknown key or a bad value. */
export function normalizeTopicConfig(key: string, value: string | number): string {
  const def = definition(key);
  if (typeof value !== 'string' && typeof value !== 'number')
    throw invalidConfig(key, value, `expected a string or a number, got ${typeof value}`);
  return normalizeValue(key, def, value);
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

/** Kafka's default of a topic config (ours where the log's differs). */
export function topicConfigDefault(key: string): string {
  return definition(key).default;
}

export function topicConfigType(key: string): TopicConfigType {
  const def = definition(key);
  switch (def.kind) {
    case 'integer':
      return def.max <= MAX_INT32 ? 'INT' : 'LONG';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'choice':
      return key === 'cleanup.policy' ? 'LIST' : 'STRING';
    case 'pattern':
      return def.type;
  }
}
