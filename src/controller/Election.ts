/**
 * Leader election: Kafka's PartitionLeaderElectionAlgorithms (PartitionStateMachine.scala),
 * which pick a leader from a partition's replicas, and kafka.controller.Election, which
 * applies them over the ControllerContext and derives the new LeaderAndIsr and the brokers
 * to tell.
 */
import type { LeaderAndIsr } from '../zk/LeaderAndIsr.js';
import type { ControllerContext } from './ControllerContext.js';
import { newLeader, newLeaderAndIsr, newRecoveringLeaderAndIsr } from './LeaderIsrAndControllerEpoch.js';
import type { TopicPartition } from './TopicPartition.js';

/** The first replica in assignment order that is live and in the ISR; with unclean election allowed, else the first live one. */
export function offlinePartitionLeaderElection(
  assignment: readonly number[],
  isr: readonly number[],
  liveReplicas: ReadonlySet<number>,
  uncleanLeaderElectionEnabled: boolean,
): number | undefined {
  const clean = assignment.find((id) => liveReplicas.has(id) && isr.includes(id));
  if (clean !== undefined || !uncleanLeaderElectionEnabled) return clean;
  return assignment.find((id) => liveReplicas.has(id));
}

/** The first target replica that is live and in the ISR. */
export function reassignPartitionLeaderElection(
  reassignment: readonly number[],
  isr: readonly number[],
  liveReplicas: ReadonlySet<number>,
): number | undefined {
  return reassignment.find((id) => liveReplicas.has(id) && isr.includes(id));
}

/** The preferred (first assigned) replica if it is live and in the ISR; no other. */
export function preferredReplicaPartitionLeaderElection(
  assignment: readonly number[],
  isr: readonly number[],
  liveReplicas: ReadonlySet<number>,
): number | undefined {
  const preferred = assignment[0];
  return preferred !== undefined && liveReplicas.has(preferred) && isr.includes(preferred) ? preferred : undefined;
}

/** The first replica live, in the ISR and not shutting down. */
export function controlledShutdownPartitionLeaderElection(
  assignment: readonly number[],
  isr: readonly number[],
  liveReplicas: ReadonlySet<number>,
  shuttingDownBrokers: ReadonlySet<number>,
): number | undefined {
  return assignment.find((id) => liveReplicas.has(id) && isr.includes(id) && !shuttingDownBrokers.has(id));
}

/** Kafka's PartitionLeaderElectionStrategy. */
export type PartitionLeaderElectionStrategy =
  | { readonly kind: 'OfflinePartition'; readonly allowUnclean: boolean }
  | { readonly kind: 'ReassignPartition' }
  | { readonly kind: 'PreferredReplicaPartition' }
  | { readonly kind: 'ControlledShutdownPartition' };

/** Election's ElectionResult: the new state (none when no replica qualifies) and the replicas to tell. */
export interface ElectionResult {
  readonly topicPartition: TopicPartition;
  readonly leaderAndIsr: LeaderAndIsr | undefined;
  readonly liveReplicas: readonly number[];
}

/**
 * Election.leaderForOffline: the ISR keeps its live members if the leader came from it;
 * an unclean leader is the whole ISR and RECOVERING (KIP-704, IBP 3.2 and later, as a 3.8
 * controller runs). No state read (`undefined`) gives no leader.
 */
export function leaderForOffline(
  context: ControllerContext,
  tp: TopicPartition,
  state: LeaderAndIsr | undefined,
  uncleanLeaderElectionEnabled: boolean,
): ElectionResult {
  const assignment = context.partitionReplicaAssignment(tp);
  const liveReplicas = assignment.filter((r) => context.isReplicaOnline(r, tp));
  if (state === undefined) return { topicPartition: tp, leaderAndIsr: undefined, liveReplicas };
  const { isr } = state;
  const leader = offlinePartitionLeaderElection(assignment, isr, new Set(liveReplicas), uncleanLeaderElectionEnabled);
  if (leader === undefined) return { topicPartition: tp, leaderAndIsr: undefined, liveReplicas };
  const leaderAndIsr = isr.includes(leader)
    ? newLeaderAndIsr(
        state,
        leader,
        isr.filter((r) => context.isReplicaOnline(r, tp)),
      )
    : newRecoveringLeaderAndIsr(state, leader, [leader]);
  return { topicPartition: tp, leaderAndIsr, liveReplicas };
}

/** Election.leaderForReassign: a leader among the reassignment's target replicas; all targets are told. */
export function leaderForReassign(context: ControllerContext, tp: TopicPartition, state: LeaderAndIsr): ElectionResult {
  const targetReplicas = context.partitionFullReplicaAssignment(tp).targetReplicas;
  return newLeaderAmong(context, tp, state, targetReplicas, reassignPartitionLeaderElection);
}

/** Election.leaderForPreferredReplica: the preferred replica or nothing; every assigned replica is told. */
export function leaderForPreferredReplica(
  context: ControllerContext,
  tp: TopicPartition,
  state: LeaderAndIsr,
): ElectionResult {
  const assignment = context.partitionReplicaAssignment(tp);
  return newLeaderAmong(context, tp, state, assignment, preferredReplicaPartitionLeaderElection);
}

/** A leader `algorithm` picks among `replicas` (their live ones), the ISR kept (LeaderAndIsr.newLeader); all `replicas` told. */
function newLeaderAmong(
  context: ControllerContext,
  tp: TopicPartition,
  state: LeaderAndIsr,
  replicas: readonly number[],
  algorithm: (replicas: readonly number[], isr: readonly number[], live: ReadonlySet<number>) => number | undefined,
): ElectionResult {
  const live = new Set(replicas.filter((r) => context.isReplicaOnline(r, tp)));
  const leader = algorithm(replicas, state.isr, live);
  return {
    topicPartition: tp,
    leaderAndIsr: leader === undefined ? undefined : newLeader(state, leader),
    liveReplicas: replicas,
  };
}

/** Election.leaderForControlledShutdown: a leader not shutting down; the shutting down brokers leave the ISR. */
export function leaderForControlledShutdown(
  context: ControllerContext,
  tp: TopicPartition,
  state: LeaderAndIsr,
): ElectionResult {
  const shuttingDown = context.shuttingDownBrokerIds;
  const assignment = context.partitionReplicaAssignment(tp);
  const liveOrShuttingDown = assignment.filter((r) => context.isReplicaOnline(r, tp, true));
  const leader = controlledShutdownPartitionLeaderElection(
    assignment,
    state.isr,
    new Set(liveOrShuttingDown),
    shuttingDown,
  );
  const isr = state.isr.filter((r) => !shuttingDown.has(r));
  return {
    topicPartition: tp,
    leaderAndIsr: leader === undefined ? undefined : newLeaderAndIsr(state, leader, isr),
    liveReplicas: liveOrShuttingDown,
  };
}
