/**
 * The producer's settings, in Kafka's terms: linger.ms, batch.size, compression.type,
 * enable.idempotence, transactional.id, transaction.timeout.ms and the durability an
 * acknowledged send has.
 */
import { TributaryError } from '../errors.js';
import type { Durability } from '../engine/TopicConfig.js';
import { CompressionType, type CompressionCodec } from '../record/Compression.js';
import { describeValue as describe } from './Arguments.js';

export interface ProducerOptions {
  /** linger.ms: how long a batch waits for more records; Kafka 4.0's default, 5. */
  lingerMs?: number;
  /** batch.size: bytes (estimated, compressed) at which a batch is sent; default 16384. */
  batchSize?: number;
  /** compression.type; default: the topic's compression.type when it names a codec, else none. */
  compression?: CompressionCodec;
  /** 'always': a send resolves once its records are on disk, whatever the log's own durability. */
  durability?: Durability;
  /**
   * enable.idempotence: batches carry a producer id, epoch and per-partition sequences,
   * so the log can refuse duplicates and gaps; default true, as Kafka 3.x's.
   */
  idempotence?: boolean;
  /**
   * transactional.id: the producer writes in transactions (initTransactions, beginTransaction,
   * commitTransaction, abortTransaction); a later producer with the same id fences this one.
   */
  transactionalId?: string;
  /** transaction.timeout.ms: an open transaction older than this is aborted by the coordinator; default 60000. */
  transactionTimeoutMs?: number;
}

export interface ResolvedProducerOptions {
  lingerMs: number;
  batchSize: number;
  compression: CompressionCodec | undefined;
  durability: Durability | undefined;
  idempotence: boolean;
  transactionalId: string | undefined;
  transactionTimeoutMs: number;
}

const MAX_INT32 = 2 ** 31 - 1;
const KNOWN = new Set([
  'lingerMs',
  'batchSize',
  'compression',
  'durability',
  'idempotence',
  'transactionalId',
  'transactionTimeoutMs',
]);
const DURABILITIES: readonly Durability[] = ['always', 'interval', 'never'];

function invalidConfig(message: string): TributaryError {
  return new TributaryError(message, 'ERR_INVALID_CONFIG');
}

function integerIn(name: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_INT32) {
    throw invalidConfig(`${name} must be an integer in [${min}, ${MAX_INT32}], got ${describe(value)}`);
  }
  return value;
}

function booleanOr(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidConfig(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T))
    throw invalidConfig(`${name} must be one of ${allowed.join(', ')}, got ${describe(value)}`);
  return value as T;
}

export function checkProducerOptions(options: unknown): ResolvedProducerOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidConfig(`producer options must be an object, got ${describe(options)}`);
  }
  const unknown = Object.keys(options).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) throw invalidConfig(`unknown producer option(s): ${unknown.join(', ')}`);
  const o = options as ProducerOptions;
  const idempotence = booleanOr('idempotence', o.idempotence, true);
  const transactionalId = transactionalIdOf(o.transactionalId, idempotence);
  return {
    lingerMs: integerIn('lingerMs', o.lingerMs, 0, 5),
    batchSize: integerIn('batchSize', o.batchSize, 1, 16384),
    compression: oneOf('compression', o.compression, Object.keys(CompressionType) as CompressionCodec[]),
    durability: oneOf('durability', o.durability, DURABILITIES),
    idempotence,
    transactionalId,
    transactionTimeoutMs: integerIn('transactionTimeoutMs', o.transactionTimeoutMs, 1, 60_000),
  };
}

/** ProducerConfig.postProcessAndValidateIdempotenceConfigs: a transactional producer is idempotent. */
function transactionalIdOf(value: unknown, idempotence: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw invalidConfig(`transactionalId must be a non-empty string, got ${describe(value)}`);
  if (!idempotence) throw invalidConfig('Cannot set a transactionalId without also enabling idempotence.');
  return value;
}
