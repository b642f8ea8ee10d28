/**
 * The replica state machine against Kafka's ReplicaStateMachineTest (core/src/test/scala/
 * unit/kafka/controller): startup, each valid transition's effect and requests, and every
 * invalid transition that test names (left as it was, logged). ZooKeeper is the in-memory
 * port of helpers/InMemoryControllerZk.ts (this tests the state machine's logic, not ZooKeeper).
 */
import { describe, expect, test } from 'vitest';
import { initialLeaderAndIsr } from '../../src/controller/LeaderIsrAndControllerEpoch.js';
import type { ReplicaState } from '../../src/controller/ReplicaState.js';
import { NO_LEADER } from '../../src/zk/LeaderAndIsr.js';
import { ControllerFixture } from './helpers/ControllerFixture.js';

const tp = { topic: 't', partition: 0 };
const brokerId = 5;
const replica = { topicPartition: tp, replica: brokerId };
const epoch = 5;

function fixture(live: number[] = [brokerId], replicas: number[] = [brokerId]): ControllerFixture {
  const f = new ControllerFixture(live, epoch);
  f.addTopic('t', { 0: replicas });
  return f;
}

describe('startup', () => {
  test('testStartupOnlinePartition, testStartupOfflinePartition, testStartupWithReplicaWithoutLeader', async () => {
    const online = fixture();
    await online.replicas.startup();
    expect(online.context.replicaState(replica)).toBe('OnlineReplica');
    const offline = fixture([]);
    await offline.replicas.startup();
    expect(offline.context.replicaState(replica)).toBe('OfflineReplica');
    const withoutLeader = fixture([brokerId], [100]);
    await withoutLeader.replicas.startup();
    expect(withoutLeader.context.replicaState({ topicPartition: tp, replica: 100 })).toBe('OfflineReplica');
  });
});

describe('invalid transitions (testInvalid...Transition): the state is kept and the refusal logged', () => {
  test.each([
    ['NonExistentReplica', 'OnlineReplica'],
    ['NonExistentReplica', 'OfflineReplica'],
    ['NonExistentReplica', 'ReplicaDeletionStarted'],
    ['NonExistentReplica', 'ReplicaDeletionIneligible'],
    ['NonExistentReplica', 'ReplicaDeletionSuccessful'],
    ['NewReplica', 'NonExistentReplica'],
    ['NewReplica', 'ReplicaDeletionStarted'],
    ['NewReplica', 'ReplicaDeletionIneligible'],
    ['NewReplica', 'ReplicaDeletionSuccessful'],
    ['OnlineReplica', 'NonExistentReplica'],
    ['OnlineReplica', 'NewReplica'],
    ['OnlineReplica', 'ReplicaDeletionStarted'],
    ['OnlineReplica', 'ReplicaDeletionIneligible'],
    ['OnlineReplica', 'ReplicaDeletionSuccessful'],
    ['OfflineReplica', 'NonExistentReplica'],
    ['OfflineReplica', 'NewReplica'],
    ['OfflineReplica', 'ReplicaDeletionSuccessful'],
    ['ReplicaDeletionStarted', 'NonExistentReplica'],
    ['ReplicaDeletionStarted', 'NewReplica'],
    ['ReplicaDeletionStarted', 'OnlineReplica'],
    ['ReplicaDeletionStarted', 'OfflineReplica'],
    ['ReplicaDeletionSuccessful', 'NewReplica'],
    ['ReplicaDeletionSuccessful', 'OnlineReplica'],
    ['ReplicaDeletionSuccessful', 'OfflineReplica'],
    ['ReplicaDeletionSuccessful', 'ReplicaDeletionStarted'],
    ['ReplicaDeletionSuccessful', 'ReplicaDeletionIneligible'],
    ['ReplicaDeletionIneligible', 'NonExistentReplica'],
    ['ReplicaDeletionIneligible', 'NewReplica'],
    ['ReplicaDeletionIneligible', 'ReplicaDeletionStarted'],
    ['ReplicaDeletionIneligible', 'ReplicaDeletionSuccessful'],
  ] as const)('%s -> %s', async (from: ReplicaState, to: ReplicaState) => {
    const f = fixture();
    if (from !== 'NonExistentReplica') f.context.putReplicaState(replica, from);
    await f.replicas.handleStateChanges([replica], to);
    expect(f.context.replicaState(replica)).toBe(from);
    expect(f.errors.join('\n')).toContain(`before moving to ${to} state. Instead it is in ${from} state`);
    expect(f.take()).toEqual([]);
  });
});

