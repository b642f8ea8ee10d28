/**
 * LeaderIsrAndControllerEpoch: a partition's LeaderAndIsr and the epoch of the controller
 * that wrote it, what a partition state znode holds (Kafka's kafka.controller.LeaderIsrAndControllerEpoch),
 * and the new states a controller derives from a LeaderAndIsr (kafka.api.LeaderAndIsr's
 * newLeader, newLeaderAndIsr, newRecoveringLeaderAndIsr, duringDelete).
 */
import type { LeaderAndIsr } from '../zk/LeaderAndIsr.js';

export interface LeaderIsrAndControllerEpoch {
  readonly leaderAndIsr: LeaderAndIsr;
  readonly controllerEpoch: number;
}

/** LeaderAndIsr.InitialLeaderEpoch, InitialPartitionEpoch */
export const INITIAL_LEADER_EPOCH = 0;
export const INITIAL_PARTITION_EPOCH = 0;
/** LeaderAndIsr.NoEpoch: the leader epoch of a partition the controller has no state for. */
export const NO_EPOCH = -1;
/** LeaderAndIsr.LeaderDuringDelete and EpochDuringDelete: the sentinels a topic being deleted is sent with. */
export const LEADER_DURING_DELETE = -2;
export const EPOCH_DURING_DELETE = -2;

/** LeaderAndIsr(leader, isr): a new partition's first state. */
export function initialLeaderAndIsr(leader: number, isr: readonly number[]): LeaderAndIsr {
  return {
    leader,
    leaderEpoch: INITIAL_LEADER_EPOCH,
    isr: [...isr],
    leaderRecoveryState: 0,
    partitionEpoch: INITIAL_PARTITION_EPOCH,
  };
}

/** LeaderAndIsr.newLeader: another leader, the same ISR, the next leader epoch. */
export function newLeader(state: LeaderAndIsr, leader: number): LeaderAndIsr {
  return { ...state, leader, leaderEpoch: state.leaderEpoch + 1 };
}

/** LeaderAndIsr.newLeaderAndIsr: the next leader epoch, the recovery state kept. */
export function newLeaderAndIsr(state: LeaderAndIsr, leader: number, isr: readonly number[]): LeaderAndIsr {
  return { ...state, leader, leaderEpoch: state.leaderEpoch + 1, isr: [...isr] };
}

/** LeaderAndIsr.newRecoveringLeaderAndIsr: an unclean election's leader, RECOVERING (KIP-704). */
export function newRecoveringLeaderAndIsr(state: LeaderAndIsr, leader: number, isr: readonly number[]): LeaderAndIsr {
  return { ...newLeaderAndIsr(state, leader, isr), leaderRecoveryState: 1 };
}

/** LeaderAndIsr.duringDelete: what UpdateMetadata tells of a partition whose topic is being deleted. */
export function duringDelete(isr: readonly number[]): LeaderAndIsr {
  return initialLeaderAndIsr(LEADER_DURING_DELETE, isr);
}
