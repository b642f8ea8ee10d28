/**
 * Partition reassignment as Kafka's KafkaController does it (onPartitionReassignment, phases
 * A and B of its comment; processApiPartitionReassignment and validateReplicas for
 * AlterPartitionReassignments). ZooKeeper is the in-memory port of
 * helpers/InMemoryControllerZk.ts (this tests the controller's logic, not ZooKeeper).
 */
import { describe, expect, test } from 'vitest';
import { ReplicaAssignment } from '../../src/controller/ReplicaAssignment.js';
import { partitionMap, type TopicPartition } from '../../src/controller/TopicPartition.js';
import { ControllerFixture, fourBrokersWithTopic } from './helpers/ControllerFixture.js';

const p0 = { topic: 't', partition: 0 };
const p1 = { topic: 't', partition: 1 };

const cluster = (): Promise<ControllerFixture> => fourBrokersWithTopic(Buffer.alloc(16, 1));

function request(
  entries: [TopicPartition, readonly number[] | null][],
): ReturnType<typeof partitionMap<readonly number[] | null>> {
  const map = partitionMap<readonly number[] | null>();
  for (const [tp, target] of entries) map.set(tp, target);
  return map;
}

const assignmentOf = (a: ReplicaAssignment | undefined): number[][] => [
  [...(a?.replicas ?? [])],
  [...(a?.addingReplicas ?? [])],
  [...(a?.removingReplicas ?? [])],
];

describe('onPartitionReassignment', () => {
  test('[1,2,3] -> [4,2,3]: phase A until 4 is in the ISR, then phase B moves the leader and removes 1', async () => {
    const f = await cluster();
    const results = await f.reassignment.processApiPartitionReassignment(request([[p0, [4, 2, 3]]]));
    expect(results.get(p0)).toEqual({ error: 'NONE', message: null });
    // U1-U2: origin plus target in ZooKeeper and in memory, 4 adding, 1 removing.
    expect(assignmentOf(f.zk.topicAssignments.get('t')!.get(0))).toEqual([[4, 2, 3, 1], [4], [1]]);
    expect(f.context.partitionsBeingReassigned.has(p0)).toBe(true);
    expect(f.context.topicsIneligibleForDeletion.has('t')).toBe(false); // only a topic queued for deletion is halted
    // A1: the leader epoch bumped, leader and ISR kept; A2: 4 told as new.
    expect(f.zk.read(p0)!.leaderAndIsr).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 2, 3] });
    const sent = f.take();
    const toFour = sent.find((r) => r.api === 'LeaderAndIsr' && r.brokerId === 4);
    expect(toFour?.api === 'LeaderAndIsr' && toFour.data.topicStates[0]!.partitionStates[0]).toMatchObject({
      isNew: true,
      replicas: [4, 2, 3, 1],
      addingReplicas: [4],
      removingReplicas: [1],
    });
    expect(f.context.replicaState({ topicPartition: p0, replica: 4 })).toBe('NewReplica');

    // The leader adds 4 to the ISR (AlterPartition); the controller runs the reassignment again.
    const { leaderAndIsr, controllerEpoch } = f.zk.read(p0)!;
    f.zk.writeAsOther(p0, { ...leaderAndIsr, isr: [1, 2, 3, 4] }, controllerEpoch);
    f.context.putPartitionLeadershipInfo(p0, f.zk.read(p0)!);
    await f.reassignment.onPartitionReassignment(p0, f.context.partitionFullReplicaAssignment(p0));
    // B3: 1 is not in the target, so a target replica in the ISR leads; B4: 1 leaves the ISR.
    expect(f.zk.read(p0)!.leaderAndIsr).toMatchObject({ leader: 4, isr: [2, 3, 4] });
    expect(assignmentOf(f.zk.topicAssignments.get('t')!.get(0))).toEqual([[4, 2, 3], [], []]);
    expect(assignmentOf(f.context.partitionFullReplicaAssignment(p0))).toEqual([[4, 2, 3], [], []]);
    expect(f.context.partitionsBeingReassigned.has(p0)).toBe(false);
    expect(f.context.replicaStates.has({ topicPartition: p0, replica: 1 })).toBe(false);
    const deletes = f
      .take()
      .flatMap((r) =>
        r.api === 'StopReplica'
          ? r.data.topicStates[0]!.partitionStates.map((p) => [r.brokerId, p.deletePartition])
          : [],
      );
    expect(deletes).toEqual([
      [1, false],
      [1, true],
    ]);
  });

  test('a cancellation (null) goes back to the origin replicas and stops the adding ones', async () => {
    const f = await cluster();
    await f.reassignment.processApiPartitionReassignment(request([[p1, [4, 3, 1]]]));
    expect(assignmentOf(f.context.partitionFullReplicaAssignment(p1))).toEqual([[4, 3, 1, 2], [4], [2]]);
    f.take();
    const results = await f.reassignment.processApiPartitionReassignment(request([[p1, null]]));
    expect(results.get(p1)).toEqual({ error: 'NONE', message: null });
    // The origin order is not restored (Kafka's updateCurrentReassignment says so): the origin replicas in their current order.
    expect(assignmentOf(f.context.partitionFullReplicaAssignment(p1))).toEqual([[3, 1, 2], [], []]);
    expect(f.take().some((r) => r.api === 'StopReplica' && r.brokerId === 4)).toBe(true);
    expect(f.zk.read(p1)!.leaderAndIsr.leader).toBe(2);
  });
});

