/**
 * The groups' committed offsets (Kafka's newer OffsetMetadataManager): OffsetCommit
 * (validated against the group's generation and members, which the GroupMetadataManager
 * owns), OffsetFetch, OffsetDelete, the removal of a deleted group's offsets, and each
 * group's lag. Offsets live on their ClassicGroup and in `__consumer_offsets` (the
 * OffsetsTopicStore). Requests arrive already checked by the GroupCoordinator.
 */
import type { Engine } from '../engine/Engine.js';
import { KafkaErrors } from '../errors.js';
import { topicPartitionKey, type ClassicGroup, type CommittedOffset } from './ClassicGroup.js';
import { UNKNOWN_MEMBER_ID } from './ClassicGroupMember.js';
import type { GroupMetadataManager } from './GroupMetadataManager.js';
import type {
  FetchedOffset,
  OffsetCommitPartition,
  OffsetCommitRequest,
  OffsetDeleteResult,
  OffsetFetchRequest,
  PartitionError,
  TxnOffsetCommitRequest,
} from './GroupRequests.js';
import {
  appendErrorCode,
  type OffsetsTopicStore,
  type TopicPartitionRef,
  type TransactionalProducer,
} from './OffsetsTopicStore.js';

const E = KafkaErrors;
const NONE = E.NONE.code;
/** offset.metadata.max.bytes. */
const OFFSET_METADATA_MAX_BYTES = 4096;

/** A group's committed offset of one partition against that partition's log end offset. */
export interface GroupLag {
  groupId: string;
  topic: string;
  partition: number;
  committedOffset: number;
  logEndOffset: number;
  /** logEndOffset - committedOffset. */
  lag: number;
}

export class OffsetMetadataManager {
  constructor(
    private readonly engine: Engine,
    private readonly store: OffsetsTopicStore,
    private readonly groups: GroupMetadataManager,
    private readonly now: () => number,
    /** A cluster's broker asks its metadata cache (KafkaApis.handleOffsetCommitRequest); one node, its engine. */
    private readonly partitionExists: (topic: string, partition: number) => boolean = (topic, partition) =>
      engine.hasTopic(topic) && partition >= 0 && partition < engine.partitionCount(topic),
  ) {}

  // ---- OffsetCommit ----

  /** Resolves once the commit is in the `__consumer_offsets` log (as durable as that log makes it). */
  commitOffsets(r: OffsetCommitRequest): Promise<PartitionError[]> {
    return this.commitValidOffsets(r, (valid) => this.doCommitOffsets(r, valid));
  }

  /**
   * TxnOffsetCommit: the offsets are written in a transactional batch of the producer and
   * held pending on the group until the transaction's marker (Kafka's GroupCoordinator.
   * handleTxnCommitOffsets); a group that does not exist yet is created.
   */
  commitTransactionalOffsets(r: TxnOffsetCommitRequest): Promise<PartitionError[]> {
    return this.commitValidOffsets(r, async (valid) => {
      const group = this.groups.group(r.groupId) ?? this.groups.addGroup(r.groupId);
      const invalid = validateOffsetCommit(group, r, true);
      if (invalid !== NONE) return invalid;
      return this.storeOffsets(group, r, valid, { producerId: r.producerId, producerEpoch: r.producerEpoch });
    });
  }

  /** The producer's transaction ended with a marker in `__consumer_offsets` partition `partition`. */
  completeTransaction(producerId: number, partition: number, commit: boolean): void {
    for (const group of this.groups.allGroups()) {
      if (this.store.partitionFor(group.groupId) === partition)
        group.completePendingTransactionalOffsets(producerId, commit);
    }
  }

