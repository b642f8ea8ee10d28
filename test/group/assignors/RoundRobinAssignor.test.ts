import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { RoundRobinAssignor } from '../../../src/group/assignors/RoundRobinAssignor.js';
import { Rng } from '../../helpers/random.js';
import { counts, expectValid, members, names, partitions } from './members.js';

const roundRobin = new RoundRobinAssignor();

const require = createRequire(import.meta.url);
type KafkajsAssigner = (options: {
  cluster: { findTopicPartitionMetadata(topic: string): { partitionId: number }[] };
}) => {
  assign(group: {
    members: { memberId: string }[];
    topics: string[];
  }): Promise<{ memberId: string; memberAssignment: Buffer }[]>;
};
const KafkajsRoundRobin = require('kafkajs/src/consumer/assigners/roundRobinAssigner/index.js') as KafkajsAssigner;
const { MemberAssignment } = require('kafkajs/src/consumer/assignerProtocol.js') as {
  MemberAssignment: { decode(b: Buffer): { assignment: Record<string, number[]> } };
};

/** kafkajs' RoundRobinAssigner, each member's partitions as 't0p1' names. */
async function kafkajsRoundRobin(
  memberIds: string[],
  counts_: Map<string, number>,
  topics: string[],
): Promise<Record<string, string[]>> {
  const cluster = {
    findTopicPartitionMetadata: (topic: string) =>
      Array.from({ length: counts_.get(topic)! }, (_, partitionId) => ({ partitionId })),
  };
  const result = await KafkajsRoundRobin({ cluster }).assign({
    members: memberIds.map((memberId) => ({ memberId })),
    topics,
  });
  const out: Record<string, string[]> = Object.fromEntries(memberIds.map((id) => [id, []]));
  for (const { memberId, memberAssignment } of result) {
    const { assignment } = MemberAssignment.decode(memberAssignment);
    out[memberId] = Object.entries(assignment).flatMap(([topic, ps]) => ps.map((p) => `${topic}p${p}`));
  }
  return out;
}

describe('RoundRobinAssignor', () => {
  test("the javadoc's examples", () => {
    const equal = members({ C0: { topics: ['t0', 't1'] }, C1: { topics: ['t0', 't1'] } });
    expect(names(roundRobin.assign(equal, partitions({ t0: 3, t1: 3 })))).toEqual({
      C0: ['t0p0', 't0p2', 't1p1'],
      C1: ['t0p1', 't1p0', 't1p2'],
    });
    const unequal = members({
      C0: { topics: ['t0'] },
      C1: { topics: ['t0', 't1'] },
      C2: { topics: ['t0', 't1', 't2'] },
    });
    expect(names(roundRobin.assign(unequal, partitions({ t0: 1, t1: 2, t2: 3 })))).toEqual({
      C0: ['t0p0'],
      C1: ['t1p0'],
      C2: ['t1p1', 't2p0', 't2p1', 't2p2'],
    });
    const three = members({ C0: { topics: ['t0', 't1'] }, C1: { topics: ['t0', 't1'] }, C2: { topics: ['t0', 't1'] } });
    expect(names(roundRobin.assign(three, partitions({ t0: 3, t1: 3 })))).toEqual({
      C0: ['t0p0', 't1p0'],
      C1: ['t0p1', 't1p1'],
      C2: ['t0p2', 't1p2'],
    });
  });

  test("the javadoc's rolling bounce: with group.instance.id the assignment stays with the instance", () => {
    const bounced = members({
      C5: { topics: ['t0', 't1'], instance: 'I0' },
      C3: { topics: ['t0', 't1'], instance: 'I1' },
      C4: { topics: ['t0', 't1'], instance: 'I2' },
    });
    expect(names(roundRobin.assign(bounced, partitions({ t0: 3, t1: 3 })))).toEqual({
      C5: ['t0p0', 't1p0'],
      C3: ['t0p1', 't1p1'],
      C4: ['t0p2', 't1p2'],
    });
  });

  test('property: valid, and with equal subscriptions counts differ by at most one', () => {
    const rng = new Rng(7);
    for (let round = 0; round < 200; round++) {
      const topics = ['x', 'y', 'z'].slice(0, rng.int(1, 3));
      const input = members(
        Object.fromEntries(Array.from({ length: rng.int(1, 7) }, (_, i) => [`member-${i}`, { topics }])),
      );
      const counts_ = partitions(Object.fromEntries(topics.map((t) => [t, rng.int(0, 12)])));
      const assignment = roundRobin.assign(input, counts_);
      expectValid(assignment, input, counts_);
      expect(Math.max(...counts(assignment)) - Math.min(...counts(assignment))).toBeLessThanOrEqual(1);
    }
  });

  test('kafkajs RoundRobinAssigner agrees when every member subscribes to every topic and topics come sorted (it does not sort them, nor skip unsubscribed members)', async () => {
    const rng = new Rng(99);
    for (let round = 0; round < 100; round++) {
      const topics = ['alpha', 'beta', 'gamma'].slice(0, rng.int(1, 3));
      const ids = Array.from({ length: rng.int(1, 6) }, () => `consumer-${rng.u32().toString(16)}`);
      const counts_ = partitions(Object.fromEntries(topics.map((t) => [t, rng.int(1, 10)])));
      const ours = names(roundRobin.assign(members(Object.fromEntries(ids.map((id) => [id, { topics }]))), counts_));
      expect(ours).toEqual(await kafkajsRoundRobin(ids, counts_, topics));
    }
    const unsorted = await kafkajsRoundRobin(['a', 'b'], partitions({ x: 1, y: 1 }), ['y', 'x']);
    expect(unsorted).toEqual({ a: ['yp0'], b: ['xp0'] });
  });
});
