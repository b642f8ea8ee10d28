/**
 * Which partitions of an internal topic (`__consumer_offsets`, `__transaction_state`) a
 * coordinator serves: a single node owns them all from the start; a cluster's broker owns a
 * partition once it leads it and has loaded it, as Kafka's GroupMetadataManager
 * (`ownedPartitions`, `loadingPartitions`, `epochForPartitionId`) and
 * TransactionStateManager (`loadingPartitions`, `transactionMetadataCache`) keep them. Each
 * election and resignation carries the partition's leader epoch (the coordinator epoch); one
 * older than the newest seen is stale and changes nothing.
 */
import { KafkaErrors as E } from '../errors.js';

export class InternalTopicOwnership {
  private readonly loading = new Set<number>();
  private readonly owned = new Set<number>();
  private readonly epochs = new Map<number, number>();

  /** `ownsAll`: a single node, which coordinates every key and never loads or resigns a partition. */
  constructor(private readonly ownsAll: boolean) {}

  /** NONE when the partition is served here, COORDINATOR_LOAD_IN_PROGRESS while it loads, else NOT_COORDINATOR. */
  status(partition: number): number {
    if (this.ownsAll || this.owned.has(partition)) return E.NONE.code;
    return this.loading.has(partition) ? E.COORDINATOR_LOAD_IN_PROGRESS.code : E.NOT_COORDINATOR.code;
  }

  /** True while any partition loads (Kafka's ListGroups answers COORDINATOR_LOAD_IN_PROGRESS then). */
  get isLoading(): boolean {
    return this.loading.size > 0;
  }

  /** The coordinator epoch of the partition's latest election (0 on a single node, which is never elected). */
  epoch(partition: number): number {
    return this.epochs.get(partition) ?? 0;
  }

  /**
   * GroupMetadataManager.addLoadingPartition with maybeUpdateCoordinatorEpoch: false when
   * the election is stale or the partition is already loading or owned.
   */
  beginLoading(partition: number, epoch: number): boolean {
    if (!this.updateEpoch(partition, epoch)) return false;
    if (this.owned.has(partition) || this.loading.has(partition)) return false;
    this.loading.add(partition);
    return true;
  }

  /** The partition's load ended: owned, unless it was resigned meanwhile (false). */
  completeLoading(partition: number): boolean {
    if (!this.loading.delete(partition)) return false;
    this.owned.add(partition);
    return true;
  }

  /**
   * GroupMetadataManager.removeGroupsForPartition's check: true when the partition stops
   * being served (a resignation with no epoch, or one not older than the newest seen).
   */
  resign(partition: number, epoch: number | undefined): boolean {
    if (epoch !== undefined && !this.updateEpoch(partition, epoch)) return false;
    this.loading.delete(partition);
    this.owned.delete(partition);
    return true;
  }

  /** maybeUpdateCoordinatorEpoch: keeps the newest epoch; true unless `epoch` is older than it. */
  private updateEpoch(partition: number, epoch: number): boolean {
    const current = this.epochs.get(partition);
    if (current === undefined || epoch > current) this.epochs.set(partition, epoch);
    return epoch >= (current ?? epoch);
  }
}
