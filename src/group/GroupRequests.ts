/**
 * What the GroupCoordinator's APIs take and answer: the fields of Kafka's JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ListGroups,
 * DescribeGroups and OffsetDelete, without the transport, with Kafka error codes.
 */
import type { GroupProtocol } from './ClassicGroupMember.js';
import type { TopicPartitionRef } from './OffsetsTopicStore.js';

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: GroupProtocol[];
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+ (KIP-394): a first join without a member id gets MEMBER_ID_REQUIRED and its id. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a static leader rejoining a stable group may skip the assignment. */
  supportSkippingAssignment?: boolean;
  reason?: string | null;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  reason?: string | null;
}

export interface LeaveGroupResult {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface OffsetCommitPartition {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 with an empty member id: a commit from outside group management, allowed while the group is Empty. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** OffsetCommit v2-v4's retention; -1 or absent: the broker's. */
  retentionTimeMs?: number;
  offsets: OffsetCommitPartition[];
}

/** TxnOffsetCommit: offsets committed as part of the producer's transaction. */
export interface TxnOffsetCommitRequest extends OffsetCommitRequest {
  producerId: number;
  producerEpoch: number;
}

export interface PartitionError {
  topic: string;
  partition: number;
  errorCode: number;
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null: every partition the group has an offset for. */
  partitions: TopicPartitionRef[] | null;
  requireStable: boolean;
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  /** -1 when the group has no offset for the partition. */
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface ListGroupsResult {
  errorCode: number;
  groups: { groupId: string; protocolType: string; groupState: string }[];
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }[];
}

export interface OffsetDeleteResult {
  errorCode: number;
  partitions: PartitionError[];
}