describe('AlterPartitionReassignments errors (validateReplicas, maybeBuildReassignment, maybeTriggerPartitionReassignment)', () => {
  test.each([
    [[], 'INVALID_REPLICA_ASSIGNMENT', 'Empty replica list specified in partition reassignment.'],
    [[4, 4], 'INVALID_REPLICA_ASSIGNMENT', 'Duplicate replica ids in partition reassignment replica list: List(4, 4)'],
    [[-1, 2], 'INVALID_REPLICA_ASSIGNMENT', 'Invalid broker id in replica list: List(-1, 2)'],
    [
      [9, 2, 3],
      'INVALID_REPLICA_ASSIGNMENT',
      'Replica assignment has brokers that are not alive. Replica list: List(9), live broker list: Set(1, 2, 3, 4)',
    ],
    [null, 'NO_REASSIGNMENT_IN_PROGRESS', null],
  ] as const)('%j -> %s', async (target, error, message) => {
    const f = await cluster();
    const results = await f.reassignment.processApiPartitionReassignment(request([[p0, target]]));
    expect(results.get(p0)).toEqual({ error, message });
    expect(f.context.partitionsBeingReassigned.size).toBe(0);
  });

  test('an unknown partition, or a topic being deleted, is UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const f = await cluster();
    const unknown = { error: 'UNKNOWN_TOPIC_OR_PARTITION', message: 'The partition does not exist.' };
    const results = await f.reassignment.processApiPartitionReassignment(
      request([[{ topic: 't', partition: 7 }, [1, 2]]]),
    );
    expect(results.get({ topic: 't', partition: 7 })).toEqual(unknown);
    f.context.queueTopicDeletion(['t']);
    expect((await f.reassignment.processApiPartitionReassignment(request([[p0, [4, 2, 3]]]))).get(p0)).toEqual(unknown);
  });
});

describe('listPartitionReassignments (KafkaController.processListPartitionReassignments)', () => {
  test('those in progress, of the partitions named or all; a partition not moving or unknown is left out', async () => {
    const f = await cluster();
    await f.reassignment.processApiPartitionReassignment(request([[p0, [4, 2, 3]]]));
    const listed = (partitions: TopicPartition[] | null): [string, number[][]][] =>
      [...f.reassignment.listPartitionReassignments(partitions)].map(([tp, a]) => [
        `${tp.topic}-${tp.partition}`,
        assignmentOf(a),
      ]);
    expect(listed(null)).toEqual([['t-0', [[4, 2, 3, 1], [4], [1]]]]);
    expect(listed([p1, { topic: 'u', partition: 0 }])).toEqual([]);
    expect(listed([p0, p1])).toEqual([['t-0', [[4, 2, 3, 1], [4], [1]]]]);
  });
});
