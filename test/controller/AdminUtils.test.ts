/**
 * Replica assignment against Kafka's own cases: AdminRackAwareTest (core/src/test/scala/unit/
 * kafka/admin), its RackAwareTest.checkReplicaDistribution, and AdminZkClient's rules for
 * CreatePartitions (createNewPartitionsAssignment, validateReplicaAssignment).
 */
import { describe, expect, test } from 'vitest';
import {
  assignReplicasToBrokers,
  createNewPartitionsAssignment,
  getRackAlternatedBrokerList,
  type BrokerMetadata,
  type PartitionAssignments,
} from '../../src/controller/AdminUtils.js';
import { isTributaryError } from '../../src/errors.js';

const unaware = (ids: readonly number[]): BrokerMetadata[] => ids.map((id) => ({ id }));
const racked = (racks: Record<number, string>): BrokerMetadata[] =>
  Object.entries(racks).map(([id, rack]) => ({ id: Number(id), rack }));
const asObject = (a: PartitionAssignments): Record<number, number[]> => Object.fromEntries(a);

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isTributaryError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a TributaryError');
}

/** RackAwareTest.checkReplicaDistribution */
function checkReplicaDistribution(
  assignment: PartitionAssignments,
  racks: Record<number, string>,
  numPartitions: number,
  replicationFactor: number,
  verify = { rackAware: true, leaders: true, replicas: true },
): void {
  const numBrokers = Object.keys(racks).length;
  const leaderCount = new Map<number, number>();
  const replicaCount = new Map<number, number>();
  for (const replicas of assignment.values()) {
    expect(new Set(replicas).size).toBe(replicas.length);
    leaderCount.set(replicas[0]!, (leaderCount.get(replicas[0]!) ?? 0) + 1);
    for (const r of replicas) replicaCount.set(r, (replicaCount.get(r) ?? 0) + 1);
    if (verify.rackAware) expect(new Set(replicas.map((r) => racks[r])).size).toBe(replicationFactor);
  }
  expect(assignment.size).toBe(numPartitions);
  if (verify.leaders) expect([...leaderCount.values()]).toEqual(Array(numBrokers).fill(numPartitions / numBrokers));
  if (verify.replicas)
    expect([...replicaCount.values()]).toEqual(
      Array(numBrokers).fill((numPartitions * replicationFactor) / numBrokers),
    );
}

describe('assignReplicasToBrokers, rack-unaware', () => {
  test('AdminRackAwareTest.testReplicaAssignment: 5 brokers, 10 partitions, RF 3, start 0', () => {
    expect(asObject(assignReplicasToBrokers(unaware([0, 1, 2, 3, 4]), 10, 3, { fixedStartIndex: 0 }))).toEqual({
      0: [0, 1, 2],
      1: [1, 2, 3],
      2: [2, 3, 4],
      3: [3, 4, 0],
      4: [4, 0, 1],
      5: [0, 2, 3],
      6: [1, 3, 4],
      7: [2, 4, 0],
      8: [3, 0, 1],
      9: [4, 1, 2],
    });
  });

  test('the start index and the shift are drawn, in that order, from the random source (RAND.nextInt(brokers))', () => {
    const draws = [3, 1];
    const bounds: number[] = [];
    const random = (bound: number): number => (bounds.push(bound), draws.shift()!);
    const drawn = assignReplicasToBrokers(unaware([0, 1, 2, 3, 4]), 10, 3, { random });
    expect(bounds).toEqual([5, 5]);
    // The javadoc table of AdminUtils: start index 3 puts p0 on broker 3; shift 1 puts its second replica two on.
    expect(drawn.get(0)).toEqual([3, 0, 1]);
    expect(drawn.get(2)).toEqual([0, 2, 3]);
    // The partition id wrapping the broker count (p5) bumps the shift: second replica three on.
    expect(drawn.get(5)).toEqual([3, 1, 2]);
  });

  test("Kafka's errors and messages: partitions, replication factor, incomplete racks", () => {
    const brokers = unaware([0, 1, 2, 3, 4]);
    expect(thrown(() => assignReplicasToBrokers(brokers, 0, 1))).toEqual({
      code: 'ERR_INVALID_PARTITIONS',
      message: 'Number of partitions must be larger than 0.',
    });
    expect(thrown(() => assignReplicasToBrokers(brokers, 10, 0))).toEqual({
      code: 'ERR_INVALID_REPLICATION_FACTOR',
      message: 'Replication factor must be larger than 0.',
    });
    expect(thrown(() => assignReplicasToBrokers(unaware([7]), 10, 3))).toEqual({
      code: 'ERR_INVALID_REPLICATION_FACTOR',
      message: 'Replication factor: 3 larger than available brokers: 1.',
    });
    expect(thrown(() => assignReplicasToBrokers([{ id: 0, rack: 'a' }, { id: 1 }], 1, 1))).toEqual({
      code: 'ERR_ADMIN_OPERATION',
      message: 'Not all brokers have rack information for replica rack aware assignment.',
    });
  });
});

