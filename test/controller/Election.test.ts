/**
 * Leader election: the table of Kafka's PartitionLeaderElectionAlgorithmsTest
 * (core/src/test/scala/unit/kafka/controller), and kafka.controller.Election's new states
 * (ISR shrink, KIP-704 RECOVERING on an unclean leader, controlled shutdown's ISR).
 */
import { describe, expect, test } from 'vitest';
import { ControllerContext } from '../../src/controller/ControllerContext.js';
import {
  controlledShutdownPartitionLeaderElection,
  leaderForControlledShutdown,
  leaderForOffline,
  leaderForPreferredReplica,
  leaderForReassign,
  offlinePartitionLeaderElection,
  preferredReplicaPartitionLeaderElection,
  reassignPartitionLeaderElection,
} from '../../src/controller/Election.js';
import { ReplicaAssignment } from '../../src/controller/ReplicaAssignment.js';
import type { LeaderAndIsr } from '../../src/zk/LeaderAndIsr.js';
import { broker } from './helpers/ControllerFixture.js';

describe('PartitionLeaderElectionAlgorithms (PartitionLeaderElectionAlgorithmsTest)', () => {
  test.each([
    ['testOfflinePartitionLeaderElection', [2, 4], [2, 4], [4], false, 4],
    [
      'testOfflinePartitionLeaderElectionLastIsrOfflineUncleanLeaderElectionDisabled',
      [2, 4],
      [2],
      [4],
      false,
      undefined,
    ],
    ['testOfflinePartitionLeaderElectionLastIsrOfflineUncleanLeaderElectionEnabled', [2, 4], [2], [4], true, 4],
  ] as const)('%s', (_name, assignment, isr, live, unclean, expected) => {
    expect(offlinePartitionLeaderElection(assignment, isr, new Set(live), unclean)).toBe(expected);
  });

  test.each([
    ['testReassignPartitionLeaderElection', [2, 4], [2, 4], [4], 4],
    ['testReassignPartitionLeaderElectionWithNoLiveIsr', [2, 4], [2], [], undefined],
    ['testReassignPartitionLeaderElectionWithEmptyIsr', [2, 4], [], [2], undefined],
  ] as const)('%s', (_name, reassignment, isr, live, expected) => {
    expect(reassignPartitionLeaderElection(reassignment, isr, new Set(live))).toBe(expected);
  });

  test.each([
    ['testPreferredReplicaPartitionLeaderElection', [2, 4], [2, 4], [2, 4], 2],
    ['testPreferredReplicaPartitionLeaderElectionPreferredReplicaInIsrNotLive', [2, 4], [2], [], undefined],
    ['testPreferredReplicaPartitionLeaderElectionPreferredReplicaNotInIsrLive', [2, 4], [4], [2, 4], undefined],
    ['testPreferredReplicaPartitionLeaderElectionPreferredReplicaNotInIsrNotLive', [2, 4], [], [], undefined],
  ] as const)('%s', (_name, assignment, isr, live, expected) => {
    expect(preferredReplicaPartitionLeaderElection(assignment, isr, new Set(live))).toBe(expected);
  });

  test.each([
    ['testControlledShutdownPartitionLeaderElection', [2, 4], [2, 4], [2, 4], [2], 4],
    ['testControlledShutdownPartitionLeaderElectionLastIsrShuttingDown', [2, 4], [2], [2, 4], [2], undefined],
    [
      'testControlledShutdownPartitionLeaderElectionAllIsrSimultaneouslyShutdown',
      [2, 4],
      [2, 4],
      [2, 4],
      [2, 4],
      undefined,
    ],
  ] as const)('%s', (_name, assignment, isr, live, shuttingDown, expected) => {
    expect(controlledShutdownPartitionLeaderElection(assignment, isr, new Set(live), new Set(shuttingDown))).toBe(
      expected,
    );
  });
});

