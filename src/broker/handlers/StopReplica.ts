/**
 * StopReplica: the controller stops this broker's replicas of partitions, deleting their logs
 * when it says so (KafkaApis.handleStopReplicaRequest, ReplicaManager.stopReplicas). A stale
 * broker epoch is STALE_BROKER_EPOCH, an older controller epoch STALE_CONTROLLER_EPOCH, with
 * no partition listed.
 */
import { isTributaryError, KafkaErrors } from '../../errors.js';
import type { RequestOf } from '../../protocol/index.js';
import { StopReplica } from '../../protocol/messages/StopReplica.js';
import type { StopReplicaPartitionState } from '../ReplicaManager.js';
import { handler } from '../RequestContext.js';
import { clusterOf, isBrokerEpochStale } from './ControlRequest.js';
import { onStoppedReplicas } from './CoordinatorLeadership.js';

type StopReplicaRequest = RequestOf<typeof StopReplica>;

/** LeaderAndIsr.NoEpoch: versions before 3 carry no leader epoch. */
const NO_EPOCH = -1;

/** StopReplicaRequest.partitionStates: v0 lists partitions, v1-v2 group them by topic, v3+ give each its epoch and delete flag. */
function partitionStates(request: StopReplicaRequest, version: number): StopReplicaPartitionState[] {
  const deletePartition = request.deletePartitions;
  if (version === 0)
    return request.ungroupedPartitions.map((p) => ({
      topic: p.topicName,
      partition: p.partitionIndex,
      leaderEpoch: NO_EPOCH,
      deletePartition,
    }));
  if (version <= 2)
    return request.topics.flatMap((t) =>
      t.partitionIndexes.map((partition) => ({ topic: t.name, partition, leaderEpoch: NO_EPOCH, deletePartition })),
    );
  return request.topicStates.flatMap((t) =>
    t.partitionStates.map((p) => ({
      topic: t.topicName,
      partition: p.partitionIndex,
      leaderEpoch: p.leaderEpoch,
      deletePartition: p.deletePartition,
    })),
  );
}

export const handleStopReplica = handler(StopReplica, async (context, request) => {
  const cluster = clusterOf(context);
  if (isBrokerEpochStale(cluster, request.brokerEpoch))
    return { errorCode: KafkaErrors.STALE_BROKER_EPOCH.code, partitionErrors: [] };
  try {
    const states = partitionStates(request, context.header.apiVersion);
    const results = await cluster.replicaManager.stopReplicas(request.controllerId, request.controllerEpoch, states);
    onStoppedReplicas(context, states, results);
    const partitionErrors = results.map((r) => ({
      topicName: r.topic,
      partitionIndex: r.partition,
      errorCode: r.error.code,
    }));
    return { errorCode: 0, partitionErrors };
  } catch (error) {
    if (isTributaryError(error, 'ERR_STALE_CONTROLLER_EPOCH'))
      return { errorCode: KafkaErrors.STALE_CONTROLLER_EPOCH.code, partitionErrors: [] };
    throw error;
  }
});
