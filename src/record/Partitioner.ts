/**
 * The Java producer's built-in partitioner, so that a record lands in the same partition
 * whichever client wrote it: keyed records by murmur2 of the serialized key
 * (Utils.murmur2, BuiltInPartitioner.partitionForKey), records without a key by the
 * KIP-794 "uniform sticky" partitioner (BuiltInPartitioner).
 */
import { TributaryError } from '../errors.js';

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;

/** Kafka's murmur2 of `data`: a signed 32-bit integer, as Java's Utils.murmur2 returns it. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const tail = length & ~3;
  let h = MURMUR2_SEED ^ length;
  for (let i = 0; i < tail; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, MURMUR2_M);
    k ^= k >>> 24;
    h = Math.imul(h, MURMUR2_M) ^ Math.imul(k, MURMUR2_M);
  }
  const rest = length & 3;
  if (rest !== 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16;
    if (rest >= 2) h ^= data[tail + 1]! << 8;
    h = Math.imul(h ^ data[tail]!, MURMUR2_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR2_M);
  return h ^ (h >>> 15);
}

/** Java's Utils.toPositive: clears the sign bit (not the absolute value). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition of a record with this serialized key among `numPartitions`. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  checkNumPartitions(numPartitions);
  return toPositive(murmur2(key)) % numPartitions;
}

function checkNumPartitions(numPartitions: number): void {
  if (!Number.isInteger(numPartitions) || numPartitions < 1 || numPartitions > 0x7fffffff) {
    throw new TributaryError(`numPartitions must be an integer >= 1, got ${numPartitions}`, 'ERR_INVALID_PARTITIONS');
  }
}

export interface BuiltInPartitionerOptions {
  /** `batch.size`: bytes produced to the sticky partition before it switches. */
  batchSize: number;
  /** `partitioner.ignore.keys`: partition keyed records as if they had no key. */
  ignoreKeys?: boolean;
  /** Uniform in [0, 1); Math.random unless a test injects its own. */
  random?: () => number;
  /**
   * Whether every batch queued for the partition is full (RecordAccumulator.allBatchesFull).
   * While the last one is not, the switch waits (up to 2 x batch.size) so that batches are
   * not cut short. Without it the partition switches exactly at batch.size.
   */
  allBatchesFull?: (topic: string, partition: number) => boolean;
}

/** No partition chosen yet, or the last one is done. */
const NO_PARTITION = -1;

interface StickyPartitionInfo {
  partition: number;
  producedBytes: number;
  /** Running sums of inverted queue sizes (KIP-794), with the partitions they stand for. */
  loadStats: { cumulativeFrequencyTable: Int32Array; partitionIds: Int32Array } | null;
}

/**
 * The producer's built-in partitioner, for records sent without an explicit partition.
 *
 * The producer calls `partition()` for each such record, appends the record to a batch
 * of that partition, then calls `recordAppended()` with the bytes the batch grew by.
 * Records without a key stick to one partition until `batch.size` bytes have been
 * appended to it, then move to another chosen at random: among `availablePartitions`
 * (those with a leader), or weighted towards short queues once
 * `updatePartitionLoadStats()` has been given queue sizes.
 */
export class BuiltInPartitioner {
  private readonly batchSize: number;
  private readonly ignoreKeys: boolean;
  private readonly random: () => number;
  private readonly allBatchesFull: (topic: string, partition: number) => boolean;
  private readonly topics = new Map<string, StickyPartitionInfo>();

