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
import { ApiKey } from '../protocol/index.js';
import { FindCoordinator } from '../protocol/messages/FindCoordinator.js';
import { Heartbeat } from '../protocol/messages/Heartbeat.js';
import { JoinGroup } from '../protocol/messages/JoinGroup.js';
import { LeaveGroup } from '../protocol/messages/LeaveGroup.js';
import { OffsetCommit } from '../protocol/messages/OffsetCommit.js';
import { OffsetFetch } from '../protocol/messages/OffsetFetch.js';
import { SyncGroup } from '../protocol/messages/SyncGroup.js';
import { byTopic } from '../protocol/TopicGroups.js';
import { BrokerConnection } from './BrokerConnection.js';
import type { GroupCoordinatorApi } from './ConsumerCoordinator.js';

const GROUP_KEY_TYPE = 0;
/** FindCoordinator v4 batched keys; LeaveGroup v3 batched members; OffsetFetch v8 batched groups. */
const BATCH_FIND_VERSION = 4;
const BATCH_LEAVE_VERSION = 3;
const BATCH_OFFSET_FETCH_VERSION = 8;

/** Asks `bootstrap` which broker coordinates `groupId`. */
async function findCoordinator(bootstrap: BrokerConnection, groupId: string): Promise<{ host: string; port: number }> {
  const batched = bootstrap.versionOf(ApiKey.FindCoordinator) >= BATCH_FIND_VERSION;
  const response = await bootstrap.request(
    FindCoordinator,
    batched ? { keyType: GROUP_KEY_TYPE, coordinatorKeys: [groupId] } : { key: groupId, keyType: GROUP_KEY_TYPE },
  );
  const found = batched ? response.coordinators[0]! : response;
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
    const response = await this.connection.request(JoinGroup, {
      groupId: r.groupId,
      sessionTimeoutMs: r.sessionTimeoutMs,
      rebalanceTimeoutMs: r.rebalanceTimeoutMs,
      memberId: r.memberId,
      groupInstanceId: r.groupInstanceId,
      protocolType: r.protocolType,
      protocols: r.protocols,
      reason: r.reason ?? null,
    });
    const { errorCode, generationId, protocolType, protocolName, leader, memberId, members, skipAssignment } = response;
    return { errorCode, generationId, protocolType, protocolName, leader, memberId, members, skipAssignment };
  }

  async syncGroup(r: SyncGroupRequest): Promise<SyncGroupResult> {
    const { errorCode, protocolType, protocolName, assignment } = await this.connection.request(SyncGroup, { ...r });
    return { errorCode, protocolType, protocolName, assignment };
  }

  async heartbeat(r: HeartbeatRequest): Promise<{ errorCode: number }> {
    const response = await this.connection.request(Heartbeat, { ...r });
    return { errorCode: response.errorCode };
  }

  async leaveGroup(r: { groupId: string; members: LeaveGroupMember[] }): Promise<LeaveGroupResult> {
    const batched = this.connection.versionOf(ApiKey.LeaveGroup) >= BATCH_LEAVE_VERSION;
    const members = r.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      reason: m.reason ?? null,
    }));
    const response = await this.connection.request(LeaveGroup, {
      groupId: r.groupId,
      memberId: r.members[0]?.memberId ?? '',
      members,
    });
    return {
      errorCode: response.errorCode,
      members: batched ? response.members : [],
    };
  }

  async commitOffsets(r: OffsetCommitRequest): Promise<PartitionError[]> {
    const response = await this.connection.request(OffsetCommit, {
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
    return response.topics.flatMap((t) =>
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
    const response = await this.connection.request(OffsetFetch, request);
    const result = batched ? response.groups[0]! : response;
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
