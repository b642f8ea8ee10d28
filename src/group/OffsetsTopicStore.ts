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
import { BUILT_IN_PROCESS, type Partition } from '../engine/Partition.js';
import { isTributaryError, KafkaErrors as E } from '../errors.js';
import type { Record as LogRecord } from '../record/Record.js';
import { RecordBatch } from '../record/RecordBatch.js';
import { buildRecordBatch, type RecordInput } from '../record/RecordBatchBuilder.js';
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

/** Compaction is not there yet: keep every record forever rather than lose a group's last commit to retention. */
const OFFSETS_TOPIC_CONFIG = { 'cleanup.policy': 'delete', 'retention.ms': '-1' };

const LOAD_READ_BYTES = 8 * 1024 * 1024;

/** The coordinator's batches come from buildRecordBatch here, never from a client's bytes: no CRC and record re-check. */
const BUILT_BY_COORDINATOR = { [BUILT_IN_PROCESS]: true } as const;

/**
 * The error a failed `__consumer_offsets` append becomes, as Kafka maps its append
 * errors for group writes and (with `commit`) offset commits.
 */
export function appendErrorCode(error: unknown, commit: boolean): number {
  if (!isTributaryError(error)) return E.UNKNOWN_SERVER_ERROR.code;
  switch (error.kafka) {
    case E.UNKNOWN_TOPIC_OR_PARTITION:
      return E.COORDINATOR_NOT_AVAILABLE.code;
    case E.MESSAGE_TOO_LARGE:
    case E.RECORD_LIST_TOO_LARGE:
      return commit ? E.INVALID_COMMIT_OFFSET_SIZE.code : E.UNKNOWN_SERVER_ERROR.code;
    case E.KAFKA_STORAGE_ERROR:
      return error.code === 'ERR_ENGINE_CLOSED' ? E.COORDINATOR_NOT_AVAILABLE.code : E.NOT_COORDINATOR.code;
    default:
      return error.kafka.code;
  }
}

/** Java's String.hashCode (UTF-16 code units, int32 overflow). */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** Kafka's Utils.abs(groupId.hashCode()) % partitions. */
export function partitionForGroup(groupId: string, partitions: number): number {
  const hash = javaStringHashCode(groupId);
  return (hash === -2147483648 ? 0 : Math.abs(hash)) % partitions;
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export class OffsetsTopicStore {
  private constructor(
    private readonly engine: Engine,
    readonly partitionCount: number,
    private readonly now: () => number,
  ) {}

  /** Creates `__consumer_offsets` with `partitions` partitions unless it exists (then its own count rules). */
  static open(engine: Engine, partitions: number, now: () => number): OffsetsTopicStore {
    if (!engine.hasTopic(GROUP_METADATA_TOPIC_NAME)) {
      engine.createTopic(GROUP_METADATA_TOPIC_NAME, { partitions, config: OFFSETS_TOPIC_CONFIG });
    }
    return new OffsetsTopicStore(engine, engine.partitionCount(GROUP_METADATA_TOPIC_NAME), now);
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

  async storeOffsets(groupId: string, offsets: readonly CommittedOffset[]): Promise<void> {
    await this.append(
      groupId,
      offsets.map((o) => ({
        key: offsetCommitKey({ group: groupId, topic: o.topic, partition: o.partition }),
        value: offsetCommitValue(o),
      })),
    );
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

  private async append(groupId: string, records: RecordInput[]): Promise<void> {
    const timestamp = this.now();
    for (const r of records) r.timestamp = timestamp;
    await this.engine
      .partition(GROUP_METADATA_TOPIC_NAME, this.partitionFor(groupId))
      .append(buildRecordBatch(records), BUILT_BY_COORDINATOR);
  }

  /** Every group and offset the topic holds, as of its last records. */
  loadGroups(): Map<string, ClassicGroup> {
    const latest = new Map<string, LogRecord>();
    for (let p = 0; p < this.partitionCount; p++)
      collectLatest(this.engine.partition(GROUP_METADATA_TOPIC_NAME, p), latest);
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
        const v = readOffsetCommitValue(value);
        groupOf(key.group).offsets.set(topicPartitionKey(key.topic, key.partition), {
          topic: key.topic,
          partition: key.partition,
          ...v,
        });
      } else if (key?.type === 'groupMetadata') {
        restoreGroup(groupOf(key.group), readGroupMetadataValue(value));
      }
    }
    return groups;
  }
}

/** The last record of each key in the partition (a tombstone included), keyed by the key's bytes. */
function collectLatest(partition: Partition, latest: Map<string, LogRecord>): void {
  let offset = partition.logStartOffset;
  while (offset < partition.logEndOffset) {
    const { records } = partition.read(offset, LOAD_READ_BYTES);
    if (records.length === 0) break;
    for (const batch of RecordBatch.all(records)) {
      if (!batch.isControl) {
        for (const record of batch.records()) {
          const key = record.key;
          if (key !== null && record.offset >= offset) latest.set(key.toString('latin1'), record);
        }
      }
      offset = batch.lastOffset + 1;
    }
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
