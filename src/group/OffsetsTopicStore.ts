/**
 * Groups and committed offsets as records in `__consumer_offsets`, what the old
 * coordinator's GroupMetadataManager stored and the newer one's loader replays: each
 * group lives in partition abs(groupId.hashCode()) % n, its metadata is written after
 * each completed rebalance and its offsets on commit, through the engine's partitions
 * like any topic's records. Loading reads every partition from its start and keeps the
 * last record per key (tombstones delete): what compaction would leave. Keys are
 * compared as raw bytes and only the survivors are decoded.
 */
import type { Engine } from '../engine/Engine.js';
import type { AppendInfo } from '../engine/Partition.js';
import { BUILT_BY_COORDINATOR, forEachBatch, openInternalTopic, partitionForKey } from '../engine/InternalTopic.js';
import { isTributaryError, KafkaErrors as E } from '../errors.js';
import { controlRecordType } from '../record/ControlRecord.js';
import type { Record as LogRecord } from '../record/Record.js';
import type { RecordBatch } from '../record/RecordBatch.js';
import { buildRecordBatch, type BatchOptions, type RecordInput } from '../record/RecordBatchBuilder.js';
import { ClassicGroup, topicPartitionKey, type CommittedOffset } from './ClassicGroup.js';
import { ClassicGroupMember } from './ClassicGroupMember.js';
import {
  groupMetadataKey,
  groupMetadataValue,
  offsetCommitKey,
  offsetCommitValue,
  readGroupMetadataValue,
  readOffsetCommitValue,
  readOffsetsTopicKey,
  type GroupMetadataValueData,
} from './OffsetsTopicRecords.js';

export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

/**
 * The error a failed `__consumer_offsets` append becomes, as Kafka maps its append
 * errors for group writes and (with `commit`) offset commits.
 */
export function appendErrorCode(error: unknown, commit: boolean): number {
  if (!isTributaryError(error)) return E.UNKNOWN_SERVER_ERROR.code;
  switch (error.kafka) {
    case E.UNKNOWN_TOPIC_OR_PARTITION:
    case E.NOT_ENOUGH_REPLICAS:
    case E.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return E.COORDINATOR_NOT_AVAILABLE.code;
    case E.NOT_LEADER_OR_FOLLOWER:
      return E.NOT_COORDINATOR.code;
    // The in-sync replicas did not all get the records in time: a commit says so, a group's
    // metadata makes its members join again (GroupMetadataManager.storeGroup).
    case E.REQUEST_TIMED_OUT:
      return commit ? E.REQUEST_TIMED_OUT.code : E.REBALANCE_IN_PROGRESS.code;
    case E.MESSAGE_TOO_LARGE:
    case E.RECORD_LIST_TOO_LARGE:
      return commit ? E.INVALID_COMMIT_OFFSET_SIZE.code : E.UNKNOWN_SERVER_ERROR.code;
    case E.KAFKA_STORAGE_ERROR:
      return error.code === 'ERR_ENGINE_CLOSED' ? E.COORDINATOR_NOT_AVAILABLE.code : E.NOT_COORDINATOR.code;
    default:
      return error.kafka.code;
  }
}