  /** Answers the partitions that do not exist (or carry too much metadata) and commits the others with `commit`. */
  private async commitValidOffsets(
    r: OffsetCommitRequest,
    commit: (valid: OffsetCommitPartition[]) => Promise<number>,
  ): Promise<PartitionError[]> {
    const errors = new Map<OffsetCommitPartition, number>();
    for (const o of r.offsets) {
      const error = this.checkCommittedPartition(o);
      if (error !== NONE) errors.set(o, error);
    }
    const valid = r.offsets.filter((o) => !errors.has(o));
    if (valid.length > 0) {
      const error = await commit(valid);
      for (const o of valid) errors.set(o, error);
    }
    return r.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode: errors.get(o)! }));
  }

  private checkCommittedPartition(o: OffsetCommitPartition): number {
    if (!this.partitionExists(o.topic, o.partition)) return E.UNKNOWN_TOPIC_OR_PARTITION.code;
    if (o.metadata !== null && Buffer.byteLength(o.metadata, 'utf8') > OFFSET_METADATA_MAX_BYTES)
      return E.OFFSET_METADATA_TOO_LARGE.code;
    return NONE;
  }

  private async doCommitOffsets(r: OffsetCommitRequest, offsets: OffsetCommitPartition[]): Promise<number> {
    let group = this.groups.group(r.groupId);
    if (group === undefined) {
      // A group not using group management may commit; anything else is from a generation that no longer exists.
      if (r.generationId >= 0) return E.ILLEGAL_GENERATION.code;
      group = this.groups.addGroup(r.groupId);
    }
    const invalid = validateOffsetCommit(group, r, false);
    if (invalid !== NONE) return invalid;
    if (group.is('CompletingRebalance')) return E.REBALANCE_IN_PROGRESS.code;
    // Also while preparing a rebalance: the heartbeat answer tells the member about it.
    if (!group.is('Empty')) this.groups.rescheduleHeartbeat(group, group.member(r.memberId));
    return this.storeOffsets(group, r, offsets);
  }

  private async storeOffsets(
    group: ClassicGroup,
    r: OffsetCommitRequest,
    offsets: OffsetCommitPartition[],
    producer?: TransactionalProducer,
  ): Promise<number> {
    const commitTimestamp = this.now();
    const retention = r.retentionTimeMs ?? -1;
    const committed: CommittedOffset[] = offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
      leaderEpoch: o.leaderEpoch,
      metadata: o.metadata ?? '',
      commitTimestamp,
      expireTimestamp: retention === -1 ? -1 : commitTimestamp + retention,
    }));
    const keys = committed.map((o) => topicPartitionKey(o.topic, o.partition));
    group.preparePendingOffsets(keys);
    try {
      const appendedBatchOffset = await this.store.storeOffsets(group.groupId, committed, producer);
      for (const o of committed) o.appendedBatchOffset = appendedBatchOffset;
    } catch (error) {
      return appendErrorCode(error, true);
    } finally {
      group.completePendingOffsets(keys);
    }
    if (group.is('Dead')) return NONE;
    if (producer !== undefined) group.addPendingTransactionalOffsets(producer.producerId, committed);
    else committed.forEach((o, i) => group.offsets.set(keys[i]!, o));
    return NONE;
  }

  // ---- OffsetFetch ----

  fetchOffsets(r: OffsetFetchRequest): { errorCode: number; offsets: FetchedOffset[] } {
    const group = this.groups.group(r.groupId);
    if (group === undefined || group.is('Dead'))
      return { errorCode: NONE, offsets: (r.partitions ?? []).map((tp) => noOffset(tp, NONE)) };
    const partitions = r.partitions ?? [...group.offsets.values()];
    const offsets = partitions.map((tp) => {
      const key = topicPartitionKey(tp.topic, tp.partition);
      if (r.requireStable && group.hasPendingOffsets(key)) return noOffset(tp, E.UNSTABLE_OFFSET_COMMIT.code);
      const committed = group.offsets.get(key);
      if (committed === undefined) return noOffset(tp, NONE);
      return {
        topic: tp.topic,
        partition: tp.partition,
        offset: committed.offset,
        leaderEpoch: committed.leaderEpoch,
        metadata: committed.metadata,
        errorCode: NONE,
      };
    });
    return { errorCode: NONE, offsets };
  }

  /** Every live group's committed offsets of partitions that exist, with their lag, by group, topic and partition. */
  lag(): GroupLag[] {
    const lags: GroupLag[] = [];
    for (const group of this.groups.allGroups()) {
      if (group.is('Dead')) continue;
      for (const { topic, partition, offset } of group.offsets.values()) {
        if (!this.engine.hasTopic(topic) || partition >= this.engine.partitionCount(topic)) continue;
        const logEndOffset = this.engine.partition(topic, partition).logEndOffset;
        lags.push({
          groupId: group.groupId,
          topic,
          partition,
          committedOffset: offset,
          logEndOffset,
          lag: logEndOffset - offset,
        });
      }
    }
    return lags.sort(
      (a, b) => a.groupId.localeCompare(b.groupId) || a.topic.localeCompare(b.topic) || a.partition - b.partition,
    );
  }

  // ---- OffsetDelete, DeleteGroups ----

  async deleteOffsets(r: { groupId: string; partitions: TopicPartitionRef[] }): Promise<OffsetDeleteResult> {
    const group = this.groups.group(r.groupId);
    if (group === undefined || group.is('Dead')) return { errorCode: E.GROUP_ID_NOT_FOUND.code, partitions: [] };
    if (!group.is('Empty') && !group.isConsumerGroup) return { errorCode: E.NON_EMPTY_GROUP.code, partitions: [] };
    // A consumer group keeps the offsets of topics its members still subscribe to.
    const subscribed = (tp: TopicPartitionRef) => !group.is('Empty') && group.isSubscribedToTopic(tp.topic);
    const eligible = r.partitions.filter((tp) => !subscribed(tp));
    const errorCode = eligible.length > 0 ? await this.removeOffsets(group, eligible) : NONE;
    const partitions = r.partitions.map((tp) => ({
      topic: tp.topic,
      partition: tp.partition,
      errorCode: subscribed(tp) ? E.GROUP_SUBSCRIBED_TO_TOPIC.code : errorCode,
    }));
    return { errorCode: NONE, partitions };
  }

  /** A deleted group's offsets, all of them. */
  deleteAllOffsets(group: ClassicGroup): Promise<number> {
    return this.removeOffsets(group, [...group.offsets.values()]);
  }

  /**
   * Removes the offsets, lets the group die if that left it Empty without any, then
   * writes tombstones for the offsets that were there and, for a dropped group that ever
   * had a generation, its metadata.
   */
  private async removeOffsets(group: ClassicGroup, partitions: TopicPartitionRef[]): Promise<number> {
    const removed = partitions.filter((tp) => group.offsets.delete(topicPartitionKey(tp.topic, tp.partition)));
    const groupTombstone = this.groups.maybeDeleteGroup(group);
    try {
      await this.store.storeTombstones(group.groupId, removed, groupTombstone);
      return NONE;
    } catch (error) {
      return appendErrorCode(error, false);
    }
  }
}

/** Kafka's GroupCoordinator.validateOffsetCommit: a transactional commit without member or generation is always let through. */
function validateOffsetCommit(group: ClassicGroup, r: OffsetCommitRequest, transactional: boolean): number {
  if (group.is('Dead')) return E.COORDINATOR_NOT_AVAILABLE.code;
  if (r.generationId < 0 && group.is('Empty')) return NONE;
  if (r.generationId >= 0 || r.memberId !== UNKNOWN_MEMBER_ID || r.groupInstanceId !== null) {
    const error = group.validateMember(r.memberId, r.groupInstanceId);
    if (error !== NONE) return error;
    return r.generationId === group.generationId ? NONE : E.ILLEGAL_GENERATION.code;
  }
  return transactional || group.is('Empty') ? NONE : E.UNKNOWN_MEMBER_ID.code;
}

/** An OffsetFetch answer for a partition without a committed offset. */
function noOffset(tp: TopicPartitionRef, errorCode: number): FetchedOffset {
  return { topic: tp.topic, partition: tp.partition, offset: -1, leaderEpoch: -1, metadata: '', errorCode };
}
