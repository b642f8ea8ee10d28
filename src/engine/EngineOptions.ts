/** What a data directory is opened with, and the limits the engine derives from it. */
import { TributaryError } from '../errors.js';
import { defaultMaxOpenFiles } from '../log/OpenFileBudget.js';
import type { LogConfig } from '../log/LogConfig.js';
import type { RecoveryProgress } from '../log/LogSegment.js';
import type { ProducerIdManager } from './ProducerIdManager.js';

export { defaultMaxOpenFiles };

export interface EngineOptions {
  dataDir: string;
  /** Broker-level defaults under topic configs (Kafka names, e.g. { 'retention.ms': '604800000' }). */
  defaults?: Record<string, string>;
  /** How often retention runs (log.retention.check.interval.ms, default 300000); 0 turns it off. */
  retentionCheckIntervalMs?: number;
  /** How often offsets are checkpointed (default 60000); 0 turns it off. */
  checkpointIntervalMs?: number;
  /**
   * How often the partitions' high watermarks are checkpointed to replication-offset-checkpoint
   * (replica.high.watermark.checkpoint.interval.ms, default 5000); 0 turns it off.
   */
  highWatermarkCheckpointIntervalMs?: number;
  /**
   * Every partition's initial hwFollowsLogEnd (default true: the high watermark is the log
   * end, no replica to wait for). A broker that replicates its partitions opens with
   * false, so each keeps its checkpointed high watermark until replication moves it.
   */
  hwFollowsLogEnd?: boolean;
  /** Told of the bytes the logs' recovery scans go through at open (a progress bar). */
  recoveryProgress?: RecoveryProgress;
  /**
   * Most partitions (over all topics) the engine holds; a creation past it is refused
   * with ERR_PARTITION_LIMIT (max.broker.partitions, KIP-578). Default DEFAULT_MAX_PARTITIONS.
   */
  maxPartitions?: number;
  /**
   * Most file descriptors the partitions' active segments hold at once (log.max.open.files,
   * three a partition); past it the least recently appended-to close theirs and reopen
   * them on their next append. Default half the soft RLIMIT_NOFILE (defaultMaxOpenFiles()).
   */
  maxOpenFiles?: number;
  /**
   * producer.id.expiration.ms, a broker config in Kafka: how long a partition remembers an
   * idempotent producer that has not written (and has no ongoing transaction). Default a day.
   */
  producerIdExpirationMs?: number;
  /** producer.id.expiration.check.interval.ms: how often expired producers are forgotten; default 600000. */
  producerIdExpirationCheckIntervalMs?: number;
  /**
   * Where new producer ids come from: a cluster's broker gives its ZooKeeper-backed manager.
   * Default: blocks reserved in the data directory (FileProducerIdManager).
   */
  producerIdManager?: ProducerIdManager;
}

/**
 * The default partition limit. Kafka sets none (KIP-578's max.broker.partitions was never
 * adopted); its guidance is ~4,000 partitions a broker. A partition costs ~75 KiB of
 * memory, three mappings (vm.max_map_count is 65,530) and, while its files are open,
 * three file descriptors (bounded by maxOpenFiles): 10,000 is ~750 MiB and ~30,000 mappings.
 */
export const DEFAULT_MAX_PARTITIONS = 10_000;

/** An option that must be a positive integer, or `fallback` when not given. */
function positiveOption(name: string, value: number | undefined, fallback: () => number): number {
  if (value === undefined) return fallback();
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TributaryError(`${name} must be a positive integer, got ${String(value)}`, 'ERR_INVALID_ARGUMENT');
  }
  return value;
}

/** maxPartitions and maxOpenFiles, checked, with their defaults. */
export function engineLimits(options: EngineOptions): { maxPartitions: number; maxOpenFiles: number } {
  return {
    maxPartitions: positiveOption('maxPartitions', options.maxPartitions, () => DEFAULT_MAX_PARTITIONS),
    maxOpenFiles: positiveOption('maxOpenFiles', options.maxOpenFiles, defaultMaxOpenFiles),
  };
}

/** The log settings that are the engine's (Kafka's broker configs), not a topic's: under every topic's. */
export function engineLogSettings(options: EngineOptions): Partial<LogConfig> {
  if (options.producerIdExpirationMs === undefined) return {};
  return { producerIdExpirationMs: positiveOption('producerIdExpirationMs', options.producerIdExpirationMs, () => 0) };
}