  constructor(options: BuiltInPartitionerOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new TributaryError(`batch.size must be an integer >= 1, got ${options.batchSize}`, 'ERR_INVALID_CONFIG');
    }
    this.batchSize = options.batchSize;
    this.ignoreKeys = options.ignoreKeys ?? false;
    this.random = options.random ?? Math.random;
    this.allBatchesFull = options.allBatchesFull ?? (() => true);
  }

  /** The partition for a record of `topic` with this serialized key (null: none). */
  partition(
    topic: string,
    key: Uint8Array | null,
    numPartitions: number,
    availablePartitions?: readonly number[],
  ): number {
    if (key !== null && !this.ignoreKeys) return partitionForKey(key, numPartitions);
    checkNumPartitions(numPartitions);
    const info = this.stickyPartitionInfo(topic);
    // A switch held back by an incomplete batch happens once that batch is full.
    if (info.producedBytes >= this.batchSize && this.allBatchesFull(topic, info.partition)) switchPartition(info);
    if (info.partition === NO_PARTITION) info.partition = this.nextPartition(info, numPartitions, availablePartitions);
    return info.partition;
  }

  /**
   * A record partitioned by `partition()` went into `partition`, growing its batch by
   * `appendedBytes`. Only records that took the sticky partition count.
   */
  recordAppended(topic: string, key: Uint8Array | null, partition: number, appendedBytes: number): void {
    if (key !== null && !this.ignoreKeys) return;
    const info = this.topics.get(topic);
    if (info === undefined || info.partition !== partition) return;
    info.producedBytes += appendedBytes;
    const produced = info.producedBytes;
    if ((produced >= this.batchSize && this.allBatchesFull(topic, partition)) || produced >= 2 * this.batchSize) {
      switchPartition(info);
    }
  }

  /**
   * Queue sizes (batches waiting) of the partitions of `topic` that have a leader and are
   * not excluded for latency, `partitionIds[i]` being the partition of `queueSizes[i]`;
   * `numPartitions` counts all of the topic's partitions. Later switches pick partition i
   * with weight `max(queueSizes) + 1 - queueSizes[i]`. With nothing to weigh (null sizes,
   * fewer than 2 partitions, equal queues on every partition) the choice is uniform among
   * the available partitions. Like RecordAccumulator.partitionReady, the producer calls
   * this from its ready check when `partitioner.adaptive.partitioning.enable` is on and
   * every partition has had a batch.
   */
  updatePartitionLoadStats(
    topic: string,
    queueSizes: readonly number[] | null,
    partitionIds: readonly number[],
    numPartitions: number,
  ): void {
    const info = this.stickyPartitionInfo(topic);
    info.loadStats = null;
    if (queueSizes === null || queueSizes.length < 1 || numPartitions < 2) return;
    if (partitionIds.length !== queueSizes.length) {
      throw new TributaryError(
        `${queueSizes.length} queue sizes for ${partitionIds.length} partitions`,
        'ERR_INVALID_PARTITIONS',
      );
    }
    const maxSizePlus1 = Math.max(...queueSizes) + 1;
    const allEqual = queueSizes.every((size) => size === queueSizes[0]);
    if (allEqual && queueSizes.length === numPartitions) return;
    const cumulativeFrequencyTable = new Int32Array(queueSizes.length);
    let sum = 0;
    for (let i = 0; i < queueSizes.length; i++) {
      sum += maxSizePlus1 - queueSizes[i]!;
      cumulativeFrequencyTable[i] = sum;
    }
    info.loadStats = { cumulativeFrequencyTable, partitionIds: Int32Array.from(partitionIds) };
  }

  private stickyPartitionInfo(topic: string): StickyPartitionInfo {
    let info = this.topics.get(topic);
    if (info === undefined) {
      info = { partition: NO_PARTITION, producedBytes: 0, loadStats: null };
      this.topics.set(topic, info);
    }
    return info;
  }

  private nextPartition(
    info: StickyPartitionInfo,
    numPartitions: number,
    availablePartitions?: readonly number[],
  ): number {
    // Java draws toPositive(nextInt()): a uniform non-negative 31-bit integer.
    const random = Math.floor(this.random() * 0x80000000);
    if (info.loadStats !== null) return weightedPartition(info.loadStats, random);
    if (availablePartitions !== undefined && availablePartitions.length > 0) {
      return availablePartitions[random % availablePartitions.length]!;
    }
    return random % numPartitions;
  }
}

/** The next `partition()` chooses afresh; bytes count from zero for the new partition. */
function switchPartition(info: StickyPartitionInfo): void {
  info.partition = NO_PARTITION;
  info.producedBytes = 0;
}

/** The partition whose running sum is the first one above `random % total`. */
function weightedPartition(
  stats: { cumulativeFrequencyTable: Int32Array; partitionIds: Int32Array },
  random: number,
): number {
  const table = stats.cumulativeFrequencyTable;
  const target = random % table[table.length - 1]!;
  let lo = 0;
  let hi = table.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return stats.partitionIds[lo]!;
}
