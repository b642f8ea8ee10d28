/**
 * What the group leader runs to split the subscribed partitions among the members
 * (Kafka's ConsumerPartitionAssignor). The result has an entry for every member, empty
 * when it gets nothing; topics missing from `partitionsPerTopic` are not assigned.
 */
import { compareStrings, type ConsumerProtocolSubscription } from '../ConsumerProtocol.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface AssignorMember {
  memberId: string;
  groupInstanceId: string | null;
  subscription: ConsumerProtocolSubscription;
}

export type GroupAssignment = Map<string, TopicPartition[]>;

/** Kafka's RebalanceProtocol: eager revokes everything before a rebalance, cooperative only what moves. */
export type RebalanceProtocol = 'eager' | 'cooperative';

export type AssignorName = 'range' | 'roundrobin' | 'cooperative-sticky';

export interface PartitionAssignor {
  readonly name: AssignorName;
  readonly supportedProtocols: readonly RebalanceProtocol[];
  assign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment;
}

/**
 * Kafka's MemberInfo order: static members first, by group.instance.id, then dynamic
 * ones by member id, so static members keep their place across restarts.
 */
export function compareMembers(a: AssignorMember, b: AssignorMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null)
    return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

export function emptyAssignment(members: readonly AssignorMember[]): GroupAssignment {
  return new Map(members.map((m) => [m.memberId, []]));
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
