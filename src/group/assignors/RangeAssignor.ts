/**
 * Kafka's RangeAssignor ('range'): topic by topic, the partitions in order are cut into
 * consecutive ranges, one per subscribed member in MemberInfo order; the first
 * `partitions % members` members get one extra. Kafka's rack-aware variant needs
 * replica racks, which a single node does not have, so it is left out.
 */
import { compareStrings } from '../ConsumerProtocol.js';
import {
  compareMembers,
  emptyAssignment,
  type AssignorMember,
  type GroupAssignment,
  type PartitionAssignor,
} from './PartitionAssignor.js';

export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';
  readonly supportedProtocols = ['eager'] as const;

  assign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment {
    const assignment = emptyAssignment(members);
    for (const topic of [...partitionsPerTopic.keys()].sort(compareStrings)) {
      const consumers = members.filter((m) => m.subscription.topics.includes(topic)).sort(compareMembers);
      if (consumers.length === 0) continue;
      const count = partitionsPerTopic.get(topic)!;
      const perConsumer = Math.floor(count / consumers.length);
      const withExtra = count % consumers.length;
      consumers.forEach((consumer, i) => {
        const start = perConsumer * i + Math.min(i, withExtra);
        const length = perConsumer + (i < withExtra ? 1 : 0);
        const target = assignment.get(consumer.memberId)!;
        for (let p = start; p < start + length; p++) target.push({ topic, partition: p });
      });
    }
    return assignment;
  }
}