describe('Election over the context', () => {
  const tp = { topic: 't', partition: 0 };
  const state = (leader: number, isr: number[]): LeaderAndIsr => ({
    leader,
    leaderEpoch: 7,
    isr,
    leaderRecoveryState: 0,
    partitionEpoch: 3,
  });
  const contextWith = (live: number[], replicas: number[]): ControllerContext => {
    const context = new ControllerContext();
    context.setLiveBrokers(live.map((id) => ({ broker: broker(id), epoch: 1 })));
    context.updatePartitionFullReplicaAssignment(tp, new ReplicaAssignment(replicas));
    return context;
  };

  test('offline: a live ISR member leads, the ISR keeps its live members, the epoch moves, the partition epoch stays', () => {
    const result = leaderForOffline(contextWith([2, 3], [1, 2, 3]), tp, state(1, [1, 2, 3]), false);
    expect(result.leaderAndIsr).toEqual({
      leader: 2,
      leaderEpoch: 8,
      isr: [2, 3],
      leaderRecoveryState: 0,
      partitionEpoch: 3,
    });
    expect(result.liveReplicas).toEqual([2, 3]);
  });

  test('offline, unclean: a replica outside the ISR leads alone and RECOVERING (KIP-704); without the flag, nobody', () => {
    const context = contextWith([3], [1, 2, 3]);
    expect(leaderForOffline(context, tp, state(1, [1]), true).leaderAndIsr).toEqual({
      leader: 3,
      leaderEpoch: 8,
      isr: [3],
      leaderRecoveryState: 1,
      partitionEpoch: 3,
    });
    expect(leaderForOffline(context, tp, state(1, [1]), false).leaderAndIsr).toBeUndefined();
    expect(leaderForOffline(context, tp, undefined, true).leaderAndIsr).toBeUndefined();
  });

  test('preferred replica and reassignment keep the ISR; all assigned (or target) replicas are told', () => {
    const context = contextWith([1, 2, 3], [1, 2, 3]);
    const preferred = leaderForPreferredReplica(context, tp, state(2, [1, 2, 3]));
    expect(preferred.leaderAndIsr).toMatchObject({ leader: 1, leaderEpoch: 8, isr: [1, 2, 3] });
    expect(preferred.liveReplicas).toEqual([1, 2, 3]);
    context.updatePartitionFullReplicaAssignment(tp, new ReplicaAssignment([1, 2, 3]).reassignTo([3, 2]));
    const reassign = leaderForReassign(context, tp, state(1, [1, 2, 3]));
    expect(reassign.leaderAndIsr).toMatchObject({ leader: 3, isr: [1, 2, 3] });
    expect(reassign.liveReplicas).toEqual([3, 2]);
  });

  test('controlled shutdown: the shutting down broker leaves the ISR and the lead; it is still told', () => {
    const context = contextWith([1, 2, 3], [1, 2, 3]);
    context.shuttingDownBrokerIds.add(1);
    const result = leaderForControlledShutdown(context, tp, state(1, [1, 2, 3]));
    expect(result.leaderAndIsr).toMatchObject({ leader: 2, leaderEpoch: 8, isr: [2, 3] });
    expect(result.liveReplicas).toEqual([1, 2, 3]);
  });
});

describe('ReplicaAssignment (ControllerContext.scala)', () => {
  test('reassignTo: target first, then origin; adding and removing the differences', () => {
    const moving = new ReplicaAssignment([1, 2, 3]).reassignTo([4, 5, 1]);
    expect([moving.replicas, moving.addingReplicas, moving.removingReplicas]).toEqual([
      [4, 5, 1, 2, 3],
      [4, 5],
      [2, 3],
    ]);
    expect([moving.originReplicas, moving.targetReplicas, moving.isBeingReassigned]).toEqual([
      [1, 2, 3],
      [4, 5, 1],
      true,
    ]);
    expect(moving.removeReplica(2).replicas).toEqual([4, 5, 1, 3]);
  });
});