describe('valid transitions', () => {
  test('testNonexistentReplicaToNewReplicaTransition; a new replica asked to lead is refused', async () => {
    const f = fixture();
    await f.replicas.handleStateChanges([replica], 'NewReplica');
    expect(f.context.replicaState(replica)).toBe('NewReplica');
    const leading = fixture();
    leading.context.putPartitionLeadershipInfo(tp, {
      leaderAndIsr: initialLeaderAndIsr(brokerId, [brokerId]),
      controllerEpoch: epoch,
    });
    await leading.replicas.handleStateChanges([replica], 'NewReplica');
    expect(leading.context.replicaState(replica)).toBe('NonExistentReplica');
    expect(leading.errors.join('\n')).toContain(
      'cannot be moved to NewReplica state as it is being requested to become leader',
    );
  });

  test('a new replica of a partition with a leader gets LeaderAndIsr isNew', async () => {
    const f = fixture([1, brokerId], [1, brokerId]);
    f.context.putPartitionLeadershipInfo(tp, { leaderAndIsr: initialLeaderAndIsr(1, [1]), controllerEpoch: epoch });
    await f.replicas.handleStateChanges([replica], 'NewReplica');
    const [request] = f.take();
    expect(request?.api === 'LeaderAndIsr' && request.brokerId).toBe(brokerId);
    expect(request?.api === 'LeaderAndIsr' && request.data.topicStates[0]!.partitionStates[0]!.isNew).toBe(true);
  });

  test('testNewReplicaToOnlineReplicaTransition: a replica missing from the assignment joins it', async () => {
    const f = fixture([1, brokerId], [1]);
    f.context.putReplicaState(replica, 'NewReplica');
    await f.replicas.handleStateChanges([replica], 'OnlineReplica');
    expect(f.context.replicaState(replica)).toBe('OnlineReplica');
    expect(f.context.partitionReplicaAssignment(tp)).toEqual([1, brokerId]);
  });

  test('testNewReplicaToOfflineReplicaTransition: StopReplica without delete; no leadership, so UpdateMetadata only', async () => {
    const f = fixture();
    f.context.putReplicaState(replica, 'NewReplica');
    await f.replicas.handleStateChanges([replica], 'OfflineReplica');
    expect(f.context.replicaState(replica)).toBe('OfflineReplica');
    expect(f.take().map((r) => `${r.api}:${r.brokerId}`)).toEqual(['UpdateMetadata:5', 'StopReplica:5']);
  });

  test('testOnlineReplicaToOnlineReplicaTransition: LeaderAndIsr with the current state', async () => {
    const f = fixture();
    f.context.putReplicaState(replica, 'OnlineReplica');
    f.context.putPartitionLeadershipInfo(tp, {
      leaderAndIsr: initialLeaderAndIsr(brokerId, [brokerId]),
      controllerEpoch: epoch,
    });
    await f.replicas.handleStateChanges([replica], 'OnlineReplica');
    expect(f.take().map((r) => `${r.api}:${r.brokerId}`)).toEqual(['LeaderAndIsr:5', 'UpdateMetadata:5']);
  });

  test('testOnlineReplicaToOfflineReplicaTransition: out of the ISR, no leader, the znode written; the other replica told', async () => {
    const other = brokerId + 1;
    const f = fixture([brokerId, other], [brokerId, other]);
    f.context.putReplicaState(replica, 'OnlineReplica');
    f.zk.writeAsOther(tp, initialLeaderAndIsr(brokerId, [brokerId, other]), epoch);
    f.context.putPartitionLeadershipInfo(tp, f.zk.read(tp)!);
    await f.replicas.handleStateChanges([replica], 'OfflineReplica');
    const updated = { leader: NO_LEADER, leaderEpoch: 1, isr: [other], leaderRecoveryState: 0, partitionEpoch: 1 };
    expect(f.zk.read(tp)).toEqual({ leaderAndIsr: updated, controllerEpoch: epoch });
    expect(f.context.partitionLeadershipInfo(tp)).toEqual({ leaderAndIsr: updated, controllerEpoch: epoch });
    expect(f.context.replicaState(replica)).toBe('OfflineReplica');
    expect(f.take().map((r) => `${r.api}:${r.brokerId}`)).toEqual([
      'LeaderAndIsr:6',
      'UpdateMetadata:5',
      'UpdateMetadata:6',
      'StopReplica:5',
    ]);
  });

  test('the last ISR member going offline stays in the ISR (so the last in-sync replica is known), the leader goes', async () => {
    const f = fixture([brokerId, 6], [brokerId, 6]);
    f.context.putReplicaState(replica, 'OnlineReplica');
    f.zk.writeAsOther(tp, initialLeaderAndIsr(brokerId, [brokerId]), epoch);
    f.context.putPartitionLeadershipInfo(tp, f.zk.read(tp)!);
    await f.replicas.handleStateChanges([replica], 'OfflineReplica');
    expect(f.zk.read(tp)!.leaderAndIsr).toMatchObject({ leader: NO_LEADER, isr: [brokerId] });
  });

  test('testOfflineReplicaToOnlineReplicaTransition, testReplicaDeletionIneligibleToOnlineReplicaTransition', async () => {
    for (const from of ['OfflineReplica', 'ReplicaDeletionIneligible'] as const) {
      const f = fixture();
      f.context.putReplicaState(replica, from);
      f.context.putPartitionLeadershipInfo(tp, {
        leaderAndIsr: initialLeaderAndIsr(brokerId, [brokerId]),
        controllerEpoch: epoch,
      });
      await f.replicas.handleStateChanges([replica], 'OnlineReplica');
      expect(f.context.replicaState(replica)).toBe('OnlineReplica');
      expect(f.take().map((r) => r.api)).toEqual(['LeaderAndIsr', 'UpdateMetadata']);
    }
  });

  test('deletion: Offline -> Started (StopReplica with delete) -> Successful -> NonExistent (out of the assignment)', async () => {
    const f = fixture([brokerId, 6], [brokerId, 6]);
    f.context.putReplicaState(replica, 'OfflineReplica');
    await f.replicas.handleStateChanges([replica], 'ReplicaDeletionStarted');
    expect(f.context.replicaState(replica)).toBe('ReplicaDeletionStarted');
    const [stop] = f.take();
    expect(stop?.api === 'StopReplica' && stop.data.topicStates[0]!.partitionStates[0]!.deletePartition).toBe(true);
    await f.replicas.handleStateChanges([replica], 'ReplicaDeletionSuccessful');
    expect(f.context.replicaState(replica)).toBe('ReplicaDeletionSuccessful');
    await f.replicas.handleStateChanges([replica], 'NonExistentReplica');
    expect(f.context.replicaStates.has(replica)).toBe(false);
    expect(f.context.partitionReplicaAssignment(tp)).toEqual([6]);
  });

  test('testOfflineReplicaToReplicaDeletionIneligibleTransition, testReplicaDeletionStartedToReplicaDeletionIneligibleTransition', async () => {
    for (const from of ['OfflineReplica', 'ReplicaDeletionStarted'] as const) {
      const f = fixture();
      f.context.putReplicaState(replica, from);
      await f.replicas.handleStateChanges([replica], 'ReplicaDeletionIneligible');
      expect(f.context.replicaState(replica)).toBe('ReplicaDeletionIneligible');
    }
  });
});