describe('assignReplicasToBrokers, rack-aware (AdminRackAwareTest)', () => {
  const sixOnThree = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1' };

  test('testGetRackAlternatedBrokerListAndAssignReplicasToBrokers', () => {
    const rackMap = { 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' };
    const asMap = (r: Record<number, string>): Map<number, string> =>
      new Map(Object.entries(r).map(([id, rack]) => [Number(id), rack]));
    expect(getRackAlternatedBrokerList(asMap(rackMap))).toEqual([0, 3, 1, 5, 4, 2]);
    const { 5: _dropped, ...withoutFive } = rackMap;
    expect(getRackAlternatedBrokerList(asMap(withoutFive))).toEqual([0, 3, 1, 4, 2]);
    expect(
      asObject(assignReplicasToBrokers(racked(rackMap), 7, 3, { fixedStartIndex: 0, startPartitionId: 0 })),
    ).toEqual({ 0: [0, 3, 1], 1: [3, 1, 5], 2: [1, 5, 4], 3: [5, 4, 2], 4: [4, 2, 0], 5: [2, 0, 3], 6: [0, 4, 2] });
  });

  test.each([
    ['testAssignmentWithRackAware', sixOnThree, 6, 3, { fixedStartIndex: 2 }],
    ['testAssignmentWithRackAwareWithRandomStartIndex', sixOnThree, 6, 3, {}],
    ['testAssignmentWith2ReplicasRackAware', sixOnThree, 12, 2, {}],
    ['testAssignmentWith2ReplicasRackAwareWith6Partitions', sixOnThree, 6, 2, {}],
    [
      'testAssignmentWith2ReplicasRackAwareWith6PartitionsAnd3Brokers',
      { 0: 'rack1', 1: 'rack2', 4: 'rack3' },
      3,
      2,
      {},
    ],
    [
      'testRackAwareExpansion',
      { 6: 'rack1', 7: 'rack2', 8: 'rack2', 9: 'rack3', 10: 'rack3', 11: 'rack1' },
      12,
      2,
      { startPartitionId: 12 },
    ],
    [
      'testLargeNumberPartitionsAssignment',
      {
        0: 'rack1',
        1: 'rack2',
        2: 'rack2',
        3: 'rack3',
        4: 'rack3',
        5: 'rack1',
        6: 'rack1',
        7: 'rack2',
        8: 'rack2',
        9: 'rack3',
        10: 'rack1',
        11: 'rack3',
      },
      96,
      3,
      {},
    ],
  ] as const)('%s: even leaders and replicas, one replica per rack', (_name, racks, partitions, rf, options) => {
    checkReplicaDistribution(assignReplicasToBrokers(racked(racks), partitions, rf, options), racks, partitions, rf);
  });

  test('testAssignmentWithRackAwareWithUnevenReplicas and ...UnevenRacks', () => {
    checkReplicaDistribution(
      assignReplicasToBrokers(racked(sixOnThree), 13, 3, { fixedStartIndex: 0 }),
      sixOnThree,
      13,
      3,
      {
        rackAware: true,
        leaders: false,
        replicas: false,
      },
    );
    const uneven = { 0: 'rack1', 1: 'rack1', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1' };
    checkReplicaDistribution(assignReplicasToBrokers(racked(uneven), 12, 3), uneven, 12, 3, {
      rackAware: true,
      leaders: true,
      replicas: false,
    });
  });

  test('testMoreReplicasThanRacks, testLessReplicasThanRacks, testSingleRack', () => {
    const racks = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack2' };
    const rackCount = (a: PartitionAssignments, r: Record<number, string>): number[] =>
      [...a.values()].map((replicas) => new Set(replicas.map((b) => r[b])).size);
    expect(rackCount(assignReplicasToBrokers(racked(racks), 6, 5), racks)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(rackCount(assignReplicasToBrokers(racked(racks), 6, 2), racks)).toEqual([2, 2, 2, 2, 2, 2]);
    const single = { 0: 'rack1', 1: 'rack1', 2: 'rack1', 3: 'rack1', 4: 'rack1', 5: 'rack1' };
    const assignment = assignReplicasToBrokers(racked(single), 6, 3);
    expect(rackCount(assignment, single)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(new Set([...assignment.values()].map((r) => r[0])).size).toBe(6);
  });

  test('testSkipBrokerWithReplicaAlreadyAssigned: more replicas than racks, no broker twice', () => {
    const racks = { 0: 'a', 1: 'b', 2: 'c', 3: 'a', 4: 'a' };
    checkReplicaDistribution(assignReplicasToBrokers(racked(racks), 6, 4, { fixedStartIndex: 2 }), racks, 6, 4, {
      rackAware: false,
      leaders: false,
      replicas: false,
    });
  });
});

describe('createNewPartitionsAssignment (AdminZkClient, CreatePartitions)', () => {
  const brokers = unaware([0, 1, 2, 3, 4]);

  test('new partitions continue the round robin from the broker of partition 0, fixed shift, from the existing count', () => {
    const existing = assignReplicasToBrokers(brokers, 3, 3, { fixedStartIndex: 2 });
    expect(existing.get(0)![0]).toBe(2);
    const added = createNewPartitionsAssignment('t', existing, brokers, 10);
    // The same as a topic assigned whole with fixedStartIndex 2: partition ids 3..9 of it.
    const whole = assignReplicasToBrokers(brokers, 10, 3, { fixedStartIndex: 2 });
    expect(asObject(added)).toEqual(Object.fromEntries([...whole].filter(([p]) => p >= 3)));
  });

  test('the start index is that of the first broker with an id at least partition 0 leader (a broker gone)', () => {
    const fewer = unaware([0, 1, 3, 4]);
    const added = createNewPartitionsAssignment('t', new Map([[0, [2, 3]]]), fewer, 2);
    // Broker 2 is gone; broker 3 (index 2) takes its place: p1 = (1 + 2) % 4 = broker 4.
    expect(added.get(1)![0]).toBe(4);
    expect(added.get(1)).toHaveLength(2);
  });

  test("Kafka's errors: no increase, missing partition 0, manual assignments", () => {
    const existing = new Map([[0, [0, 1]]]);
    expect(thrown(() => createNewPartitionsAssignment('t', existing, brokers, 1))).toEqual({
      code: 'ERR_INVALID_PARTITIONS',
      message:
        'The number of partitions for a topic can only be increased. Topic t currently has 1 partitions, 1 would not be an increase.',
    });
    expect(thrown(() => createNewPartitionsAssignment('t', new Map([[1, [0]]]), brokers, 3)).code).toBe(
      'ERR_ADMIN_OPERATION',
    );
    // AddPartitionsTest.testWrongReplicaCount
    expect(thrown(() => createNewPartitionsAssignment('t', existing, brokers, 2, new Map([[1, [0, 1, 2]]])))).toEqual({
      code: 'ERR_INVALID_REPLICA_ASSIGNMENT',
      message:
        'Inconsistent replication factor between partitions, partition 0 has 2 while partitions [1] have replication factors [3], respectively.',
    });
    expect(thrown(() => createNewPartitionsAssignment('t', existing, brokers, 2, new Map([[1, [0, 0]]]))).message).toBe(
      'Duplicate brokers not allowed in replica assignment: 0, 0 for partition id 1.',
    );
    expect(thrown(() => createNewPartitionsAssignment('t', existing, brokers, 2, new Map([[1, [0, 9]]])))).toEqual({
      code: 'ERR_BROKER_NOT_AVAILABLE',
      message:
        'Some brokers specified for partition id 1 are not available. Specified brokers: 0, 9, available brokers: 0, 1, 2, 3, 4.',
    });
    expect(asObject(createNewPartitionsAssignment('t', existing, brokers, 2, new Map([[1, [3, 4]]])))).toEqual({
      1: [3, 4],
    });
  });
});
