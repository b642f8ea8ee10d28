/**
 * Per-log settings, with Kafka's defaults and bounds (LogConfig / TopicConfig).
 */
import { TributaryError } from '../errors.js';

export type Durability = 'always' | 'interval' | 'never';

export interface LogConfig {
  /** segment.bytes: roll when the active segment would grow past this. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first batch is this old. */
  segmentMs: number;
  /** segment.index.bytes: capacity of each offset and time index. */
  segmentIndexBytes: number;
  /** index.interval.bytes: bytes appended between two index entries. */
  indexIntervalBytes: number;
  /** retention.ms: delete segments whose newest timestamp is older; -1 keeps forever. */
  retentionMs: number;
  /** retention.bytes: delete the oldest segments while the log is larger; -1 for no limit. */
  retentionBytes: number;
  /** max.message.bytes: the largest batch accepted. */
  maxMessageBytes: number;
  /** When an append counts as done: after fdatasync, or on an interval, or never. */
  durability: Durability;
  /** flush.ms for durability 'interval'. */
  flushIntervalMs: number;
  /** message.timestamp.before.max.ms: how far in the past a CreateTime record may be. */
  messageTimestampBeforeMaxMs: number;
  /** message.timestamp.after.max.ms: how far in the future a CreateTime record may be. */
  messageTimestampAfterMaxMs: number;
  /**
   * producer.id.expiration.ms (a broker config in Kafka): a producer with no ongoing
   * transaction whose last write is this old is forgotten (ProducerStateManager.removeExpiredProducers).
   */
  producerIdExpirationMs: number;
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  maxMessageBytes: 1048588,
  durability: 'never',
  flushIntervalMs: 1000,
  // Kafka 3.x defaults (Long.MAX_VALUE): no bound. Kafka 4.0 bounds "after" to an hour.
  messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
  producerIdExpirationMs: 86_400_000,
});

const BATCH_HEADER_SIZE = 61;
const MAX_INT32 = 2 ** 31 - 1;

interface Bound {
  min: number;
  max: number;
}

const bounds: Record<Exclude<keyof LogConfig, 'durability'>, Bound> = {
  segmentBytes: { min: BATCH_HEADER_SIZE, max: MAX_INT32 },
  segmentMs: { min: 1, max: Number.MAX_SAFE_INTEGER },
  segmentIndexBytes: { min: 24, max: MAX_INT32 },
  indexIntervalBytes: { min: 0, max: MAX_INT32 },
  retentionMs: { min: -1, max: Number.MAX_SAFE_INTEGER },
  retentionBytes: { min: -1, max: Number.MAX_SAFE_INTEGER },
  maxMessageBytes: { min: 0, max: MAX_INT32 },
  flushIntervalMs: { min: 1, max: MAX_INT32 },
  messageTimestampBeforeMaxMs: { min: 0, max: Number.MAX_SAFE_INTEGER },
  messageTimestampAfterMaxMs: { min: 0, max: Number.MAX_SAFE_INTEGER },
  producerIdExpirationMs: { min: 1, max: MAX_INT32 },
};

function invalid(message: string): TributaryError {
  return new TributaryError(message, 'ERR_INVALID_CONFIG');
}

/** Fills defaults and checks every value; a bad one is an ERR_INVALID_CONFIG naming it. */
export function resolveLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const config: LogConfig = { ...DEFAULT_LOG_CONFIG };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LOG_CONFIG)) throw invalid(`unknown log config ${key}`);
    Object.assign(config, { [key]: value });
  }
  for (const [key, { min, max }] of Object.entries(bounds)) {
    const value = config[key as keyof typeof bounds];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw invalid(`${key} must be an integer in [${min}, ${max}], got ${String(value)}`);
    }
  }
  if (!['always', 'interval', 'never'].includes(config.durability)) {
    throw invalid(`durability must be 'always', 'interval' or 'never', got ${String(config.durability)}`);
  }
  return Object.freeze(config);
}
