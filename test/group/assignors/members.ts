/** Building assignor input and reading its output in the tests' shorthand: 't0p1' is partition 1 of t0. */
import { expect } from 'vitest';
import { groupByTopic } from '../../../src/group/ConsumerProtocol.js';
import type {
  AssignorMember,
  GroupAssignment,
  TopicPartition,
} from '../../../src/group/assignors/PartitionAssignor.js';

export interface MemberSpec {
  topics: string[];
  owned?: string[];
  generation?: number;
  instance?: string;
}

export function tp(name: string): TopicPartition {
  const match = /^(.+)p(\d+)$/.exec(name)!;
  return { topic: match[1]!, partition: Number(match[2]) };
}

export function members(specs: Record<string, MemberSpec>): AssignorMember[] {
  return Object.entries(specs).map(([memberId, spec]) => ({
    memberId,
    groupInstanceId: spec.instance ?? null,
    subscription: {
      topics: spec.topics,
      userData: null,
      ownedPartitions: groupByTopic((spec.owned ?? []).map(tp)),
      generationId: spec.generation ?? -1,
      rackId: null,
    },
  }));
}

export function partitions(counts: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(counts));
}

/** Each member's partitions as 't0p1' names, in the order given. */
export function names(assignment: GroupAssignment): Record<string, string[]> {
  return Object.fromEntries([...assignment].map(([id, list]) => [id, list.map((p) => `${p.topic}p${p.partition}`)]));
}

/** Each member's partitions as sorted names, for results whose order within a member does not matter. */
export function sortedNames(assignment: GroupAssignment): Record<string, string[]> {
  return Object.fromEntries(Object.entries(names(assignment)).map(([id, list]) => [id, list.sort()]));
}

/** Every partition of a subscribed topic assigned exactly once, and only to a member subscribed to its topic. */
export function expectValid(assignment: GroupAssignment, input: AssignorMember[], counts: Map<string, number>): void {
  const seen = new Map<string, string>();
  for (const member of input) {
    for (const { topic, partition } of assignment.get(member.memberId)!) {
      expect(member.subscription.topics).toContain(topic);
      const key = `${topic}p${partition}`;
      expect(seen.get(key), `${key} assigned twice`).toBeUndefined();
      seen.set(key, member.memberId);
    }
  }
  const subscribed = new Set(input.flatMap((m) => m.subscription.topics));
  const expected = [...counts].filter(([t]) => subscribed.has(t)).reduce((sum, [, n]) => sum + n, 0);
  expect(seen.size).toBe(expected);
  expect(assignment.size).toBe(input.length);
}

export function counts(assignment: GroupAssignment): number[] {
  return [...assignment.values()].map((l) => l.length);
}
