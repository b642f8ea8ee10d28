/**
 * The coordinators follow the leadership of their internal topics' partitions on a cluster's
 * broker: RequestHandlerHelper.onLeadershipChange after a LeaderAndIsr (a new leader of a
 * `__consumer_offsets` or `__transaction_state` partition loads its groups or transactions, a
 * new follower unloads them) and KafkaApis.handleStopReplicaRequest (a partition deleted here
 * is resigned: a reassignment sends no LeaderAndIsr to the replica it removes).
 */
import { KafkaErrors } from '../../errors.js';
import { GROUP_METADATA_TOPIC_NAME } from '../../group/OffsetsTopicStore.js';
import { TRANSACTION_STATE_TOPIC_NAME } from '../../transaction/TransactionStateManager.js';
import type { LeaderAndIsrPartitionState, PartitionResult, StopReplicaPartitionState } from '../ReplicaManager.js';
import type { RequestContext } from '../RequestContext.js';

/** LeaderAndIsr.NoEpoch and EpochDuringDelete: a StopReplica epoch below 0 means none (OptionalInt.empty). */
const epochOrNone = (epoch: number): number | undefined => (epoch >= 0 ? epoch : undefined);

export function onLeadershipChange(
  context: RequestContext,
  brokerId: number,
  states: readonly LeaderAndIsrPartitionState[],
  results: readonly PartitionResult[],
): void {
  states.forEach((state, i) => {
    if (results[i]?.error !== KafkaErrors.NONE) return;
    const { topicName: topic, partitionIndex: partition, leaderEpoch } = state;
    const isLeader = state.leader === brokerId;
    if (topic === GROUP_METADATA_TOPIC_NAME) {
      if (isLeader) void context.groups.onElection(partition, leaderEpoch);
      else context.groups.onResignation(partition, leaderEpoch);
    } else if (topic === TRANSACTION_STATE_TOPIC_NAME) {
      if (isLeader) void context.transactions.onElection(partition, leaderEpoch);
      else context.transactions.onResignation(partition, leaderEpoch);
    }
  });
}

export function onStoppedReplicas(
  context: RequestContext,
  states: readonly StopReplicaPartitionState[],
  results: readonly PartitionResult[],
): void {
  states.forEach((state, i) => {
    if (results[i]?.error !== KafkaErrors.NONE || !state.deletePartition) return;
    if (state.topic === GROUP_METADATA_TOPIC_NAME)
      context.groups.onResignation(state.partition, epochOrNone(state.leaderEpoch));
    else if (state.topic === TRANSACTION_STATE_TOPIC_NAME)
      context.transactions.onResignation(state.partition, epochOrNone(state.leaderEpoch));
  });
}