/** Kafka's Utils.abs(groupId.hashCode()) % partitions. */
export function partitionForGroup(groupId: string, partitions: number): number {
  return partitionForKey(groupId, partitions);
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

/** The producer of a transactional offset commit (TxnOffsetCommit). */
export interface TransactionalProducer {
  producerId: number;
  producerEpoch: number;
}

/** offsets.commit.timeout.ms's default: how long a write waits for the in-sync replicas. */
export const OFFSET_COMMIT_TIMEOUT_MS = 5000;

export class OffsetsTopicStore {
  private constructor(
    private readonly engine: Engine,
    private readonly partitions: () => number,
    private readonly now: () => number,
    private readonly commitTimeoutMs: number,
  ) {}

  /** Creates `__consumer_offsets` with `partitions` partitions unless it exists (then its own count rules). */
  static open(
    engine: Engine,
    partitions: number,
    now: () => number,
    commitTimeoutMs = OFFSET_COMMIT_TIMEOUT_MS,
  ): OffsetsTopicStore {
    const count = openInternalTopic(engine, GROUP_METADATA_TOPIC_NAME, partitions);
    return new OffsetsTopicStore(engine, () => count, now, commitTimeoutMs);
  }

  /**
   * A cluster's broker: the controller creates the topic and LeaderAndIsr its logs here; its
   * partition count is the cluster's (GroupMetadataManager.retrieveGroupMetadataTopicPartitionCount).
   */
  static inCluster(
    engine: Engine,
    partitionCount: () => number,
    now: () => number,
    commitTimeoutMs = OFFSET_COMMIT_TIMEOUT_MS,
  ): OffsetsTopicStore {
    return new OffsetsTopicStore(engine, partitionCount, now, commitTimeoutMs);
  }

  get partitionCount(): number {
    return this.partitions();
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.partitionCount);
  }

  /** Writes the group's metadata with each member's assignment (Kafka's storeGroup). */
  async storeGroup(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): Promise<void> {
    const members = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: m.metadata(group.protocolName!),
      assignment: assignment.get(m.memberId) ?? Buffer.alloc(0),
    }));
    const value: GroupMetadataValueData = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: group.stateTimestamp,
      members,
    };
    await this.append(group.groupId, [{ key: groupMetadataKey(group.groupId), value: groupMetadataValue(value) }]);
  }

  /**
   * Writes the offsets; a transactional commit's (`producer`) go in a transactional batch
   * of that producer, committed or dropped by the marker its transaction ends with
   * (Kafka's GroupMetadataManager.storeOffsets with a producer id). Resolves with the
   * batch's offset.
   */
  async storeOffsets(
    groupId: string,
    offsets: readonly CommittedOffset[],
    producer?: TransactionalProducer,
  ): Promise<number> {
    const records = offsets.map((o) => ({
      key: offsetCommitKey({ group: groupId, topic: o.topic, partition: o.partition }),
      value: offsetCommitValue(o),
    }));
    const batch: BatchOptions = producer === undefined ? {} : { ...producer, baseSequence: 0, transactional: true };
    return (await this.append(groupId, records, batch)).baseOffset;
  }

  /** Tombstones for the offsets and, when `group` is set, for the group's metadata. */
  async storeTombstones(groupId: string, offsets: readonly TopicPartitionRef[], group: boolean): Promise<void> {
    const records: RecordInput[] = offsets.map((o) => ({
      key: offsetCommitKey({ group: groupId, topic: o.topic, partition: o.partition }),
      value: null,
    }));
    if (group) records.push({ key: groupMetadataKey(groupId), value: null });
    if (records.length > 0) await this.append(groupId, records);
  }

  /**
   * Appends with acks=-1, as GroupMetadataManager.appendForGroup does (offsets.commit.timeout.ms):
   * what the coordinator answers after it is on every in-sync replica of the partition.
   */
  private async append(groupId: string, records: RecordInput[], batch: BatchOptions = {}): Promise<AppendInfo> {
    const timestamp = this.now();
    for (const r of records) r.timestamp = timestamp;
    return this.engine
      .partition(GROUP_METADATA_TOPIC_NAME, this.partitionFor(groupId))
      .appendReplicated(buildRecordBatch(records, batch), BUILT_BY_COORDINATOR, this.commitTimeoutMs);
  }

  /**
   * Every group and offset the `partitions` hold (all of them when unset), as of their last
   * records; transactional offset commits count once their commit marker is read, and those
   * without a marker yet stay pending on their group (Kafka's
   * GroupMetadataManager.doLoadGroupsAndOffsets).
   */
  loadGroups(partitions?: readonly number[]): Map<string, ClassicGroup> {
    const latest = new Map<string, LogRecord>();
    const pending = new Map<number, Map<string, LogRecord>>();
    for (const p of partitions ?? Array.from({ length: this.partitionCount }, (_, i) => i))
      forEachBatch(this.engine, GROUP_METADATA_TOPIC_NAME, p, (batch) => collectLatest(batch, latest, pending));
    const groups = new Map<string, ClassicGroup>();
    const groupOf = (groupId: string) => {
      let group = groups.get(groupId);
      if (group === undefined) groups.set(groupId, (group = new ClassicGroup(groupId, 'Empty', this.now())));
      return group;
    };
    for (const record of latest.values()) {
      const value = record.value;
      if (value === null) continue;
      const key = readOffsetsTopicKey(record.key!);
      if (key?.type === 'offsetCommit') {
        groupOf(key.group).offsets.set(topicPartitionKey(key.topic, key.partition), committedOffset(key, record));
      } else if (key?.type === 'groupMetadata') {
        restoreGroup(groupOf(key.group), readGroupMetadataValue(value));
      }
    }
    for (const [producerId, records] of pending) {
      for (const record of records.values()) {
        const key = readOffsetsTopicKey(record.key!);
        if (key?.type !== 'offsetCommit') continue;
        groupOf(key.group).addPendingTransactionalOffsets(producerId, [committedOffset(key, record)]);
      }
    }
    return groups;
  }
}

function committedOffset(key: TopicPartitionRef, record: LogRecord): CommittedOffset {
  return {
    topic: key.topic,
    partition: key.partition,
    ...readOffsetCommitValue(record.value!),
    appendedBatchOffset: record.offset,
  };
}

/**
 * Keeps the last record of each key (a tombstone included), keyed by the key's bytes;
 * records of a transactional batch wait in `pending` under their producer until its
 * marker: a commit makes them count unless a later record of the key was read, an abort
 * drops them.
 */
function collectLatest(
  batch: RecordBatch,
  latest: Map<string, LogRecord>,
  pending: Map<number, Map<string, LogRecord>>,
): void {
  if (batch.isControl) {
    const [marker] = batch.records();
    const committed = pending.get(batch.producerId);
    if (marker !== undefined && committed !== undefined && controlRecordType(marker.key) === 'commit') {
      for (const [key, record] of committed) {
        if ((latest.get(key)?.offset ?? -1) < record.offset) latest.set(key, record);
      }
    }
    pending.delete(batch.producerId);
    return;
  }
  let target = latest;
  if (batch.isTransactional) {
    target = pending.get(batch.producerId) ?? new Map<string, LogRecord>();
    pending.set(batch.producerId, target);
  }
  for (const record of batch.records()) {
    const key = record.key;
    if (key === null) continue;
    if (batch.isTransactional && record.value === null) target.delete(key.toString('latin1'));
    else target.set(key.toString('latin1'), record);
  }
}

function restoreGroup(group: ClassicGroup, value: GroupMetadataValueData): void {
  for (const m of value.members) {
    // Value v0 has no rebalance timeout: it was the session timeout then.
    const rebalanceTimeoutMs = m.rebalanceTimeout === -1 ? m.sessionTimeout : m.rebalanceTimeout;
    const member = new ClassicGroupMember(
      m.memberId,
      m.groupInstanceId,
      m.clientId,
      m.clientHost,
      rebalanceTimeoutMs,
      m.sessionTimeout,
      value.protocolType,
      [{ name: value.protocol ?? '', metadata: m.subscription }],
    );
    member.assignment = m.assignment;
    group.add(member, null);
  }
  group.restore(
    value.generation,
    value.protocolType === '' ? null : value.protocolType,
    value.protocol,
    value.leader,
    value.currentStateTimestamp,
  );
}
