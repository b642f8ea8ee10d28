/**
 * Kafka's RoundRobinAssignor ('roundrobin'): every partition of every subscribed topic,
 * topics in name order, is dealt to the members in MemberInfo order, skipping a member
 * not subscribed to the partition's topic. With equal subscriptions counts differ by at
 * most one.
 */
import { compareStrings } from '../ConsumerProtocol.js';
import {
  compareMembers,
  emptyAssignment,
  type AssignorMember,
  type GroupAssignment,
  type PartitionAssignor,
} from './PartitionAssignor.js';

export class RoundRobinAssignor implements PartitionAssignor {
  readonly name = 'roundrobin';
  readonly supportedProtocols = ['eager'] as const;

  assign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment {
    const assignment = emptyAssignment(members);
    const ring = [...members].sort(compareMembers);
    const topics = [...new Set(members.flatMap((m) => m.subscription.topics))]
      .filter((t) => partitionsPerTopic.has(t))
      .sort(compareStrings);
    let next = 0;
    for (const topic of topics) {
      for (let partition = 0; partition < partitionsPerTopic.get(topic)!; partition++) {
        while (!ring[next]!.subscription.topics.includes(topic)) next = (next + 1) % ring.length;
        assignment.get(ring[next]!.memberId)!.push({ topic, partition });
        next = (next + 1) % ring.length;
      }
    }
    return assignment;
  }
}
