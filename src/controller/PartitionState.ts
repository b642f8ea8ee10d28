/**
 * The states of Kafka's partition state machine and the states each may be entered from
 * (kafka.controller.PartitionState's validPreviousStates, PartitionStateMachine.scala).
 */
export type PartitionState = 'NewPartition' | 'OnlinePartition' | 'OfflinePartition' | 'NonExistentPartition';

export const validPreviousPartitionStates: Readonly<Record<PartitionState, readonly PartitionState[]>> = {
  NewPartition: ['NonExistentPartition'],
  OnlinePartition: ['NewPartition', 'OnlinePartition', 'OfflinePartition'],
  OfflinePartition: ['NewPartition', 'OnlinePartition', 'OfflinePartition'],
  NonExistentPartition: ['OfflinePartition'],
};
