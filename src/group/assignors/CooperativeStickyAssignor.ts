/**
 * Kafka's CooperativeStickyAssignor ('cooperative-sticky'), after AbstractStickyAssignor:
 *  - sticky: a member keeps the partitions it owned (its subscription's ownedPartitions)
 *    as far as balance allows; when two members claim one partition, the newer
 *    generation wins, and a claim by two members of the same generation counts for neither;
 *  - balanced: with equal subscriptions every member gets floor or ceil of
 *    partitions/members (Kafka's constrained algorithm); otherwise partitions go to the
 *    least loaded subscribed member and then move from a member with two or more above
 *    another that could take them, until no such move is left;
 *  - cooperative: a partition moving from a current member to another is left out of
 *    the new owner's assignment this time, so the old owner revokes it first and the
 *    rebalance that follows hands it over.
 */
import { compareStrings, flatten } from '../ConsumerProtocol.js';
import {
  emptyAssignment,
  partitionKey,
  type AssignorMember,
  type GroupAssignment,
  type PartitionAssignor,
  type TopicPartition,
} from './PartitionAssignor.js';

const NO_GENERATION = -1;

/** The generation of the member's owned partitions: subscription v2+, else Kafka's v0 user data (one int32). */
function generationOf(member: AssignorMember): number {
  const { generationId, userData } = member.subscription;
  if (generationId >= 0) return generationId;
  return userData !== null && userData.length >= 4 ? userData.readInt32BE(0) : NO_GENERATION;
}

interface Claim {
  readonly memberId: string;
  readonly generation: number;
}

/** What the members claim to own, and which of those claims stand. */
class Ownership {
  /** Every current member claiming each partition. */
  readonly claimants = new Map<string, string[]>();
  /** Each member's standing claims, by partition key. */
  readonly owned = new Map<string, Map<string, TopicPartition>>();

  constructor(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>) {
    const standing = new Map<string, Claim | null>();
    for (const member of members) {
      this.owned.set(member.memberId, new Map());
      const generation = generationOf(member);
      for (const tp of flatten(member.subscription.ownedPartitions)) {
        if (!(tp.partition < (partitionsPerTopic.get(tp.topic) ?? 0))) continue;
        const key = partitionKey(tp.topic, tp.partition);
        this.claimants.set(key, [...(this.claimants.get(key) ?? []), member.memberId]);
        standing.set(key, this.winner(standing, key, { memberId: member.memberId, generation }));
      }
    }
    for (const member of members) {
      for (const tp of flatten(member.subscription.ownedPartitions)) {
        const key = partitionKey(tp.topic, tp.partition);
        if (standing.get(key)?.memberId === member.memberId) this.owned.get(member.memberId)!.set(key, tp);
      }
    }
  }

  private winner(standing: Map<string, Claim | null>, key: string, claim: Claim): Claim | null {
    if (!standing.has(key)) return claim;
    const other = standing.get(key)!;
    if (other === null || claim.generation === other.generation) return null;
    return claim.generation > other.generation ? claim : other;
  }

  ownedBy(memberId: string): TopicPartition[] {
    return [...this.owned.get(memberId)!.values()];
  }

  /** Whether `memberId` taking the partition needs another current member to revoke it first. */
  isTransfer(memberId: string, tp: TopicPartition): boolean {
    const key = partitionKey(tp.topic, tp.partition);
    if (this.owned.get(memberId)!.has(key)) return false;
    return (this.claimants.get(key) ?? []).some((claimant) => claimant !== memberId);
  }
}

function allPartitions(topics: readonly string[], partitionsPerTopic: ReadonlyMap<string, number>): TopicPartition[] {
  return topics.flatMap((topic) =>
    Array.from({ length: partitionsPerTopic.get(topic)! }, (_, partition) => ({ topic, partition })),
  );
}

function sameTopics(members: readonly AssignorMember[]): boolean {
  const first = new Set(members[0]?.subscription.topics ?? []);
  return members.every((m) => {
    const topics = new Set(m.subscription.topics);
    return topics.size === first.size && [...topics].every((t) => first.has(t));
  });
}

/** Owned partitions sorted by partition then topic, as Kafka keeps the lowest-numbered ones. */
function byPartitionThenTopic(a: TopicPartition, b: TopicPartition): number {
  return a.partition - b.partition || compareStrings(a.topic, b.topic);
}

