import { describe, expect, test } from 'vitest';
import { groupByTopic } from '../../../src/group/ConsumerProtocol.js';
import { CooperativeStickyAssignor } from '../../../src/group/assignors/CooperativeStickyAssignor.js';
import type { AssignorMember, GroupAssignment } from '../../../src/group/assignors/PartitionAssignor.js';
import { Rng } from '../../helpers/random.js';
import { counts, expectValid, members, names, partitions, sortedNames } from './members.js';

const sticky = new CooperativeStickyAssignor();

/** The members' next subscriptions: each now owns what it was assigned, in the next generation. */
function afterRebalance(input: AssignorMember[], assignment: GroupAssignment, generation: number): AssignorMember[] {
  return input.map((m) => ({
    ...m,
    subscription: {
      ...m.subscription,
      ownedPartitions: groupByTopic(assignment.get(m.memberId)!),
      generationId: generation,
    },
  }));
}

function ownedKeys(member: AssignorMember): string[] {
  return member.subscription.ownedPartitions.flatMap(({ topic, partitions: ps }) => ps.map((p) => `${topic}p${p}`));
}

describe('CooperativeStickyAssignor', () => {
  test("StickyAssignor's javadoc example 1: a fresh group as round robin deals it; after C1 leaves, C0 and C2 keep all they had", () => {
    const counts_ = partitions({ t0: 2, t1: 2, t2: 2, t3: 2 });
    const topics = ['t0', 't1', 't2', 't3'];
    const fresh = members({ C0: { topics }, C1: { topics }, C2: { topics } });
    const first = sticky.assign(fresh, counts_);
    expect(names(first)).toEqual({ C0: ['t0p0', 't1p1', 't3p0'], C1: ['t0p1', 't2p0', 't3p1'], C2: ['t1p0', 't2p1'] });
    const remaining = afterRebalance(fresh, first, 1).filter((m) => m.memberId !== 'C1');
    const second = sticky.assign(remaining, counts_);
    expectValid(second, remaining, counts_);
    expect(counts(second)).toEqual([4, 4]);
    expect(names(second).C0).toEqual(expect.arrayContaining(['t0p0', 't1p1', 't3p0']));
    expect(names(second).C2).toEqual(expect.arrayContaining(['t1p0', 't2p1']));
  });

  test("StickyAssignor's javadoc example 2: unequal subscriptions balance better than round robin, and C0 leaving moves only t0p0", () => {
    const counts_ = partitions({ t0: 1, t1: 2, t2: 3 });
    const fresh = members({ C0: { topics: ['t0'] }, C1: { topics: ['t0', 't1'] }, C2: { topics: ['t0', 't1', 't2'] } });
    const first = sticky.assign(fresh, counts_);
    expect(sortedNames(first)).toEqual({ C0: ['t0p0'], C1: ['t1p0', 't1p1'], C2: ['t2p0', 't2p1', 't2p2'] });
    const remaining = afterRebalance(fresh, first, 1).filter((m) => m.memberId !== 'C0');
    expect(sortedNames(sticky.assign(remaining, counts_))).toEqual({
      C1: ['t0p0', 't1p0', 't1p1'],
      C2: ['t2p0', 't2p1', 't2p2'],
    });
  });

  test('cooperative: a joining member gets a partition only in the rebalance after its owner revoked it', () => {
    const topics = ['t'];
    const counts_ = partitions({ t: 6 });
    const owners = members({
      C0: { topics, owned: ['tp0', 'tp1'], generation: 3 },
      C1: { topics, owned: ['tp2', 'tp3'], generation: 3 },
      C2: { topics, owned: ['tp4', 'tp5'], generation: 3 },
      C3: { topics },
    });
    const first = sticky.assign(owners, counts_);
    expect(sortedNames(first)).toEqual({ C0: ['tp0', 'tp1'], C1: ['tp2', 'tp3'], C2: ['tp4'], C3: [] });
    const second = sticky.assign(afterRebalance(owners, first, 4), counts_);
    expect(sortedNames(second)).toEqual({ C0: ['tp0', 'tp1'], C1: ['tp2', 'tp3'], C2: ['tp4'], C3: ['tp5'] });
  });

  test('two claims on one partition: the newer generation keeps it; a claim by two members of one generation stands for neither', () => {
    const counts_ = partitions({ t: 2 });
    const newer = members({
      A: { topics: ['t'], owned: ['tp0'], generation: 5 },
      B: { topics: ['t'], owned: ['tp0', 'tp1'], generation: 4 },
    });
    expect(sortedNames(sticky.assign(newer, counts_))).toEqual({ A: ['tp0'], B: ['tp1'] });
    const same = members({
      A: { topics: ['t'], owned: ['tp0'], generation: 5 },
      B: { topics: ['t'], owned: ['tp0'], generation: 5 },
    });
    const assignment = sticky.assign(same, counts_);
    expect(names(assignment).A!.concat(names(assignment).B!)).toEqual(['tp1']);
  });

  test('generation from the v0 user data (one int32) when the subscription has none', () => {
    const counts_ = partitions({ t: 2 });
    const input = members({ A: { topics: ['t'], owned: ['tp0'] }, B: { topics: ['t'], owned: ['tp0', 'tp1'] } });
    input[0]!.subscription.userData = Buffer.from([0, 0, 0, 9]);
    input[1]!.subscription.userData = Buffer.from([0, 0, 0, 8]);
    expect(sortedNames(sticky.assign(input, counts_))).toEqual({ A: ['tp0'], B: ['tp1'] });
  });

  test('property: over random joins and leaves, never a partition to a new owner while another member holds it; sticky; converges valid and balanced', () => {
    const rng = new Rng(2024);
    for (let scenario = 0; scenario < 40; scenario++) {
      const equal = rng.oneIn(2);
      const allTopics = ['a', 'b', 'c', 'd'];
      const counts_ = partitions(Object.fromEntries(allTopics.map((t) => [t, rng.int(0, 8)])));
      let group: AssignorMember[] = [];
      let nextId = 0;
      for (let generation = 1; generation <= 12; generation++) {
        const join = group.length === 0 || rng.oneIn(3);
        if (join) {
          const topics = equal ? allTopics : allTopics.filter(() => !rng.oneIn(2));
          group.push(...members({ [`m${String(nextId++).padStart(2, '0')}`]: { topics } }));
        } else if (group.length > 1 && rng.oneIn(3)) {
          group.splice(rng.int(0, group.length - 1), 1);
        }
        const assignment = sticky.assign(group, counts_);
        checkRound(group, assignment, equal ? [...counts_.values()].reduce((a, b) => a + b, 0) : null);
        group = afterRebalance(group, assignment, generation);
      }
      const settled = sticky.assign(group, counts_);
      expectValid(settled, group, counts_);
      if (equal) expect(Math.max(...counts(settled)) - Math.min(...counts(settled))).toBeLessThanOrEqual(1);
    }
  });
});

/** What must hold of any one rebalance's result. */
function checkRound(group: AssignorMember[], assignment: GroupAssignment, totalIfEqual: number | null): void {
  const claimedBy = new Map<string, string>();
  for (const m of group) for (const key of ownedKeys(m)) claimedBy.set(key, m.memberId);
  const given = new Set<string>();
  for (const m of group) {
    const owned = new Set(ownedKeys(m));
    const mine = (assignment.get(m.memberId) ?? []).map((p) => `${p.topic}p${p.partition}`);
    for (const key of mine) {
      expect(given.has(key)).toBe(false);
      given.add(key);
      const owner = claimedBy.get(key);
      if (owner !== undefined && owner !== m.memberId)
        throw new Error(`${key} moved from ${owner} to ${m.memberId} without revocation`);
    }
    if (totalIfEqual !== null) {
      const minQuota = Math.floor(totalIfEqual / group.length);
      expect(mine.filter((k) => owned.has(k)).length).toBeGreaterThanOrEqual(Math.min(owned.size, minQuota));
    }
  }
}
