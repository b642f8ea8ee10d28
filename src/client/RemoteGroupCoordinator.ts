/**
 * The GroupCoordinatorApi of a group coordinated by a broker: each call is the Kafka
 * request (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch) on a
 * connection of its own to the coordinator FindCoordinator names, so that a JoinGroup
 * waiting for a rebalance holds up no fetch, as in Kafka's clients.
 */
import { KafkaErrors, kafkaResponseError } from '../errors.js';
import type {
  FetchedOffset,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResult,
  LeaveGroupMember,
  LeaveGroupResult,
  OffsetCommitRequest,
  OffsetFetchRequest,
  PartitionError,
  SyncGroupRequest,
  SyncGroupResult,
} from '../group/GroupCoordinator.js';
import { ApiKey, type Struct } from '../protocol/index.js';
import { byTopic, type WireTopic } from '../protocol/TopicGroups.js';
import { BrokerConnection } from './BrokerConnection.js';
import type { GroupCoordinatorApi } from './ConsumerCoordinator.js';

const GROUP_KEY_TYPE = 0;
/** FindCoordinator v4 batched keys; LeaveGroup v3 batched members; OffsetFetch v8 batched groups. */
const BATCH_FIND_VERSION = 4;
const BATCH_LEAVE_VERSION = 3;
const BATCH_OFFSET_FETCH_VERSION = 8;

interface WireCommittedOffset {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

/** Asks `bootstrap` which broker coordinates `groupId`. */
async function findCoordinator(bootstrap: BrokerConnection, groupId: string): Promise<{ host: string; port: number }> {
  const batched = bootstrap.versionOf(ApiKey.FindCoordinator) >= BATCH_FIND_VERSION;
  const response = await bootstrap.request(
    ApiKey.FindCoordinator,
    batched ? { keyType: GROUP_KEY_TYPE, coordinatorKeys: [groupId] } : { key: groupId, keyType: GROUP_KEY_TYPE },
  );
  const found = (batched ? (response.coordinators as Struct[])[0]! : response) as {
    errorCode: number;
    host: string;
    port: number;
  };
  if (found.errorCode !== KafkaErrors.NONE.code)
    throw kafkaResponseError(found.errorCode, `finding the coordinator of group ${groupId}`);
  return { host: found.host, port: found.port };
}

export class RemoteGroupCoordinator implements GroupCoordinatorApi {
  private constructor(private readonly connection: BrokerConnection) {}

  /** Connects to the coordinator of `groupId`; `timeoutMs` must outlast a JoinGroup's wait (the rebalance timeout). */
  static async open(bootstrap: BrokerConnection, groupId: string, timeoutMs: number): Promise<RemoteGroupCoordinator> {
    const address = await findCoordinator(bootstrap, groupId);
    return new RemoteGroupCoordinator(await BrokerConnection.open(address, { timeoutMs }));
  }

  close(): void {
    this.connection.close();
  }

  async joinGroup(r: JoinGroupRequest): Promise<JoinGroupResult> {
    const response = (await this.connection.request(ApiKey.JoinGroup, {
      groupId: r.groupId,
      sessionTimeoutMs: r.sessionTimeoutMs,
      rebalanceTimeoutMs: r.rebalanceTimeoutMs,
      memberId: r.memberId,
      groupInstanceId: r.groupInstanceId,
      protocolType: r.protocolType,
      protocols: r.protocols,
      reason: r.reason ?? null,
    })) as unknown as JoinGroupResult;
    const { errorCode, generationId, protocolType, protocolName, leader, memberId, members, skipAssignment } = response;
    return { errorCode, generationId, protocolType, protocolName, leader, memberId, members, skipAssignment };
  }

  async syncGroup(r: SyncGroupRequest): Promise<SyncGroupResult> {
    const { errorCode, protocolType, protocolName, assignment } = (await this.connection.request(ApiKey.SyncGroup, {
      ...r,
    })) as unknown as SyncGroupResult;
    return { errorCode, protocolType, protocolName, assignment };
  }

  async heartbeat(r: HeartbeatRequest): Promise<{ errorCode: number }> {
    const response = await this.connection.request(ApiKey.Heartbeat, { ...r });
    return { errorCode: response.errorCode as number };
  }

  async leaveGroup(r: { groupId: string; members: LeaveGroupMember[] }): Promise<LeaveGroupResult> {
    const batched = this.connection.versionOf(ApiKey.LeaveGroup) >= BATCH_LEAVE_VERSION;
    const members = r.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      reason: m.reason ?? null,
    }));
    const response = await this.connection.request(ApiKey.LeaveGroup, {
      groupId: r.groupId,
      memberId: r.members[0]?.memberId ?? '',
      members,
    });
    return {
      errorCode: response.errorCode as number,
      members: batched ? (response.members as LeaveGroupResult['members']) : [],
    };
  }

  async commitOffsets(r: OffsetCommitRequest): Promise<PartitionError[]> {
    const response = await this.connection.request(ApiKey.OffsetCommit, {
      groupId: r.groupId,
      generationIdOrMemberEpoch: r.generationId,
      memberId: r.memberId,
      groupInstanceId: r.groupInstanceId,
      topics: byTopic(r.offsets, (o) => ({
        partitionIndex: o.partition,
        committedOffset: o.offset,
        committedLeaderEpoch: o.leaderEpoch,
        committedMetadata: o.metadata,
      })),
    });
    return (response.topics as WireTopic<{ partitionIndex: number; errorCode: number }>[]).flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })),
    );
  }

  async fetchOffsets(r: OffsetFetchRequest): Promise<{ errorCode: number; offsets: FetchedOffset[] }> {
    const topics =
      r.partitions === null
        ? null
        : byTopic(r.partitions, (p) => p.partition).map(({ name, partitions }) => ({
            name,
            partitionIndexes: partitions,
          }));
    const batched = this.connection.versionOf(ApiKey.OffsetFetch) >= BATCH_OFFSET_FETCH_VERSION;
    const request = batched
      ? { groups: [{ groupId: r.groupId, topics }], requireStable: r.requireStable }
      : { groupId: r.groupId, topics, requireStable: r.requireStable };
    const response = await this.connection.request(ApiKey.OffsetFetch, request);
    const result = (batched ? (response.groups as Struct[])[0]! : response) as {
      errorCode: number;
      topics: WireTopic<WireCommittedOffset>[];
    };
    const offsets = result.topics.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.metadata,
        errorCode: p.errorCode,
      })),
    );
    return { errorCode: result.errorCode, offsets };
  }
}