/** Kafka's ConstrainedAssignmentBuilder: every member subscribes to the same topics. */
function assignConstrained(
  memberIds: readonly string[],
  topics: readonly string[],
  partitionsPerTopic: ReadonlyMap<string, number>,
  ownership: Ownership,
): GroupAssignment {
  const all = allPartitions(topics, partitionsPerTopic);
  const minQuota = Math.floor(all.length / memberIds.length);
  const maxQuota = Math.ceil(all.length / memberIds.length);
  const expectedOverMin = all.length % memberIds.length;
  let overMin = 0;
  const assignment: GroupAssignment = new Map(memberIds.map((id) => [id, []]));
  const assigned = new Set<string>();
  const underMin: string[] = [];
  let atMin: string[] = [];
  const keep = (memberId: string, partitions: TopicPartition[]): void => {
    assignment.get(memberId)!.push(...partitions);
    for (const tp of partitions) assigned.add(partitionKey(tp.topic, tp.partition));
  };
  for (const memberId of memberIds) {
    const owned = ownership.ownedBy(memberId).sort(byPartitionThenTopic);
    if (owned.length < minQuota) {
      keep(memberId, owned);
      underMin.push(memberId);
    } else if (owned.length >= maxQuota && overMin < expectedOverMin) {
      keep(memberId, owned.slice(0, maxQuota));
      if (++overMin === expectedOverMin) atMin = [];
    } else {
      keep(memberId, owned.slice(0, minQuota));
      if (overMin < expectedOverMin) atMin.push(memberId);
    }
  }
  underMin.sort(compareStrings);
  atMin.sort(compareStrings);
  let cursor = 0;
  for (const tp of all.filter((p) => !assigned.has(partitionKey(p.topic, p.partition)))) {
    let memberId: string;
    if (underMin.length > 0) {
      cursor %= underMin.length;
      memberId = underMin[cursor]!;
    } else {
      memberId = atMin.shift()!;
    }
    const count = assignment.get(memberId)!.push(tp);
    if (count === minQuota && underMin[cursor] === memberId) {
      underMin.splice(cursor, 1);
      atMin.push(memberId);
    } else if (underMin[cursor] === memberId) {
      cursor++;
    }
  }
  return assignment;
}

/**
 * Different subscriptions: owned partitions stay while their member still subscribes,
 * the rest go to the least loaded subscribed member (topics with fewer subscribers
 * first), then partitions move while a member holds two or more above another member
 * that could take one. Each move lowers the sum of squared counts, so this ends.
 */
function assignGeneral(
  members: readonly AssignorMember[],
  topics: readonly string[],
  partitionsPerTopic: ReadonlyMap<string, number>,
  ownership: Ownership,
): GroupAssignment {
  const assignment = emptyAssignment(members);
  const subscribed = new Map(members.map((m) => [m.memberId, new Set(m.subscription.topics)]));
  const assigned = new Set<string>();
  for (const member of members) {
    for (const tp of ownership.ownedBy(member.memberId)) {
      if (!subscribed.get(member.memberId)!.has(tp.topic)) continue;
      assignment.get(member.memberId)!.push(tp);
      assigned.add(partitionKey(tp.topic, tp.partition));
    }
  }
  const subscribers = (topic: string): string[] =>
    members.filter((m) => subscribed.get(m.memberId)!.has(topic)).map((m) => m.memberId);
  const leastLoaded = (candidates: readonly string[]): string =>
    candidates.reduce((best, id) => {
      const diff = assignment.get(id)!.length - assignment.get(best)!.length;
      return diff < 0 || (diff === 0 && compareStrings(id, best) < 0) ? id : best;
    });
  const order = [...topics].sort((a, b) => subscribers(a).length - subscribers(b).length || compareStrings(a, b));
  for (const tp of allPartitions(order, partitionsPerTopic)) {
    const candidates = subscribers(tp.topic);
    if (candidates.length === 0 || assigned.has(partitionKey(tp.topic, tp.partition))) continue;
    assignment.get(leastLoaded(candidates))!.push(tp);
  }
  while (moveOne(assignment, subscribers, leastLoaded));
  return assignment;
}

/** Moves one partition from a member to a subscribed one with two or more fewer, newest-assigned partitions first. */
function moveOne(
  assignment: GroupAssignment,
  subscribers: (topic: string) => string[],
  leastLoaded: (ids: readonly string[]) => string,
): boolean {
  const donors = [...assignment.keys()].sort(
    (a, b) => assignment.get(b)!.length - assignment.get(a)!.length || compareStrings(a, b),
  );
  for (const donor of donors) {
    const partitions = assignment.get(donor)!;
    for (let i = partitions.length - 1; i >= 0; i--) {
      const taker = leastLoaded(subscribers(partitions[i]!.topic));
      if (assignment.get(taker)!.length + 1 < partitions.length) {
        assignment.get(taker)!.push(...partitions.splice(i, 1));
        return true;
      }
    }
  }
  return false;
}

export class CooperativeStickyAssignor implements PartitionAssignor {
  readonly name = 'cooperative-sticky';
  readonly supportedProtocols = ['cooperative', 'eager'] as const;

  assign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment {
    if (members.length === 0) return new Map();
    const sorted = [...members].sort((a, b) => compareStrings(a.memberId, b.memberId));
    const topics = [...new Set(sorted.flatMap((m) => m.subscription.topics))]
      .filter((t) => partitionsPerTopic.has(t))
      .sort(compareStrings);
    const subscribedCounts = new Map(topics.map((t) => [t, partitionsPerTopic.get(t)!]));
    const ownership = new Ownership(sorted, subscribedCounts);
    const assignment = sameTopics(sorted)
      ? assignConstrained(
          sorted.map((m) => m.memberId),
          topics,
          subscribedCounts,
          ownership,
        )
      : assignGeneral(sorted, topics, subscribedCounts, ownership);
    for (const [memberId, partitions] of assignment) {
      assignment.set(
        memberId,
        partitions.filter((tp) => !ownership.isTransfer(memberId, tp)),
      );
    }
    return assignment;
  }
}
