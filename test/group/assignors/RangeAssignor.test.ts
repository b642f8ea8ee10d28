import { describe, expect, test } from 'vitest';
import { RangeAssignor } from '../../../src/group/assignors/RangeAssignor.js';
import { Rng } from '../../helpers/random.js';
import { counts, expectValid, members, names, partitions } from './members.js';

const range = new RangeAssignor();

describe('RangeAssignor', () => {
  test("the javadoc's example: two consumers, two topics of three partitions", () => {
    const input = members({ C0: { topics: ['t0', 't1'] }, C1: { topics: ['t0', 't1'] } });
    expect(names(range.assign(input, partitions({ t0: 3, t1: 3 })))).toEqual({
      C0: ['t0p0', 't0p1', 't1p0', 't1p1'],
      C1: ['t0p2', 't1p2'],
    });
  });

  test("the javadoc's static membership example: group.instance.id order, whatever the member ids", () => {
    const input = members({
      C3: { topics: ['t0', 't1'], instance: 'I0' },
      C2: { topics: ['t0', 't1'], instance: 'I1' },
    });
    expect(names(range.assign(input, partitions({ t0: 3, t1: 3 })))).toEqual({
      C3: ['t0p0', 't0p1', 't1p0', 't1p1'],
      C2: ['t0p2', 't1p2'],
    });
  });

  test('static members come before dynamic ones; a topic without metadata and an unsubscribed member get nothing', () => {
    const input = members({ a: { topics: ['t'] }, z: { topics: ['t'], instance: 'i' }, idle: { topics: ['gone'] } });
    expect(names(range.assign(input, partitions({ t: 3 })))).toEqual({ a: ['tp2'], z: ['tp0', 'tp1'], idle: [] });
  });

  test('property: valid, and per topic the subscribers differ by at most one', () => {
    const rng = new Rng(41);
    for (let round = 0; round < 200; round++) {
      const topics = ['a', 'b', 'c'].slice(0, rng.int(1, 3));
      const input = members(
        Object.fromEntries(
          Array.from({ length: rng.int(1, 6) }, (_, i) => [`m${i}`, { topics: topics.filter(() => !rng.oneIn(3)) }]),
        ),
      );
      const counts_ = partitions(Object.fromEntries(topics.map((t) => [t, rng.int(0, 9)])));
      const assignment = range.assign(input, counts_);
      expectValid(assignment, input, counts_);
      for (const topic of topics) {
        const perMember = input
          .filter((m) => m.subscription.topics.includes(topic))
          .map((m) => assignment.get(m.memberId)!.filter((p) => p.topic === topic).length);
        if (perMember.length > 0) expect(Math.max(...perMember) - Math.min(...perMember)).toBeLessThanOrEqual(1);
      }
      expect(counts(assignment).length).toBe(input.length);
    }
  });
});
